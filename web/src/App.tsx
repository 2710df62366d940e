import { lazy, Suspense, type ComponentType, type ReactNode } from 'react';
import { Layout } from './components/Layout';
import { RequireAdmin } from './components/RequireAdmin';
import { useI18n } from './i18n';
import { useAuth } from './lib/auth';
import { Link, Navigate, useRouter } from './lib/router';
import { AccountPage } from './pages/AccountPage';
import { AdminChannelsPage } from './pages/AdminChannelsPage';
import { AdminModelsPage } from './pages/AdminModelsPage';
import { AdminPacksPage } from './pages/AdminPacksPage';
import { AdminPlansPage } from './pages/AdminPlansPage';
import { AdminPricesPage } from './pages/AdminPricesPage';
import { AdminRedeemPage } from './pages/AdminRedeemPage';
import { AdminRevenuePage } from './pages/AdminRevenuePage';
import { AdminUsersPage } from './pages/AdminUsersPage';
import { AppPage } from './pages/AppPage';
import { AppsPage } from './pages/AppsPage';
import { ChatPage } from './pages/ChatPage';
import { CreatorPage } from './pages/CreatorPage';
import { KeysPage } from './pages/KeysPage';
import { LoginPage } from './pages/LoginPage';
import { RegisterPage } from './pages/RegisterPage';
import { SetupPage } from './pages/SetupPage';
import { WalletPage } from './pages/WalletPage';

// Pages few people open (the studio, earnings, the square's and creator revenue's admin pages)
// load on first use, which keeps the first download small.
const StudioPage = lazy(() => import('./pages/StudioPage').then((m) => ({ default: m.StudioPage })));
const StudioEditPage = lazy(() => import('./pages/StudioEditPage').then((m) => ({ default: m.StudioEditPage })));
const AdminReviewsPage = lazy(() => import('./pages/AdminReviewsPage').then((m) => ({ default: m.AdminReviewsPage })));
const AdminModerationPage = lazy(() => import('./pages/AdminModerationPage').then((m) => ({ default: m.AdminModerationPage })));
const AdminRequestsPage = lazy(() => import('./pages/AdminRequestsPage').then((m) => ({ default: m.AdminRequestsPage })));
const AdminAuditPage = lazy(() => import('./pages/AdminAuditPage').then((m) => ({ default: m.AdminAuditPage })));
const EarningsPage = lazy(() => import('./pages/EarningsPage').then((m) => ({ default: m.EarningsPage })));
const AdminSettlementsPage = lazy(() => import('./pages/AdminSettlementsPage').then((m) => ({ default: m.AdminSettlementsPage })));
const AdminPayoutsPage = lazy(() => import('./pages/AdminPayoutsPage').then((m) => ({ default: m.AdminPayoutsPage })));
const AdminPaymentsPage = lazy(() => import('./pages/AdminPaymentsPage').then((m) => ({ default: m.AdminPaymentsPage })));

/** Where signed-in people land. */
export const homePath = '/chat';

function Loading() {
  const { t } = useI18n();
  return (
    <div className="page-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {t('app.loading')}
    </div>
  );
}

function RequireAuth({ children }: { children: ReactNode }) {
  const { user, signedOut } = useAuth();
  const { pathname, search } = useRouter();
  if (user === undefined) return <Loading />;
  if (user === null) {
    const back = pathname === '/' || signedOut ? '' : `?next=${encodeURIComponent(pathname + search)}`;
    return <Navigate to={`/login${back}`} />;
  }
  return <>{children}</>;
}

/**
 * The square's pages (the square, an app's page, a developer's homepage): anyone may read them, signed
 * in or not. They wait for the first /api/me so a signed-in reader never sees the visitor's buttons.
 */
function OpenToAll({ children }: { children: ReactNode }) {
  const { user } = useAuth();
  if (user === undefined) return <Loading />;
  return <>{children}</>;
}

/** Pages for signed-out people; a signed-in visitor goes home instead. */
function GuestOnly({ children }: { children: ReactNode }) {
  const { user } = useAuth();
  if (user === undefined) return <Loading />;
  if (user) return <Navigate to={homePath} />;
  return <>{children}</>;
}

function NotFound() {
  const { t } = useI18n();
  return (
    <section className="page narrow center" data-testid="not-found">
      <h1>{t('notFound.title')}</h1>
      <p className="muted">{t('notFound.body')}</p>
      <Link to="/" className="button primary">
        {t('notFound.home')}
      </Link>
    </section>
  );
}

/** The billing, app square and creator revenue admin pages: signed in and an administrator. */
const guardedAdminPages: Record<string, ComponentType> = {
  '/admin/prices': AdminPricesPage,
  '/admin/plans': AdminPlansPage,
  '/admin/packs': AdminPacksPage,
  '/admin/redeem': AdminRedeemPage,
  '/admin/revenue': AdminRevenuePage,
  '/admin/reviews': AdminReviewsPage,
  '/admin/moderation': AdminModerationPage,
  '/admin/requests': AdminRequestsPage,
  '/admin/audit': AdminAuditPage,
  '/admin/settlements': AdminSettlementsPage,
  '/admin/payouts': AdminPayoutsPage,
  '/admin/payments': AdminPaymentsPage,
};

/**
 * Pages named by a path segment (an app's slug, a creator's username), for signed-in people unless
 * `open` (the square's, which visitors may read). `fresh` pages start afresh for another name; the
 * studio editor instead stays mounted when a new app gets its address, so its "created" note survives.
 */
const namedPages: { pattern: RegExp; fresh: boolean; open?: boolean; page: (name: string) => ReactNode }[] = [
  { pattern: /^\/apps\/([^/]+)$/, fresh: true, open: true, page: (slug) => <AppPage slug={slug} /> },
  { pattern: /^\/creators\/([^/]+)$/, fresh: true, open: true, page: (name) => <CreatorPage username={name} /> },
  { pattern: /^\/studio\/edit\/([^/]+)$/, fresh: false, page: (slug) => <StudioEditPage slug={slug} /> },
];

/** A path segment as text; a malformed escape is kept as typed rather than crashing the page. */
function segment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

function Routes() {
  const { pathname } = useRouter();
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  const chat = /^\/chat(?:\/([^/]+))?$/.exec(path);
  if (chat) {
    return (
      <RequireAuth>
        <ChatPage routeId={chat[1] ? decodeURIComponent(chat[1]) : null} />
      </RequireAuth>
    );
  }
  const GuardedAdmin = guardedAdminPages[path];
  if (GuardedAdmin) {
    return (
      <RequireAuth>
        <RequireAdmin>
          <GuardedAdmin />
        </RequireAdmin>
      </RequireAuth>
    );
  }
  for (const { pattern, fresh, open, page } of namedPages) {
    const m = pattern.exec(path);
    if (!m) continue;
    const key = fresh ? m[1] : undefined;
    return open ? <OpenToAll key={key}>{page(segment(m[1]))}</OpenToAll> : <RequireAuth key={key}>{page(segment(m[1]))}</RequireAuth>;
  }
  switch (path) {
    case '/':
      return (
        <RequireAuth>
          <Navigate to={homePath} />
        </RequireAuth>
      );
    case '/login':
      return (
        <GuestOnly>
          <LoginPage />
        </GuestOnly>
      );
    case '/register':
      return (
        <GuestOnly>
          <RegisterPage />
        </GuestOnly>
      );
    case '/setup':
      return <SetupPage />;
    case '/account':
      return (
        <RequireAuth>
          <AccountPage />
        </RequireAuth>
      );
    case '/keys':
      return (
        <RequireAuth>
          <KeysPage />
        </RequireAuth>
      );
    case '/wallet':
      return (
        <RequireAuth>
          <WalletPage />
        </RequireAuth>
      );
    case '/earnings':
      return (
        <RequireAuth>
          <EarningsPage />
        </RequireAuth>
      );
    case '/apps':
      return (
        <OpenToAll>
          <AppsPage />
        </OpenToAll>
      );
    case '/studio':
      return (
        <RequireAuth>
          <StudioPage />
        </RequireAuth>
      );
    case '/studio/new':
      return (
        <RequireAuth>
          <StudioEditPage slug={null} />
        </RequireAuth>
      );
    case '/admin':
    case '/admin/users':
      return (
        <RequireAuth>
          <AdminUsersPage />
        </RequireAuth>
      );
    case '/admin/channels':
      return (
        <RequireAuth>
          <AdminChannelsPage />
        </RequireAuth>
      );
    case '/admin/models':
      return (
        <RequireAuth>
          <AdminModelsPage />
        </RequireAuth>
      );
    default:
      return <NotFound />;
  }
}

export function App() {
  return (
    <Layout>
      <Suspense fallback={<Loading />}>
        <Routes />
      </Suspense>
    </Layout>
  );
}
