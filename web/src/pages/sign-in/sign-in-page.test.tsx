import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SessionProvider, useSessionContext } from '../../auth/session';
import { json } from '../../test-support';
import { SignInPage } from './sign-in-page';

function Shell() {
  const { session } = useSessionContext();
  return session ? <p>Signed in as {session.identity.name}</p> : <SignInPage />;
}

describe('SignInPage', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    window.sessionStorage.clear();
  });

  it("shows the API's error for a refused key, and keeps nothing", async () => {
    const fetch = vi.fn(async (_request: Request) => json(401, { error: 'Missing or invalid API key' }));
    vi.stubGlobal('fetch', fetch);
    render(
      <SessionProvider initial={null}>
        <Shell />
      </SessionProvider>,
    );
    await userEvent.type(screen.getByLabelText('API key'), 'dbb_wrong');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Missing or invalid API key');
    expect(window.sessionStorage.length).toBe(0);
    const request = fetch.mock.calls[0]![0];
    expect(new URL(request.url).pathname).toBe('/api-keys/current');
    expect(request.headers.get('Authorization')).toBe('Bearer dbb_wrong');
  });

  it('signs in with a valid key and keeps it in session storage only', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json(200, { apiKeyId: '3', name: 'on-call', prefix: 'dbb_abc', scopes: ['read'], createdAt: '2026-01-01T00:00:00Z' })));
    render(
      <SessionProvider initial={null}>
        <Shell />
      </SessionProvider>,
    );
    await userEvent.type(screen.getByLabelText('API key'), '  dbb_good ');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(screen.getByText('Signed in as on-call')).toBeTruthy());
    expect(window.sessionStorage.getItem('dbbackup.apiKey')).toBe('dbb_good');
    expect(document.cookie).toBe('');
  });
});

describe('a key revoked while signed in', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    window.sessionStorage.clear();
  });

  it('ends the session at the first 401 and says why on the sign-in page', async () => {
    const identity = { apiKeyId: '3', name: 'on-call', prefix: 'dbb_abc', scopes: ['read'], createdAt: '2026-01-01T00:00:00Z' };
    const answers = [json(200, identity), json(401, { error: 'Missing or invalid API key' })];
    vi.stubGlobal('fetch', vi.fn(async () => answers.shift()!));
    function Probe() {
      const { session } = useSessionContext();
      return session ? <button onClick={() => void session.api.GET('/overview')}>Load</button> : <SignInPage />;
    }
    render(
      <SessionProvider initial={null}>
        <Probe />
      </SessionProvider>,
    );
    await userEvent.type(screen.getByLabelText('API key'), 'dbb_soon_revoked');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await userEvent.click(await screen.findByRole('button', { name: 'Load' }));
    expect((await screen.findByRole('status')).textContent).toBe('The API no longer accepts this key (revoked?). Sign in again.');
    expect(window.sessionStorage.length).toBe(0);
  });
});
