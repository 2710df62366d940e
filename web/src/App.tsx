import type { ReactNode } from 'react';
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
import { ChatPage } from './pages/ChatPage';
import { KeysPage } from './pages/KeysPage';
import { LoginPage } from './pages/LoginPage';
import { RegisterPage } from './pages/RegisterPage';
import { SetupPage } from './pages/SetupPage';
import { WalletPage } from './pages/WalletPage';

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

/** The billing admin pages: signed in and an administrator. */
const billingAdminPages: Record<string, () => ReactNode> = {
  '/admin/prices': AdminPricesPage,
  '/admin/plans': AdminPlansPage,
  '/admin/packs': AdminPacksPage,
  '/admin/redeem': AdminRedeemPage,
  '/admin/revenue': AdminRevenuePage,
};

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
  const BillingAdmin = billingAdminPages[path];
  if (BillingAdmin) {
    return (
      <RequireAuth>
        <RequireAdmin>
          <BillingAdmin />
        </RequireAdmin>
      </RequireAuth>
    );
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
      <Routes />
    </Layout>
  );
}
