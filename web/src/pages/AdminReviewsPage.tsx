// Admin › Reviews: submitted app versions waiting for a decision, flagged ones marked; approving
// publishes the draft, rejecting sends the reason back to the creator. Published apps can be taken
// down here too, by slug.
import { useCallback, useState, type FormEvent } from 'react';
import { AdminTabs } from '../components/AdminTabs';
import { LoadState } from '../components/billing/LoadState';
import { PageAlerts } from '../components/Field';
import { ReasonDialog } from '../components/review/ReasonDialog';
import { ReviewItem } from '../components/review/ReviewItem';
import { useI18n, useTitle } from '../i18n';
import { appsApi } from '../lib/apps';
import { describeError } from '../lib/errors';
import { useLoader } from '../lib/useLoader';

type Asking = { what: 'reject' | 'takedown'; slug: string; title: string; revision?: string } | null;

async function loadQueue() {
  return (await appsApi.reviews()).queue;
}

export function AdminReviewsPage() {
  useTitle('review.title');
  const { t } = useI18n();
  const { data: queue, error, reload } = useLoader(useCallback(loadQueue, []));
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [asking, setAsking] = useState<Asking>(null);
  const [dialogError, setDialogError] = useState<string | null>(null);
  const [slug, setSlug] = useState('');

  const run = async (f: () => Promise<unknown>, done: string) => {
    setBusy(true);
    setNotice(null);
    setActionError(null);
    try {
      await f();
      setNotice(done);
      reload();
      return true;
    } catch (e) {
      setActionError(describeError(e, t).message);
      return false;
    } finally {
      setBusy(false);
    }
  };

  const decide = async (reason: string) => {
    if (!asking) return;
    const { what, slug: s, title, revision } = asking;
    setDialogError(null);
    setBusy(true);
    try {
      if (what === 'reject') await appsApi.reject(s, reason, revision);
      else await appsApi.takedown(s, reason);
      setAsking(null);
      setNotice(t(what === 'reject' ? 'review.rejected' : 'review.takenDown', { title }));
      setSlug('');
      reload();
    } catch (e) {
      setDialogError(describeError(e, t).message);
    } finally {
      setBusy(false);
    }
  };

  const askTakedownBySlug = (e: FormEvent) => {
    e.preventDefault();
    const s = slug.trim();
    if (s) {
      setDialogError(null);
      setAsking({ what: 'takedown', slug: s, title: s });
    }
  };

  return (
    <section className="page wide" data-testid="admin-reviews-page">
      <AdminTabs />
      <header className="page-header">
        <h1>{t('review.title')}</h1>
        <p className="muted">{t('review.subtitle')}</p>
      </header>
      <PageAlerts testIdPrefix="reviews" notice={notice} error={actionError} onDismissNotice={() => setNotice(null)} onDismissError={() => setActionError(null)} />
      <LoadState error={error} loading={!queue && error == null} testId="reviews-load" onRetry={reload} />
      {queue && queue.length === 0 && (
        <p className="card empty" data-testid="reviews-empty">
          {t('review.empty')}
        </p>
      )}
      {queue && queue.length > 0 && (
        <ul className="plain-list" data-testid="review-queue">
          {queue.map((entry) => (
            <ReviewItem
              key={entry.app.slug}
              entry={entry}
              busy={busy}
              onApprove={() =>
                void run(() => appsApi.approve(entry.app.slug, entry.draft.revision), t('review.approved', { title: entry.draft.title }))
              }
              onReject={() => {
                setDialogError(null);
                setAsking({ what: 'reject', slug: entry.app.slug, title: entry.draft.title, revision: entry.draft.revision });
              }}
              onTakedown={() => {
                setDialogError(null);
                setAsking({ what: 'takedown', slug: entry.app.slug, title: entry.app.title });
              }}
            />
          ))}
        </ul>
      )}

      <form className="card" onSubmit={askTakedownBySlug} data-testid="takedown-form">
        <h2>{t('review.takedownAny')}</h2>
        <p className="muted small">{t('review.takedownAnyHint')}</p>
        <div className="search-bar">
          <label htmlFor="takedown-slug" className="sr-only">
            {t('studio.slug')}
          </label>
          <input id="takedown-slug" value={slug} onChange={(e) => setSlug(e.target.value)} placeholder={t('studio.slug')} autoComplete="off" spellCheck={false} data-testid="takedown-slug" />
          <button type="submit" className="button danger-ghost" disabled={!slug.trim()} data-testid="takedown-open">
            {t('review.takedown')}
          </button>
        </div>
      </form>

      <ReasonDialog
        open={asking !== null}
        title={asking?.what === 'reject' ? t('review.rejectTitle', { title: asking.title }) : t('review.takedownTitle', { title: asking?.title ?? '' })}
        body={asking?.what === 'reject' ? t('review.rejectBody') : t('review.takedownBody')}
        confirmLabel={asking?.what === 'reject' ? t('review.reject') : t('review.takedown')}
        busy={busy}
        error={dialogError}
        onConfirm={(r) => void decide(r)}
        onCancel={() => setAsking(null)}
      />
    </section>
  );
}
