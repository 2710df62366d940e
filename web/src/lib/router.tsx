// A deliberately tiny history router: the app has a handful of flat routes, so a path
// string and a navigate function are all it needs.
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
  type AnchorHTMLAttributes,
  type MouseEvent,
  type ReactNode,
} from 'react';

interface Location {
  pathname: string;
  search: string;
}

interface RouterValue extends Location {
  navigate: (to: string, opts?: { replace?: boolean }) => void;
}

const RouterContext = createContext<RouterValue | null>(null);

function current(): Location {
  return { pathname: window.location.pathname, search: window.location.search };
}

export function Router({ children }: { children: ReactNode }) {
  const [loc, setLoc] = useState<Location>(current);

  useEffect(() => {
    const onPop = () => setLoc(current());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  const navigate = useCallback((to: string, opts?: { replace?: boolean }) => {
    const url = new URL(to, window.location.href);
    const target = url.pathname + url.search + url.hash;
    if (target === window.location.pathname + window.location.search + window.location.hash) return;
    const samePage = url.pathname === window.location.pathname;
    if (opts?.replace) window.history.replaceState(null, '', target);
    else window.history.pushState(null, '', target);
    setLoc(current());
    if (!samePage) window.scrollTo(0, 0);
  }, []);

  const value = useMemo(() => ({ ...loc, navigate }), [loc, navigate]);
  return <RouterContext.Provider value={value}>{children}</RouterContext.Provider>;
}

export function useRouter(): RouterValue {
  const v = useContext(RouterContext);
  if (!v) throw new Error('useRouter outside Router');
  return v;
}

export function useQuery(): URLSearchParams {
  const { search } = useRouter();
  return useMemo(() => new URLSearchParams(search), [search]);
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string };
type NavLinkProps = LinkProps & { /** Path prefix that marks the link active (defaults to `to`). */ match?: string };

export function Link({ to, onClick, ...rest }: LinkProps) {
  const { navigate } = useRouter();
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={handle} {...rest} />;
}

export function NavLink({ to, match, className, ...rest }: NavLinkProps) {
  const { pathname } = useRouter();
  const base = match ?? to;
  const active = pathname === base || pathname.startsWith(base + '/');
  return (
    <Link
      to={to}
      className={[className, active ? 'active' : ''].filter(Boolean).join(' ')}
      aria-current={active ? 'page' : undefined}
      {...rest}
    />
  );
}

export function Navigate({ to }: { to: string }) {
  const { navigate } = useRouter();
  useEffect(() => navigate(to, { replace: true }), [to, navigate]);
  return null;
}

/** Only same-site paths are followed after sign-in, so ?next= can't send people elsewhere. */
export function safeNext(next: string | null, fallback: string): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return fallback;
  return next;
}

/**
 * The sign-in (or sign-up) page that comes back to `next` afterwards: where a signed-out visitor's
 * action that needs an account leads. An empty, foreign or home `next` gives the plain page.
 */
export function signInPath(next: string, page: '/login' | '/register' = '/login'): string {
  const back = safeNext(next, '');
  return back && back !== '/' ? `${page}?next=${encodeURIComponent(back)}` : page;
}
