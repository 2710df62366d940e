// Where an app stands for its owner: published or not, taken down and why, and its draft's review
// (waiting, rejected with the reviewer's reason, words the moderation flagged).
import { useI18n } from '../../i18n';
import type { App, AppDraft } from '../../lib/apps';
import { Link } from '../../lib/router';
import { ReviewBadge, StatusBadge } from '../apps/StatusBadge';
import { Alert } from '../Field';
import { SmallButton } from '../Table';

export function FlagList({ flags, testId = 'moderation-flags' }: { flags: AppDraft['moderation_flags']; testId?: string }) {
  const { t } = useI18n();
  if (!flags || flags.length === 0) return null;
  return (
    <div className="flags" data-testid={testId}>
      <span className="flags-label">{t('review.flagged')}</span>
      <ul className="chips">
        {flags.map((f, i) => (
          <li key={i} className="chip flag" data-testid="moderation-flag" data-field={f.field} data-word={f.word}>
            <mark>{f.word}</mark> <span className="muted">{t('review.inField', { field: f.field })}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The draft's review state with its reason and flags. */
export function DraftReview({ draft }: { draft: AppDraft }) {
  const { t, formatDate } = useI18n();
  return (
    <div className="draft-review" data-testid="draft-review">
      <div className="row wrap">
        <span className="muted small">{t('studio.draftLabel')}</span>
        <ReviewBadge status={draft.review_status} />
        {draft.review_status === 'pending' && draft.submitted_at && (
          <span className="muted small">{t('studio.submittedOn', { date: formatDate(draft.submitted_at, true) })}</span>
        )}
      </div>
      {draft.review_status === 'rejected' && (
        <Alert kind="warning" testId="review-reason">
          {t('studio.rejectedBecause', { reason: draft.review_reason || '—' })}
        </Alert>
      )}
      {/* Edited since the rejection: the reason stays until the next submission, as what to fix. */}
      {draft.review_status === 'draft' && draft.review_reason && (
        <Alert kind="warning" testId="review-reason">
          {t('studio.rejectedEarlier', { reason: draft.review_reason })}
        </Alert>
      )}
      <FlagList flags={draft.moderation_flags} />
    </div>
  );
}

export function AppStatusPanel({ app, busy, onAction }: { app: App; busy: boolean; onAction: (a: 'unpublish' | 'republish') => void }) {
  const { t } = useI18n();
  return (
    <section className="card" data-testid="studio-status" data-status={app.status} data-review={app.draft?.review_status ?? ''}>
      <div className="row wrap spread">
        <h2>{t('studio.statusTitle')}</h2>
        <StatusBadge status={app.status} />
      </div>
      {app.status === 'taken_down' && (
        <Alert kind="error" testId="studio-takedown-reason">
          {t('apps.takenDownBecause', { reason: app.takedown_reason || '—' })}
        </Alert>
      )}
      {app.draft ? (
        <DraftReview draft={app.draft} />
      ) : (
        <p className="muted small">{app.status === 'published' ? t('studio.liveUpToDate') : t('studio.noDraft')}</p>
      )}
      {app.status === 'published' && app.draft?.review_status === 'draft' && <p className="muted small">{t('studio.liveStaysUp')}</p>}
      <div className="row wrap">
        {app.status === 'published' && (
          <>
            <Link to={`/apps/${encodeURIComponent(app.slug)}`} className="button secondary small" data-testid="studio-view">
              {t('studio.viewLive')}
            </Link>
            <SmallButton kind="danger-ghost" disabled={busy} onClick={() => onAction('unpublish')} data-testid="app-unpublish">
              {t('studio.unpublish')}
            </SmallButton>
          </>
        )}
        {app.status === 'unpublished' && (
          <SmallButton kind="secondary" disabled={busy} onClick={() => onAction('republish')} data-testid="app-republish">
            {t('studio.republish')}
          </SmallButton>
        )}
      </div>
    </section>
  );
}
