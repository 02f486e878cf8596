import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, Providers, testSession } from '../../test-support';
import { sandboxBody, SandboxesSection } from './sandboxes-section';
import { StorageTargetsSection, targetBody } from './storage-targets-section';
import { DEFAULT_EVENTS, webhookBody, WebhooksSection } from './webhooks-section';

interface Call {
  method: string;
  path: string;
  body: unknown;
}

/** A stub API: `answer(method, path, body)` gives each reply; every request is recorded. */
function stubApi(answer: (method: string, path: string, body: unknown) => Response) {
  const calls: Call[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (request: Request) => {
      const path = new URL(request.url).pathname;
      const body: unknown = request.method === 'GET' ? undefined : await request.json().catch(() => undefined);
      calls.push({ method: request.method, path, body });
      return answer(request.method, path, body);
    }),
  );
  return calls;
}

const posts = (calls: Call[]) => calls.filter((call) => call.method === 'POST').map(({ path, body }) => ({ path, body }));

function renderAdmin(section: React.ReactNode) {
  render(<Providers session={testSession(['admin'])}>{section}</Providers>);
}

describe('request bodies', () => {
  it('a webhook: events in the API’s order, global without a database, no secret unless typed', () => {
    expect(webhookBody({ url: ' https://h.example/x ', databaseId: '', events: ['drill.failed', 'backup.failed'], enabled: true, secret: '' })).toEqual({
      url: 'https://h.example/x',
      events: ['backup.failed', 'drill.failed'],
      enabled: true,
      databaseId: null,
    });
    expect(webhookBody({ url: 'https://h.example/x', databaseId: '7', events: [...DEFAULT_EVENTS], enabled: false, secret: 'whsec_0123456789abcdef' })).toMatchObject({
      databaseId: '7',
      enabled: false,
      secret: 'whsec_0123456789abcdef',
    });
  });

  it('a storage target without an endpoint is AWS itself; a sandbox’s port is a number and its maintenance database optional', () => {
    const target = { name: 'n', kind: 's3' as const, bucket: 'b', region: 'us-east-1', endpoint: ' ', forcePathStyle: false, prefix: '', accessKeyId: 'a', secretAccessKey: 's' };
    expect(targetBody(target)).not.toHaveProperty('endpoint');
    expect(targetBody({ ...target, endpoint: ' http://minio:9000 ' }).endpoint).toBe('http://minio:9000');
    const sandbox = { name: 'pg', engine: 'postgres' as const, host: 'h', port: '5433', maintenanceDatabase: '', username: 'u', password: '' };
    expect(sandboxBody(sandbox)).toEqual({ name: 'pg', engine: 'postgres', host: 'h', port: 5433, username: 'u', password: '' });
    expect(sandboxBody({ ...sandbox, maintenanceDatabase: 'template1' }).maintenanceDatabase).toBe('template1');
  });
});

describe('Settings forms', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('adds a webhook with the chosen events and shows its secret once', async () => {
    const calls = stubApi((method, path) => {
      if (path === '/databases') return json(200, [{ databaseId: '7', name: 'shop', engine: 'postgres' }]);
      if (method === 'POST') return json(201, { webhookId: '3', url: 'https://hooks.example.com/b', databaseId: '7', events: [], enabled: true, secret: 'whsec_generated' });
      return json(200, []);
    });
    renderAdmin(<WebhooksSection />);
    const form = await screen.findByRole('form', { name: 'Add a webhook' });
    await userEvent.type(within(form).getByLabelText('URL'), 'https://hooks.example.com/b');
    await screen.findByRole('option', { name: 'shop' });
    await userEvent.selectOptions(within(form).getByLabelText('Database'), '7');
    await userEvent.click(within(form).getByLabelText('backup.succeeded'));
    await userEvent.click(within(form).getByLabelText('drill.failed'));
    await userEvent.click(within(form).getByRole('button', { name: 'Add webhook' }));
    expect((await screen.findByTestId('new-webhook-secret')).textContent).toBe('whsec_generated');
    expect(posts(calls)).toEqual([
      {
        path: '/webhooks',
        body: { url: 'https://hooks.example.com/b', events: ['backup.failed', 'restore.succeeded', 'restore.failed', 'schedule.missed', 'drill.failed'], enabled: true, databaseId: '7' },
      },
    ]);
    await userEvent.click(screen.getByRole('button', { name: 'Done' }));
    expect(screen.queryByTestId('new-webhook-secret')).toBeNull();
  });

  it('adds a storage target and tests it at once, saying when the test fails with the API’s text', async () => {
    const calls = stubApi((method, path) => {
      if (method === 'POST' && path === '/storage-targets') return json(201, { storageTargetId: '2', name: 'offsite' });
      if (path === '/storage-targets/2/test') return json(422, { error: 'Storage target check failed: The specified bucket does not exist' });
      return json(200, []);
    });
    renderAdmin(<StorageTargetsSection />);
    const form = await screen.findByRole('form', { name: 'Add a storage target' });
    await userEvent.type(within(form).getByLabelText('Name'), 'offsite');
    await userEvent.type(within(form).getByLabelText('Bucket'), 'backups');
    await userEvent.type(within(form).getByLabelText('Endpoint'), 'http://127.0.0.1:9000');
    await userEvent.click(within(form).getByLabelText(/path-style/));
    await userEvent.type(within(form).getByLabelText('Access key ID'), 'AK');
    await userEvent.type(within(form).getByLabelText('Secret access key'), 'SK');
    await userEvent.click(within(form).getByRole('button', { name: 'Add and test' }));
    await waitFor(() =>
      expect(within(form).getByRole('status').textContent).toBe('Added offsite: the test failed (Storage target check failed: The specified bucket does not exist)'),
    );
    expect(posts(calls)).toEqual([
      {
        path: '/storage-targets',
        body: { name: 'offsite', kind: 's3', bucket: 'backups', region: 'us-east-1', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true, prefix: '', accessKeyId: 'AK', secretAccessKey: 'SK' },
      },
      { path: '/storage-targets/2/test', body: undefined },
    ]);
  });

  it('adds a sandbox, the port following the engine', async () => {
    const calls = stubApi((method) => (method === 'POST' ? json(201, { sandboxId: '1', name: 'maria' }) : json(200, [])));
    renderAdmin(<SandboxesSection />);
    const form = await screen.findByRole('form', { name: 'Add a sandbox' });
    await userEvent.type(within(form).getByLabelText('Name'), 'maria');
    await userEvent.selectOptions(within(form).getByLabelText('Engine'), 'mariadb');
    expect((within(form).getByLabelText('Port') as HTMLInputElement).value).toBe('3306');
    await userEvent.type(within(form).getByLabelText('Host'), '10.0.0.5');
    await userEvent.type(within(form).getByLabelText('User'), 'drills');
    await userEvent.type(within(form).getByLabelText('Password'), 'pw');
    await userEvent.click(within(form).getByRole('button', { name: 'Add sandbox' }));
    expect((await within(form).findByRole('status')).textContent).toBe('Sandbox maria added.');
    expect(posts(calls)).toEqual([{ path: '/sandboxes', body: { name: 'maria', engine: 'mariadb', host: '10.0.0.5', port: 3306, username: 'drills', password: 'pw' } }]);
  });
});
