import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, Providers, testSession } from '../../test-support';
import { sandboxPatch, SandboxesSection } from './sandboxes-section';
import { StorageTargetsSection } from './storage-targets-section';
import { webhookPatch, WebhooksSection } from './webhooks-section';

interface Call {
  method: string;
  path: string;
  body: unknown;
}

/** A stub API: `answer(method, path)` gives each reply; every request is recorded. */
function stubApi(answer: (method: string, path: string) => Response) {
  const calls: Call[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (request: Request) => {
      const path = new URL(request.url).pathname;
      const body: unknown = ['GET', 'DELETE'].includes(request.method) ? undefined : await request.json().catch(() => undefined);
      calls.push({ method: request.method, path, body });
      return answer(request.method, path);
    }),
  );
  return calls;
}

const changes = (calls: Call[]) => calls.filter((call) => call.method !== 'GET');
const gets = (calls: Call[], path: string) => calls.filter((call) => call.method === 'GET' && call.path === path).length;
const noContent = () => new Response(null, { status: 204 });

const WEBHOOK = { webhookId: '3', url: 'https://hooks.example.com/a', databaseId: null, events: ['backup.failed', 'drill.failed'], enabled: true };
const SANDBOX = { sandboxId: '1', name: 'pg', engine: 'postgres', host: '10.0.0.9', port: 5432, maintenanceDatabase: 'postgres', username: 'drills', createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z' };
const TARGET = { storageTargetId: '2', name: 'offsite', kind: 's3', bucket: 'b', region: 'us-east-1', endpoint: null, prefix: '', forcePathStyle: false };

function renderAdmin(section: React.ReactNode) {
  render(<Providers session={testSession(['admin'])}>{section}</Providers>);
}

describe('PATCH bodies', () => {
  it('a webhook: URL trimmed, events in the API’s order, enabled as set', () => {
    expect(webhookPatch({ url: ' https://h.example/y ', events: ['drill.failed', 'backup.succeeded'], enabled: false })).toEqual({
      url: 'https://h.example/y',
      events: ['backup.succeeded', 'drill.failed'],
      enabled: false,
    });
  });

  it('a sandbox: the port a number; an empty password keeps the stored one, a typed one replaces it', () => {
    const draft = { name: 'pg', engine: 'postgres' as const, host: 'h', port: '5433', maintenanceDatabase: 'postgres', username: 'u', password: '' };
    expect(sandboxPatch(draft)).toEqual({ name: 'pg', engine: 'postgres', host: 'h', port: 5433, maintenanceDatabase: 'postgres', username: 'u' });
    expect(sandboxPatch({ ...draft, password: 'new' }).password).toBe('new');
  });
});

describe('Settings: edit and delete', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('edits a webhook’s URL, events and enabled state, then closes the form and refetches', async () => {
    const calls = stubApi((method, path) => {
      if (path === '/webhooks' && method === 'GET') return json(200, [WEBHOOK]);
      if (method === 'PATCH') return json(200, { ...WEBHOOK, url: 'https://hooks.example.com/b', enabled: false });
      return json(200, []);
    });
    renderAdmin(<WebhooksSection />);
    const item = (await screen.findByText(WEBHOOK.url)).closest('li')!;
    const edit = within(item).getByRole('button', { name: 'Edit' });
    expect(edit.getAttribute('aria-expanded')).toBe('false');
    await userEvent.click(edit);
    expect(edit.getAttribute('aria-expanded')).toBe('true');
    const form = screen.getByRole('form', { name: `Edit webhook ${WEBHOOK.url}` });
    expect((within(form).getByLabelText('drill.failed') as HTMLInputElement).checked).toBe(true);
    expect((within(form).getByLabelText('backup.succeeded') as HTMLInputElement).checked).toBe(false);
    await userEvent.clear(within(form).getByLabelText('URL'));
    await userEvent.type(within(form).getByLabelText('URL'), 'https://hooks.example.com/b');
    await userEvent.click(within(form).getByLabelText('drill.failed'));
    await userEvent.click(within(form).getByLabelText('schedule.missed'));
    await userEvent.click(within(form).getByLabelText('enabled'));
    await userEvent.click(within(form).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.queryByRole('form', { name: `Edit webhook ${WEBHOOK.url}` })).toBeNull());
    expect(changes(calls)).toEqual([
      { method: 'PATCH', path: '/webhooks/3', body: { url: 'https://hooks.example.com/b', events: ['backup.failed', 'schedule.missed'], enabled: false } },
    ]);
    expect(gets(calls, '/webhooks')).toBe(2);
  });

  it('shows the API’s error when a webhook edit is refused, and keeps the form open', async () => {
    const refusal = 'Target host "127.0.0.1" is not allowed: 127.0.0.1 is loopback, and TARGET_HOST_ALLOWLIST does not name it';
    stubApi((method, path) => {
      if (path === '/webhooks' && method === 'GET') return json(200, [WEBHOOK]);
      if (method === 'PATCH') return json(422, { error: refusal });
      return json(200, []);
    });
    renderAdmin(<WebhooksSection />);
    await userEvent.click(within((await screen.findByText(WEBHOOK.url)).closest('li')!).getByRole('button', { name: 'Edit' }));
    const form = screen.getByRole('form', { name: `Edit webhook ${WEBHOOK.url}` });
    await userEvent.click(within(form).getByRole('button', { name: 'Save' }));
    expect((await within(form).findByRole('alert')).textContent).toBe(refusal);
    await userEvent.click(within(form).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('form', { name: `Edit webhook ${WEBHOOK.url}` })).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Edit' }));
  });

  it('deletes a webhook after a confirmation naming it; "Keep it" sends nothing', async () => {
    const calls = stubApi((method, path) => {
      if (method === 'DELETE') return noContent();
      if (path === '/webhooks') return json(200, [WEBHOOK]);
      return json(200, []);
    });
    renderAdmin(<WebhooksSection />);
    const remove = await screen.findByRole('button', { name: `Delete webhook ${WEBHOOK.url}` });
    await userEvent.click(remove);
    const dialog = screen.getByRole('dialog', { name: `Delete webhook ${WEBHOOK.url}?` });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Keep it' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(changes(calls)).toEqual([]);

    await userEvent.click(remove);
    await userEvent.click(within(screen.getByRole('dialog', { name: `Delete webhook ${WEBHOOK.url}?` })).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(changes(calls)).toEqual([{ method: 'DELETE', path: '/webhooks/3', body: undefined }]);
    expect(gets(calls, '/webhooks')).toBe(2);
  });

  it('edits a sandbox without sending the password when none is typed', async () => {
    const calls = stubApi((method, path) => {
      if (path === '/sandboxes' && method === 'GET') return json(200, [SANDBOX]);
      if (method === 'PATCH') return json(200, { ...SANDBOX, host: '10.0.0.10' });
      return json(200, []);
    });
    renderAdmin(<SandboxesSection />);
    await userEvent.click(within((await screen.findByText('pg')).closest('li')!).getByRole('button', { name: 'Edit' }));
    const form = screen.getByRole('form', { name: 'Edit sandbox pg' });
    expect((within(form).getByLabelText('Password') as HTMLInputElement).placeholder).toBe('empty: unchanged');
    await userEvent.clear(within(form).getByLabelText('Host'));
    await userEvent.type(within(form).getByLabelText('Host'), '10.0.0.10');
    await userEvent.click(within(form).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.queryByRole('form', { name: 'Edit sandbox pg' })).toBeNull());
    expect(changes(calls)).toEqual([
      { method: 'PATCH', path: '/sandboxes/1', body: { name: 'pg', engine: 'postgres', host: '10.0.0.10', port: 5432, maintenanceDatabase: 'postgres', username: 'drills' } },
    ]);
  });

  it('a sandbox delete the API refuses (a drill running) shows its error in the dialog, and the sandbox stays', async () => {
    const refusal = 'A drill on this sandbox is queued or running; try again once it has finished';
    const calls = stubApi((method, path) => {
      if (method === 'DELETE') return json(409, { error: refusal });
      if (path === '/sandboxes') return json(200, [SANDBOX]);
      return json(200, []);
    });
    renderAdmin(<SandboxesSection />);
    await userEvent.click(await screen.findByRole('button', { name: 'Delete sandbox pg' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete sandbox pg?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Delete' }));
    expect((await within(dialog).findByRole('alert')).textContent).toBe(refusal);
    expect(changes(calls)).toEqual([{ method: 'DELETE', path: '/sandboxes/1', body: undefined }]);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Keep it' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(screen.getByRole('button', { name: 'Delete sandbox pg' })).toBeTruthy();
    // Opened again, the dialog no longer shows the earlier refusal.
    await userEvent.click(screen.getByRole('button', { name: 'Delete sandbox pg' }));
    expect(within(screen.getByRole('dialog', { name: 'Delete sandbox pg?' })).queryByRole('alert')).toBeNull();
  });

  it('deletes a storage target after a confirmation naming it (no edit: the API has no PATCH for them)', async () => {
    const calls = stubApi((method, path) => {
      if (method === 'DELETE') return noContent();
      if (path === '/storage-targets') return json(200, [TARGET]);
      return json(200, []);
    });
    renderAdmin(<StorageTargetsSection />);
    const item = (await screen.findByText('offsite')).closest('li')!;
    expect(within(item).queryByRole('button', { name: 'Edit' })).toBeNull();
    await userEvent.click(within(item).getByRole('button', { name: 'Delete storage target offsite' }));
    await userEvent.click(within(screen.getByRole('dialog', { name: 'Delete storage target offsite?' })).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(changes(calls)).toEqual([{ method: 'DELETE', path: '/storage-targets/2', body: undefined }]));
    await waitFor(() => expect(gets(calls, '/storage-targets')).toBe(2));
  });
});
