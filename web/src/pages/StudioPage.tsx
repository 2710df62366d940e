// The creator studio: my apps in every state, with their review feedback, and the way to a new one.
import { useCallback, useState } from 'react';
import { AppAvatar } from '../components/apps/AppAvatar';
import { Count } from '../components/apps/Count';
import { StatusBadge } from '../components/apps/StatusBadge';
import { LoadState } from '../components/billing/LoadState';
import { Alert, PageAlerts } from '../components/Field';
import { PlusIcon } from '../components/Icons';
import { DraftReview } from '../components/studio/AppStatusPanel';
import { SmallButton } from '../components/Table';
import { useI18n, useTitle } from '../i18n';
import { appsApi, type App } from '../lib/apps';
import { editableContent } from '../lib/appForm';
import { describeError } from '../lib/errors';
import { Link } from '../lib/router';
import { useLoader } from '../lib/useLoader';

async function loadMine() {
  return (await appsApi.mine()).apps;
}

export function StudioPage() {
  useTitle('studio.title');
  const { t } = useI18n();
  const { data: apps, setData, error, reload } = useLoader(useCallback(loadMine, []));
  const [busySlug, setBusySlug] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);

  const act = async (app: App, what: 'unpublish' | 'republish') => {
    setBusySlug(app.slug);
    setNotice(null);
    setActionError(null);
    try {
      const next = await appsApi[what](app.slug);
      setData((list) => list?.map((a) => (a.slug === app.slug ? next : a)));
      setNotice(t(what === 'unpublish' ? 'studio.unpublished' : 'studio.republished', { title: next.title }));
    } catch (e) {
      setActionError(describeError(e, t).message);
    } finally {
      setBusySlug(null);
    }
  };

  return (
    <section className="page" data-testid="studio-page">
      <header className="page-header row spread">
        <div>
          <h1>{t('studio.title')}</h1>
          <p className="muted">{t('studio.subtitle')}</p>
        </div>
        <Link to="/studio/new" className="button primary" data-testid="studio-new">
          <PlusIcon />
          {t('studio.newApp')}
        </Link>
      </header>
      <PageAlerts testIdPrefix="studio" notice={notice} error={actionError} onDismissNotice={() => setNotice(null)} onDismissError={() => setActionError(null)} />
      <LoadState error={error} loading={!apps && error == null} testId="studio-load" onRetry={reload} />
      {apps && apps.length === 0 && (
        <div className="card empty-state" data-testid="studio-empty">
          <p className="muted">{t('studio.empty')}</p>
          <Link to="/studio/new" className="button primary">
            {t('studio.newApp')}
          </Link>
        </div>
      )}
      {apps && apps.length > 0 && (
        <ul className="plain-list" data-testid="studio-apps">
          {apps.map((app) => {
            const shown = editableContent(app);
            return (
              <li key={app.slug} className="card studio-app" data-testid="studio-app" data-slug={app.slug} data-status={app.status} data-review={app.draft?.review_status ?? ''}>
                <div className="studio-app-head">
                  <AppAvatar avatar={shown.avatar} title={shown.title} />
                  <div className="studio-app-titles">
                    <Link to={`/studio/edit/${encodeURIComponent(app.slug)}`} className="strong" data-testid="studio-app-title">
                      {shown.title}
                    </Link>
                    <code className="mono muted small">{app.slug}</code>
                  </div>
                  <StatusBadge status={app.status} />
                </div>
                {app.status === 'taken_down' && (
                  <Alert kind="error" testId="studio-takedown-reason">
                    {t('apps.takenDownBecause', { reason: app.takedown_reason || '—' })}
                  </Alert>
                )}
                {app.draft && <DraftReview draft={app.draft} />}
                <div className="row wrap spread">
                  <span className="muted small">
                    {t('apps.usesShort')} <Count n={app.stats.uses} /> · {t('apps.favorites')} <Count n={app.stats.favorites} />
                  </span>
                  <span className="row wrap">
                    <Link to={`/studio/edit/${encodeURIComponent(app.slug)}`} className="button secondary small" data-testid="studio-edit">
                      {t('common.edit')}
                    </Link>
                    {app.status === 'published' && (
                      <SmallButton kind="danger-ghost" disabled={busySlug === app.slug} onClick={() => void act(app, 'unpublish')} data-testid="app-unpublish">
                        {t('studio.unpublish')}
                      </SmallButton>
                    )}
                    {app.status === 'unpublished' && (
                      <SmallButton kind="secondary" disabled={busySlug === app.slug} onClick={() => void act(app, 'republish')} data-testid="app-republish">
                        {t('studio.republish')}
                      </SmallButton>
                    )}
                  </span>
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
