// The app square: search, category and tag chips, sorting, pages of app cards, my favorites, and
// the leaderboard. The address holds the whole state (lib/squareUrl.ts).
import { useCallback, useMemo } from 'react';
import { AppGrid } from '../components/apps/AppCard';
import { Leaderboard } from '../components/apps/Leaderboard';
import { SquareFilters } from '../components/apps/SquareFilters';
import { LoadState } from '../components/billing/LoadState';
import { PlusIcon } from '../components/Icons';
import { Pager } from '../components/Pager';
import { useI18n, useTitle } from '../i18n';
import { appsApi, type App } from '../lib/apps';
import { useAuth } from '../lib/auth';
import { Link, signInPath, useRouter } from '../lib/router';
import { defaultSquare, pageCount, squareHref, squareStateOf, type SquareState } from '../lib/squareUrl';
import { useLoader } from '../lib/useLoader';

interface Results {
  /** The address the results are for, so stale ones are never shown as current. */
  href: string;
  apps: App[];
  pages: number;
}

export function AppsPage() {
  useTitle('apps.title');
  const { t } = useI18n();
  const { search, navigate } = useRouter();
  const state = useMemo(() => squareStateOf(search), [search]);
  const href = squareHref(state);
  const go = (s: SquareState) => navigate(squareHref(s));
  // Signed-out visitors browse the square; favorites are an account's, so theirs is a way to sign in.
  const visitor = useAuth().user === null;
  const visitorFavorites = visitor && state.favorites;

  const load = useCallback(async (): Promise<Results> => {
    if (state.favorites && visitor) return { href, apps: [], pages: 1 };
    if (state.favorites) {
      const r = await appsApi.favorites();
      return { href, apps: r.apps, pages: 1 };
    }
    const r = await appsApi.square(state);
    return { href, apps: r.apps, pages: pageCount(r.total, r.per_page) };
  }, [state, href, visitor]);
  const results = useLoader(load);
  const facets = useLoader(appsApi.categories);
  const current = results.data?.href === href ? results.data : undefined;
  const filtered = !state.favorites && (state.q !== '' || state.tag !== '' || state.category !== '');

  return (
    <section className="page wide" data-testid="apps-page">
      <header className="page-header row spread">
        <div>
          <h1>{t('apps.title')}</h1>
          <p className="muted">{t('apps.subtitle')}</p>
        </div>
        <Link to="/studio/new" className="button secondary" data-testid="apps-create">
          <PlusIcon />
          {t('apps.create')}
        </Link>
      </header>

      <nav className="tabs" aria-label={t('apps.title')}>
        <Link to={squareHref({ ...state, favorites: false, page: 1 })} className={state.favorites ? 'tab' : 'tab active'} aria-current={state.favorites ? undefined : 'page'} data-testid="square-view-all">
          {t('apps.viewAll')}
        </Link>
        <Link to={squareHref({ ...defaultSquare, favorites: true })} className={state.favorites ? 'tab active' : 'tab'} aria-current={state.favorites ? 'page' : undefined} data-testid="square-view-favorites">
          {t('apps.viewFavorites')}
        </Link>
      </nav>

      <div className="square">
        <div className="square-main">
          {!state.favorites && (
            <SquareFilters state={state} categories={facets.data?.categories ?? []} tags={facets.data?.tags ?? []} onChange={go} />
          )}
          <div className="square-results" data-testid="square-results" data-href={current?.href ?? ''} aria-busy={!current || undefined}>
            <LoadState error={results.error} loading={!current && results.error == null} testId="square-load" onRetry={results.reload} />
            {current && visitorFavorites && (
              <p className="muted" data-testid="square-favorites-sign-in">
                {t('apps.signInForFavorites')}{' '}
                <Link to={signInPath(href)}>{t('nav.signIn')}</Link>
              </p>
            )}
            {current && !visitorFavorites && (
              <AppGrid
                apps={current.apps}
                empty={state.favorites ? t('apps.noFavorites') : filtered ? t('apps.noMatches') : t('apps.empty')}
                emptyTestId="square-empty"
              />
            )}
            {current && !state.favorites && <Pager page={state.page} pages={current.pages} testIdPrefix="square" onPage={(page) => go({ ...state, page })} />}
          </div>
        </div>
        <aside className="square-side">
          <Leaderboard />
        </aside>
      </div>
    </section>
  );
}
