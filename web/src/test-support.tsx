import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { MemoryRouter } from 'react-router';
import { createApiClient } from './api/client';
import { grants, type Scope } from './auth/scopes';
import { type Session, SessionProvider } from './auth/session';

/** A signed-in session for component tests; requests go to the stubbed global fetch. */
export function testSession(scopes: Scope[], name = 'tester'): Session {
  return {
    key: 'dbb_test',
    identity: { apiKeyId: '1', name, prefix: 'dbb_test', scopes, createdAt: '2026-01-01T00:00:00Z' },
    api: createApiClient('dbb_test', 'http://console.test'),
    can: (scope) => grants(scopes, scope),
  };
}

export function Providers({ session, children, path = '/' }: { session: Session; children: ReactNode; path?: string }) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return (
    <SessionProvider initial={session}>
      <QueryClientProvider client={client}>
        <MemoryRouter initialEntries={[path]}>{children}</MemoryRouter>
      </QueryClientProvider>
    </SessionProvider>
  );
}

export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}
