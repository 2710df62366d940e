import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, ApiError, rememberCsrfToken, setUnauthorizedListener, type SessionResponse, type User } from './api';
import { chatDrafts } from './chatDrafts';

interface AuthValue {
  /** undefined while the first /api/me is in flight. */
  user: User | null | undefined;
  /** Set when the session ended under us (401 on a signed-in request). */
  expired: boolean;
  /** Set after an explicit sign-out, so guards send people to a plain /login. */
  signedOut: boolean;
  signedIn: (s: SessionResponse) => void;
  setUser: (u: User) => void;
  signOut: () => Promise<void>;
  refresh: () => Promise<void>;
}

const AuthContext = createContext<AuthValue | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUserState] = useState<User | null | undefined>(undefined);
  const [expired, setExpired] = useState(false);
  const [signedOut, setSignedOut] = useState(false);

  const refresh = useCallback(async () => {
    try {
      const s = await api.me();
      rememberCsrfToken(s.csrf_token);
      setUserState(s.user);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) setUserState(null);
      else setUserState((u) => (u === undefined ? null : u));
    }
  }, []);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  useEffect(() => {
    setUnauthorizedListener(() => {
      setUserState((u) => {
        if (u) setExpired(true);
        return null;
      });
    });
    return () => setUnauthorizedListener(null);
  }, []);

  const signedIn = useCallback((s: SessionResponse) => {
    rememberCsrfToken(s.csrf_token);
    setExpired(false);
    setSignedOut(false);
    setUserState(s.user);
  }, []);

  const signOut = useCallback(async () => {
    try {
      await api.logout();
    } catch {
      /* the session is gone either way from this tab's point of view */
    }
    rememberCsrfToken(null);
    chatDrafts.clear();  // unsent words stay with their writer, not with the tab
    setExpired(false);
    setSignedOut(true);
    setUserState(null);
  }, []);

  const value = useMemo(
    () => ({ user, expired, signedOut, signedIn, setUser: setUserState, signOut, refresh }),
    [user, expired, signedOut, signedIn, signOut, refresh],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthValue {
  const v = useContext(AuthContext);
  if (!v) throw new Error('useAuth outside AuthProvider');
  return v;
}
