// One app: who made it, what it does and how to use it, what it costs, its numbers, favoriting and
// rating, and "Start chat" (or, first, unlocking it, or why this reader may not chat with it). Its
// owner gets a link to the studio; an admin can take it down.
import { useCallback, useEffect, useState } from 'react';
import { AppAvatar } from '../components/apps/AppAvatar';
import { Count } from '../components/apps/Count';
import { LockedNotice } from '../components/apps/LockedNotice';
import { PriceBadge } from '../components/apps/PriceBadge';
import { PresetView } from '../components/apps/PresetView';
import { RateControl, RatingSummary } from '../components/apps/Rating';
import { StatusBadge } from '../components/apps/StatusBadge';
import { TagList } from '../components/apps/TagList';
import { LoadState } from '../components/billing/LoadState';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { Alert, PageAlerts } from '../components/Field';
import { ChatIcon } from '../components/Icons';
import { Markdown } from '../components/Markdown';
import { ReasonDialog } from '../components/review/ReasonDialog';
import { useI18n } from '../i18n';
import { ApiError } from '../lib/api';
import { appsApi, type App } from '../lib/apps';
import { useAuth } from '../lib/auth';
import { describeError } from '../lib/errors';
import { formatCredits } from '../lib/money';
import { categoryLabel } from '../lib/labels';
import { pricingOf } from '../lib/pricing';
import { Link, signInPath } from '../lib/router';
import { useLoader } from '../lib/useLoader';

function Stat({ label, n, testId }: { label: string; n: number; testId: string }) {
  return (
    <div className="stat">
      <span className="stat-label">{label}</span>
      <span className="stat-value">
        <Count n={n} testId={testId} />
      </span>
    </div>
  );
}

export function AppPage({ slug }: { slug: string }) {
  const { t, formatDate } = useI18n();
  const { user } = useAuth();
  const loader = useLoader(useCallback(() => appsApi.get(slug), [slug]));
  const app = loader.data?.slug === slug ? loader.data : undefined;
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [rateError, setRateError] = useState<string | null>(null);
  const [takingDown, setTakingDown] = useState(false);
  const [takedownError, setTakedownError] = useState<string | null>(null);
  const [unlocking, setUnlocking] = useState(false);

  useEffect(() => {
    document.title = `${app?.title || t('apps.title')} · Plaza`;
  }, [app?.title, t]);

  const act = async (f: () => Promise<App>, done?: string, explain?: (e: unknown) => string | null) => {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      loader.setData(await f());
      if (done) setNotice(done);
      return true;
    } catch (e) {
      setError(explain?.(e) ?? describeError(e, t).message);
      return false;
    } finally {
      setBusy(false);
    }
  };

  // The unlock is charged once; the answer is the app, now unlocked.
  const unlock = async () => {
    if (!app) return;
    const amount = formatCredits(pricingOf(app).price);
    await act(
      () => appsApi.unlock(slug),
      t('apps.unlocked', { title: app.title }),
      (e) => (e instanceof ApiError && e.code === 'insufficient_balance' ? t('apps.unlockNotEnough', { amount }) : null),
    );
    setUnlocking(false);
  };

  const rate = async (stars: number) => {
    setBusy(true);
    setRateError(null);
    try {
      loader.setData(await appsApi.rate(slug, stars));
    } catch (e) {
      // 403: only people who have chatted with the app may rate it; the server says so.
      setRateError(describeError(e, t).message);
    } finally {
      setBusy(false);
    }
  };

  const takedown = async (reason: string) => {
    setTakedownError(null);
    setBusy(true);
    try {
      loader.setData(await appsApi.takedown(slug, reason));
      setTakingDown(false);
      setNotice(t('review.takenDown', { title: app?.title ?? slug }));
    } catch (e) {
      setTakedownError(describeError(e, t).message);
    } finally {
      setBusy(false);
    }
  };

  const notFound = loader.error instanceof ApiError && loader.error.status === 404;
  if (notFound) {
    return (
      <section className="page narrow center" data-testid="app-not-found">
        <h1>{t('apps.notFound')}</h1>
        <Link to="/apps" className="button primary">
          {t('apps.backToSquare')}
        </Link>
      </section>
    );
  }

  const mine = !!app && !!user && String(app.owner.id) === String(user.id);
  // A signed-out visitor reads the page; chatting, favoriting, rating and unlocking need an account,
  // so those lead to sign-in and back (to the chat, or to this page).
  const visitor = user === null;
  const back = `/apps/${encodeURIComponent(slug)}`;
  const admin = user?.role === 'admin';
  const pricing = app ? pricingOf(app) : null;
  // Servers from before creator revenue send no access: nothing stops anyone then.
  const locked = !!app && app.access?.ok === false;
  // An unlock is offered only to whom it would open the app: not below its plan level.
  const canUnlock = !!app && pricing?.mode === 'one_time' && !app.unlocked && app.access?.reason !== 'plan_level';

  return (
    <section className="page" data-testid="app-page" data-slug={slug}>
      <p className="crumbs">
        <Link to="/apps" data-testid="app-back">
          ← {t('apps.backToSquare')}
        </Link>
      </p>
      <LoadState error={notFound ? null : loader.error} loading={!app && loader.error == null} testId="app-load" onRetry={loader.reload} />
      <PageAlerts testIdPrefix="app" notice={notice} error={error} onDismissNotice={() => setNotice(null)} onDismissError={() => setError(null)} />

      {app && (
        <>
          {app.status === 'taken_down' && (
            <Alert kind="error" testId="app-takedown-reason">
              {t('apps.takenDownBecause', { reason: app.takedown_reason || '—' })}
            </Alert>
          )}
          <div className="card app-hero">
            <AppAvatar avatar={app.avatar} title={app.title} size="lg" />
            <div className="app-hero-main">
              <div className="row wrap">
                <h1 data-testid="app-title">{app.title}</h1>
                {app.status !== 'published' && <StatusBadge status={app.status} />}
              </div>
              <p className="muted">
                {t('apps.by')}{' '}
                {app.owner.homepage === false ? (
                  <span data-testid="app-author">{app.owner.username}</span>
                ) : (
                  <Link to={`/creators/${encodeURIComponent(app.owner.username)}`} data-testid="app-author">
                    {app.owner.username}
                  </Link>
                )}
                {app.category && <> · <span data-testid="app-category">{categoryLabel(app.category, t)}</span></>}
                {app.published_at && <> · {t('apps.publishedOn', { date: formatDate(app.published_at) })}</>}
              </p>
              <TagList tags={app.tags} />
              <div className="row wrap app-price-row">
                <PriceBadge app={app} unlocked={app.unlocked} />
                {pricing?.mode === 'one_time' && app.unlocked && !mine && (
                  <span className="badge badge-active" data-testid="app-unlocked">
                    {t('apps.unlockedBadge')}
                  </span>
                )}
              </div>
              <p className="app-description" data-testid="app-description">
                {app.description}
              </p>
              {locked && <LockedNotice app={app} />}
              <div className="row wrap app-actions">
                {canUnlock && visitor && (
                  <Link to={signInPath(back)} className="button primary" data-testid="app-unlock">
                    {t('apps.unlockFor', { amount: formatCredits(pricing.price) })}
                  </Link>
                )}
                {canUnlock && !visitor && (
                  <button type="button" className="button primary" disabled={busy} onClick={() => setUnlocking(true)} data-testid="app-unlock">
                    {t('apps.unlockFor', { amount: formatCredits(pricing.price) })}
                  </button>
                )}
                {visitor ? (
                  // Even a locked app: the visitor's account may have unlocked it, and the chat says why not.
                  <Link to={signInPath(`/chat?app=${encodeURIComponent(app.slug)}`)} className="button primary" data-testid="app-start-chat">
                    <ChatIcon />
                    {t('apps.startChat')}
                  </Link>
                ) : locked ? (
                  <button type="button" className="button primary" disabled aria-describedby="app-locked-text" data-testid="app-start-chat" data-locked="true">
                    <ChatIcon />
                    {t('apps.startChat')}
                  </button>
                ) : (
                  <Link to={`/chat?app=${encodeURIComponent(app.slug)}`} className="button primary" data-testid="app-start-chat">
                    <ChatIcon />
                    {t('apps.startChat')}
                  </Link>
                )}
                {visitor ? (
                  <Link to={signInPath(back)} className="button secondary favorite" data-testid="app-favorite" data-on={false}>
                    <span aria-hidden="true">♡</span>
                    {t('apps.favorite')}
                  </Link>
                ) : (
                <button
                  type="button"
                  className={app.favorited ? 'button secondary favorite on' : 'button secondary favorite'}
                  aria-pressed={app.favorited}
                  disabled={busy}
                  onClick={() => void act(() => appsApi.favorite(slug, !app.favorited))}
                  data-testid="app-favorite"
                  data-on={app.favorited}
                >
                  <span aria-hidden="true">{app.favorited ? '♥' : '♡'}</span>
                  {app.favorited ? t('apps.favorited') : t('apps.favorite')}
                </button>
                )}
                {mine && (
                  <Link to={`/studio/edit/${encodeURIComponent(app.slug)}`} className="button secondary" data-testid="app-edit">
                    {t('apps.editInStudio')}
                  </Link>
                )}
                {admin && app.status === 'published' && (
                  <button type="button" className="button danger-ghost" onClick={() => setTakingDown(true)} data-testid="app-takedown">
                    {t('review.takedown')}
                  </button>
                )}
              </div>
              {visitor && (
                <p className="muted small" data-testid="app-visitor-note">
                  {t('apps.visitorNote')}
                </p>
              )}
            </div>
          </div>

          <div className="app-stats card">
            <Stat label={t('apps.uses')} n={app.stats.uses} testId="app-uses" />
            <Stat label={t('apps.users')} n={app.stats.users} testId="app-users" />
            <Stat label={t('apps.favorites')} n={app.stats.favorites} testId="app-favorites" />
            <div className="stat">
              <span className="stat-label">{t('apps.rating')}</span>
              <RatingSummary stats={app.stats} />
            </div>
          </div>

          <div className="grid-2">
            <div className="card" data-testid="app-instructions">
              <h2>{t('apps.instructions')}</h2>
              {app.instructions.trim() ? <Markdown text={app.instructions} /> : <p className="muted">{t('apps.noInstructions')}</p>}
              {app.suggested_questions.length > 0 && (
                <>
                  <h3 className="sub-heading">{t('apps.suggestedQuestions')}</h3>
                  <ul className="plain-list tight" data-testid="app-suggested">
                    {app.suggested_questions.map((q) => (
                      <li key={q}>“{q}”</li>
                    ))}
                  </ul>
                </>
              )}
            </div>
            <div className="card" data-testid="app-rate">
              <h2>{t('apps.yourRating')}</h2>
              {/* Creators don't rate their own apps (the server refuses it too). */}
              {visitor ? (
                <p className="small">
                  <Link to={signInPath(back)} data-testid="rate-sign-in">
                    {t('apps.signInToRate')}
                  </Link>
                </p>
              ) : (
                <p className="muted small">{mine ? t('apps.rateOwn') : t('apps.rateHint')}</p>
              )}
              {!mine && !visitor && <RateControl mine={app.my_rating} busy={busy} onRate={(n) => void rate(n)} />}
              {rateError && (
                <Alert kind="warning" testId="rate-error" onDismiss={() => setRateError(null)}>
                  {rateError}
                </Alert>
              )}
              {app.my_rating !== null && !rateError && (
                <p className="muted small" data-testid="rate-mine">
                  {t('apps.youRated', { count: app.my_rating })}
                </p>
              )}
            </div>
          </div>

          {app.preset && (
            <div className="card" data-testid="app-preset">
              <h2>{t('apps.preset')}</h2>
              <p className="muted small">{app.hide_preset ? t('apps.presetHidden') : t('apps.presetShown')}</p>
              <PresetView preset={app.preset} />
            </div>
          )}
        </>
      )}

      <ConfirmDialog
        open={unlocking}
        title={t('apps.unlockTitle', { title: app?.title ?? slug })}
        body={t('apps.unlockBody', { amount: formatCredits(pricing?.price ?? 0) })}
        confirmLabel={t('apps.unlock')}
        busy={busy}
        onConfirm={() => void unlock()}
        onCancel={() => setUnlocking(false)}
      />
      <ReasonDialog
        open={takingDown}
        title={t('review.takedownTitle', { title: app?.title ?? slug })}
        body={t('review.takedownBody')}
        confirmLabel={t('review.takedown')}
        busy={busy}
        error={takedownError}
        onConfirm={(r) => void takedown(r)}
        onCancel={() => setTakingDown(false)}
      />
    </section>
  );
}
