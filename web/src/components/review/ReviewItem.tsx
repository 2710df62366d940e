// One submission in the review queue: the app and its author, what moderation flagged, the
// field-by-field diff against the live version, and approve / reject / take down.
import { useI18n } from '../../i18n';
import type { ReviewEntry } from '../../lib/apps';
import { Link } from '../../lib/router';
import { AppAvatar } from '../apps/AppAvatar';
import { StatusBadge } from '../apps/StatusBadge';
import { FlagList } from '../studio/AppStatusPanel';
import { SmallButton } from '../Table';
import { VersionDiff } from './VersionDiff';

export function ReviewItem({
  entry,
  busy,
  onApprove,
  onReject,
  onTakedown,
}: {
  entry: ReviewEntry;
  busy: boolean;
  onApprove: () => void;
  onReject: () => void;
  onTakedown: () => void;
}) {
  const { t, formatDate } = useI18n();
  const { app, draft, live } = entry;
  const flags = draft.moderation_flags ?? [];
  return (
    <li className={`card review-item${flags.length ? ' is-flagged' : ''}`} data-testid="review-item" data-slug={app.slug} data-flagged={flags.length > 0}>
      <div className="review-head">
        <AppAvatar avatar={draft.avatar} title={draft.title} />
        <div className="review-titles">
          <h2 data-testid="review-title">{draft.title}</h2>
          <p className="muted small">
            <code className="mono">{app.slug}</code> · {t('apps.by')}{' '}
            <Link to={`/creators/${encodeURIComponent(app.owner.username)}`}>{app.owner.username}</Link>
            {draft.submitted_at && <> · {t('review.submittedOn', { date: formatDate(draft.submitted_at, true) })}</>}
          </p>
        </div>
        <span className="row wrap">
          <span className="badge badge-neutral" data-testid="review-kind">
            {live ? t('review.kindUpdate') : t('review.kindNew')}
          </span>
          <StatusBadge status={app.status} />
        </span>
      </div>
      <FlagList flags={flags} testId="review-flags" />
      <VersionDiff draft={draft} live={live} flags={flags} />
      <div className="actions-end">
        {app.status === 'published' && (
          <SmallButton kind="danger-ghost" disabled={busy} onClick={onTakedown} data-testid="review-takedown">
            {t('review.takedown')}
          </SmallButton>
        )}
        <SmallButton kind="secondary" disabled={busy} onClick={onReject} data-testid="review-reject">
          {t('review.reject')}
        </SmallButton>
        <SmallButton kind="primary" disabled={busy} onClick={onApprove} data-testid="review-approve">
          {t('review.approve')}
        </SmallButton>
      </div>
    </li>
  );
}
