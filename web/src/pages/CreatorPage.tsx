// A developer's homepage: who they are, their published apps and what those add up to.
import { useCallback, useEffect } from 'react';
import { AppGrid } from '../components/apps/AppCard';
import { Count } from '../components/apps/Count';
import { LoadState } from '../components/billing/LoadState';
import { useI18n } from '../i18n';
import { ApiError } from '../lib/api';
import { appsApi } from '../lib/apps';
import { Link } from '../lib/router';
import { useLoader } from '../lib/useLoader';

export function CreatorPage({ username }: { username: string }) {
  const { t, formatDate } = useI18n();
  const loader = useLoader(useCallback(() => appsApi.creator(username), [username]));
  const data = loader.data?.creator.username.toLowerCase() === username.toLowerCase() ? loader.data : undefined;

  useEffect(() => {
    document.title = `${t('creator.title', { name: username })} · Plaza`;
  }, [username, t]);

  if (loader.error instanceof ApiError && loader.error.status === 404) {
    return (
      <section className="page narrow center" data-testid="creator-not-found">
        <h1>{t('creator.notFound')}</h1>
        <Link to="/apps" className="button primary">
          {t('apps.backToSquare')}
        </Link>
      </section>
    );
  }

  return (
    <section className="page" data-testid="creator-page" data-username={username}>
      <p className="crumbs">
        <Link to="/apps">← {t('apps.backToSquare')}</Link>
      </p>
      <LoadState error={loader.error} loading={!data && loader.error == null} testId="creator-load" onRetry={loader.reload} />
      {data && (
        <>
          <div className="card profile">
            <div className="avatar" aria-hidden="true">
              {[...data.creator.username][0]?.toUpperCase()}
            </div>
            <div className="profile-main">
              <h1 className="profile-name" data-testid="creator-name">
                {data.creator.username}
              </h1>
              <p className="muted">{t('creator.joined', { date: formatDate(data.creator.joined_at) })}</p>
            </div>
          </div>
          <div className="app-stats card">
            <div className="stat">
              <span className="stat-label">{t('creator.apps')}</span>
              <span className="stat-value">
                <Count n={data.totals.apps} testId="creator-total-apps" />
              </span>
            </div>
            <div className="stat">
              <span className="stat-label">{t('apps.uses')}</span>
              <span className="stat-value">
                <Count n={data.totals.uses} testId="creator-total-uses" />
              </span>
            </div>
            <div className="stat">
              <span className="stat-label">{t('apps.favorites')}</span>
              <span className="stat-value">
                <Count n={data.totals.favorites} testId="creator-total-favorites" />
              </span>
            </div>
          </div>
          <h2 className="section-heading">{t('creator.appsBy', { name: data.creator.username })}</h2>
          <AppGrid apps={data.apps} empty={t('creator.noApps')} emptyTestId="creator-empty" showAuthor={false} />
        </>
      )}
    </section>
  );
}
