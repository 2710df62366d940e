// Creating or editing one app in the studio: the form, where the app stands, and a live preview.
import { useCallback, useEffect, useState } from 'react';
import { LoadState } from '../components/billing/LoadState';
import { PageAlerts } from '../components/Field';
import { AppForm, type SavedHow } from '../components/studio/AppForm';
import { AppStatusPanel } from '../components/studio/AppStatusPanel';
import { PreviewChat } from '../components/studio/PreviewChat';
import { useI18n } from '../i18n';
import { api, ApiError } from '../lib/api';
import { appsApi, type App } from '../lib/apps';
import { editableContent } from '../lib/appForm';
import { useAuth } from '../lib/auth';
import { describeError } from '../lib/errors';
import { Link, useRouter } from '../lib/router';
import { useLoader } from '../lib/useLoader';

async function loadChoices() {
  const [models, facets, mine] = await Promise.all([
    api.models(),
    appsApi.categories().catch(() => ({ categories: [], tags: [] })),
    // For the share its pricing section states; the form does without it.
    appsApi.mine().catch(() => ({ creator_share_ppm: undefined })),
  ]);
  return { models: models.models, categories: facets.categories.map((c) => c.name), creatorSharePpm: mine.creator_share_ppm };
}

export function StudioEditPage({ slug }: { slug: string | null }) {
  const { t } = useI18n();
  const { user } = useAuth();
  const { navigate } = useRouter();
  const choices = useLoader(useCallback(loadChoices, []));
  const loader = useLoader(useCallback(async () => (slug === null ? null : appsApi.get(slug)), [slug]));
  const app = slug === null ? null : loader.data?.slug === slug ? loader.data : undefined;
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [dirty, setDirty] = useState(false);

  useEffect(() => {
    document.title = `${slug === null ? t('studio.newApp') : t('studio.editTitle', { title: app?.title ?? slug })} · Plaza`;
  }, [slug, app?.title, t]);

  const saved = (next: App, how: SavedHow) => {
    setError(null);
    loader.setData(next);
    const title = editableContent(next).title;
    if (how === 'submitted') {
      setNotice(next.status === 'published' && !next.draft ? t('studio.publishedNow', { title }) : t('studio.submitted', { title }));
    } else setNotice(t(how === 'created' ? 'studio.created' : 'studio.saved', { title }));
    if (slug === null) navigate(`/studio/edit/${encodeURIComponent(next.slug)}`, { replace: true });
    window.scrollTo(0, 0);
  };

  const act = async (what: 'unpublish' | 'republish') => {
    if (!app) return;
    setBusy(true);
    setNotice(null);
    setError(null);
    try {
      const next = await appsApi[what](app.slug);
      loader.setData(next);
      setNotice(t(what === 'unpublish' ? 'studio.unpublished' : 'studio.republished', { title: next.title }));
    } catch (e) {
      setError(describeError(e, t).message);
    } finally {
      setBusy(false);
    }
  };

  const notMine = app && user && String(app.owner.id) !== String(user.id) && user.role !== 'admin';
  const missing = loader.error instanceof ApiError && loader.error.status === 404;

  return (
    <section className="page wide" data-testid="studio-edit-page" data-slug={slug ?? ''}>
      <p className="crumbs">
        <Link to="/studio" data-testid="studio-back">
          ← {t('studio.title')}
        </Link>
      </p>
      <header className="page-header">
        <h1>{slug === null ? t('studio.newApp') : t('studio.editTitle', { title: app ? editableContent(app).title : slug })}</h1>
      </header>
      <PageAlerts testIdPrefix="studio" notice={notice} error={error} onDismissNotice={() => setNotice(null)} onDismissError={() => setError(null)} />
      {missing || notMine ? (
        <p className="empty" data-testid="studio-not-found">
          {t('apps.notFound')}
        </p>
      ) : (
        <>
          <LoadState error={loader.error ?? choices.error} loading={(app === undefined || !choices.data) && loader.error == null && choices.error == null} testId="studio-edit-load" onRetry={() => (loader.reload(), choices.reload())} />
          {app !== undefined && choices.data && (
            // Beside the form on wide screens; on phones the status comes first and the preview last.
            <div className="studio-layout">
              {app && (
                <div className="studio-status-area">
                  <AppStatusPanel app={app} busy={busy} onAction={(a) => void act(a)} />
                </div>
              )}
              <div className="studio-form">
                <AppForm key={app?.slug ?? 'new'} app={app} models={choices.data.models} categories={choices.data.categories} creatorSharePpm={choices.data.creatorSharePpm} onSaved={saved} onDirty={setDirty} />
              </div>
              <div className="studio-preview-area">
                {app ? (
                  <PreviewChat key={app.slug} app={{ ...app, ...editableContent(app) }} dirty={dirty} />
                ) : (
                  <div className="card">
                    <h2>{t('studio.preview')}</h2>
                    <p className="muted small">{t('studio.previewAfterCreate')}</p>
                  </div>
                )}
              </div>
            </div>
          )}
        </>
      )}
    </section>
  );
}
