import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { type ApiClient, createApiClient, type Schemas, UNAUTHORIZED_EVENT, unwrap } from '../api/client';
import { grants, type Scope } from './scopes';

/** The key lives in this tab's sessionStorage only (never a cookie): closing the tab signs out. */
const STORAGE_KEY = 'dbbackup.apiKey';

export interface Session {
  key: string;
  identity: Schemas['ApiKeyResponseDto'];
  api: ApiClient;
  can(scope: Scope): boolean;
}

interface SessionContextValue {
  session: Session | null;
  /** Why the last session ended without a sign-out (its key stopped working). */
  ended: string | null;
  signIn(key: string): Promise<void>;
  signOut(): void;
}

const SessionContext = createContext<SessionContextValue | null>(null);

export function storedKey(): string | null {
  try {
    return window.sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

/** Asks the API who the key is; an ApiError (401 "Missing or invalid API key") otherwise. */
export async function openSession(key: string): Promise<Session> {
  const api = createApiClient(key);
  const identity = await unwrap(api.GET('/api-keys/current'));
  return { key, identity, api, can: (scope) => grants(identity.scopes, scope) };
}

export function SessionProvider({ initial, children }: { initial: Session | null; children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(initial);
  const [ended, setEnded] = useState<string | null>(null);

  const signIn = useCallback(async (key: string) => {
    const opened = await openSession(key.trim());
    window.sessionStorage.setItem(STORAGE_KEY, opened.key);
    setEnded(null);
    setSession(opened);
  }, []);

  const signOut = useCallback(() => {
    window.sessionStorage.removeItem(STORAGE_KEY);
    setSession(null);
  }, []);

  // A key revoked while in use: back to the sign-in page, saying why, rather than errors on every panel.
  useEffect(() => {
    if (!session) return;
    const expire = () => {
      window.sessionStorage.removeItem(STORAGE_KEY);
      setEnded('The API no longer accepts this key (revoked?). Sign in again.');
      setSession(null);
    };
    window.addEventListener(UNAUTHORIZED_EVENT, expire);
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, expire);
  }, [session]);

  const value = useMemo(() => ({ session, ended, signIn, signOut }), [session, ended, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSessionContext(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSessionContext outside SessionProvider');
  return value;
}

/** The signed-in session (the pages behind sign-in only render with one). */
export function useSession(): Session {
  const { session } = useSessionContext();
  if (!session) throw new Error('Not signed in');
  return session;
}
