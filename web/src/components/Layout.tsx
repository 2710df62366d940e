import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useI18n } from '../i18n';
import { useAuth } from '../lib/auth';
import { Link, NavLink, signInPath, useRouter } from '../lib/router';
import { useTheme } from '../lib/theme';
import { CloseIcon, GlobeIcon, LogoMark, MenuIcon, MoonIcon, SunIcon } from './Icons';
import type { MessageKey } from '../i18n/en';

interface NavItem {
  to: string;
  label: MessageKey;
  testId: string;
  admin?: boolean;
  /** The path prefix the item stands for, when wider than `to`. */
  match?: string;
}

// The square comes first: it is where people find what to chat with. Admin groups users,
// channels, models, billing and the square's reviews (tabs on the admin pages).
const navItems: NavItem[] = [
  { to: '/apps', label: 'nav.apps', testId: 'nav-apps', match: '/apps' },
  { to: '/chat', label: 'nav.chat', testId: 'nav-chat' },
  { to: '/studio', label: 'nav.studio', testId: 'nav-studio' },
  { to: '/keys', label: 'nav.keys', testId: 'nav-keys' },
  { to: '/wallet', label: 'nav.wallet', testId: 'nav-wallet' },
  { to: '/earnings', label: 'nav.earnings', testId: 'nav-earnings' },
  { to: '/account', label: 'nav.account', testId: 'nav-account' },
  { to: '/admin/users', label: 'nav.admin', testId: 'nav-admin', admin: true, match: '/admin' },
];

function LangButton() {
  const { lang, setLang, t } = useI18n();
  const label = lang === 'en' ? '中文' : 'EN';
  // The accessible name holds the visible text, so a voice command saying what is seen finds the button.
  return (
    <button
      type="button"
      className="icon-button with-text"
      aria-label={`${label} · ${t('lang.switch')}`}
      title={t('lang.switch')}
      data-testid="lang-toggle"
      onClick={() => setLang(lang === 'en' ? 'zh' : 'en')}
    >
      <GlobeIcon />
      <span className="lang-label">{label}</span>
    </button>
  );
}

function ThemeButton() {
  const { theme, toggle } = useTheme();
  const { t } = useI18n();
  const label = theme === 'dark' ? t('theme.toLight') : t('theme.toDark');
  return (
    <button
      type="button"
      className="icon-button"
      aria-label={label}
      title={label}
      data-testid="theme-toggle"
      onClick={toggle}
    >
      {theme === 'dark' ? <SunIcon /> : <MoonIcon />}
    </button>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const { user, signOut } = useAuth();
  const { pathname, search } = useRouter();
  const [menuOpen, setMenuOpen] = useState(false);
  const menuRef = useRef<HTMLDivElement>(null);

  // Close the phone menu on navigation, on Escape and on a click outside it.
  useEffect(() => setMenuOpen(false), [pathname]);
  useEffect(() => {
    if (!menuOpen) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setMenuOpen(false);
    const onClick = (e: MouseEvent) => {
      if (menuRef.current && !menuRef.current.contains(e.target as Node)) setMenuOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('mousedown', onClick);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('mousedown', onClick);
    };
  }, [menuOpen]);

  const items = user ? navItems.filter((i) => !i.admin || user.role === 'admin') : [];
  // The chat fills the window, so the bar spans it too.
  const full = !!user && /^\/chat(\/|$)/.test(pathname);

  // A visitor signing in or up from a page (the square, an app's page) comes back to it; from the
  // sign-in pages, to where those were going to lead.
  const onAuthPage = pathname === '/login' || pathname === '/register';
  const back = onAuthPage ? new URLSearchParams(search).get('next') ?? '' : pathname + search;

  // Signing out leaves the guarded page, whose guard then sends us to /login.
  const doSignOut = () => void signOut();

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        {t('nav.skip')}
      </a>
      <header className={`topbar${full ? ' full' : ''}`}>
        <div className="topbar-inner" ref={menuRef}>
          {/* A visitor's home is the square: the rest of the site needs an account. */}
          <Link to={user === null ? '/apps' : '/'} className="brand" data-testid="brand">
            <LogoMark />
            <span>{t('app.name')}</span>
          </Link>

          {user && (
            <nav
              id="main-nav"
              className={`main-nav${menuOpen ? ' open' : ''}`}
              aria-label={t('nav.main')}
              data-testid="main-nav"
            >
              <ul>
                {items.map((i) => (
                  <li key={i.to}>
                    <NavLink to={i.to} match={i.match} data-testid={i.testId}>
                      {t(i.label)}
                    </NavLink>
                  </li>
                ))}
              </ul>
              <div className="nav-user">
                <span className="nav-username" data-testid="current-user" title={t('nav.signedInAs', { name: user.username })}>
                  {user.username}
                </span>
                <button type="button" className="button secondary small" onClick={doSignOut} data-testid="sign-out">
                  {t('nav.signOut')}
                </button>
              </div>
            </nav>
          )}

          <div className="topbar-actions">
            <LangButton />
            <ThemeButton />
            {user === null && (
              <>
                {pathname !== '/login' && (
                  <Link to={signInPath(back)} className="button secondary small" data-testid="header-sign-in">
                    {t('nav.signIn')}
                  </Link>
                )}
                {pathname !== '/register' && (
                  <Link to={signInPath(back, '/register')} className="button primary small" data-testid="header-sign-up">
                    {t('nav.signUp')}
                  </Link>
                )}
              </>
            )}
            {user && (
              <button
                type="button"
                className="icon-button menu-button"
                aria-label={t('nav.menu')}
                aria-expanded={menuOpen}
                aria-controls="main-nav"
                data-testid="menu-toggle"
                onClick={() => setMenuOpen((o) => !o)}
              >
                {menuOpen ? <CloseIcon /> : <MenuIcon />}
              </button>
            )}
          </div>
        </div>
      </header>
      <main id="main" className={`main${full ? ' full' : ''}`}>
        {children}
      </main>
    </div>
  );
}
