import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, Providers, testSession } from '../../test-support';
import { DrillDialog } from '../database/drill-dialog';
import { NO_PROBE, probeDraftOf, probeOf, sandboxesFor } from './drill-options';
import { DrillsPage } from './drills-page';

const sandbox = (sandboxId: string, engine: 'postgres' | 'mysql' | 'mariadb') => ({
  sandboxId,
  name: `${engine}-sandbox-${sandboxId}`,
  engine,
  host: '10.0.0.9',
  port: 5432,
  maintenanceDatabase: 'postgres',
  username: 'drills',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
});

describe('drill options', () => {
  it('reads a probe: no SQL is no probe, a numeric value is a number, anything else text', () => {
    expect(probeOf(NO_PROBE)).toBeNull();
    expect(probeOf({ sql: ' select count(*) from t ', op: '>=', value: ' 100 ' })).toEqual({ sql: 'select count(*) from t', expect: { op: '>=', value: 100 } });
    expect(probeOf({ sql: 'select status from jobs', op: '=', value: 'done' })).toEqual({ sql: 'select status from jobs', expect: { op: '=', value: 'done' } });
    expect(probeOf({ sql: 'select name from t', op: '!=', value: '' })).toEqual({ sql: 'select name from t', expect: { op: '!=', value: '' } });
    expect(probeDraftOf({ sql: 'select 1', expect: { op: '<', value: 5 } })).toEqual({ sql: 'select 1', op: '<', value: '5' });
  });

  it('offers the sandboxes of the database’s engine family', () => {
    const all = [sandbox('1', 'postgres'), sandbox('2', 'mysql'), sandbox('3', 'mariadb')];
    expect(sandboxesFor(all, 'postgres').map((s) => s.sandboxId)).toEqual(['1']);
    expect(sandboxesFor(all, 'mariadb').map((s) => s.sandboxId)).toEqual(['2', '3']);
  });
});

const drill = (drillId: string, status: string, overrides: Record<string, unknown> = {}) => ({
  drillId,
  databaseId: '7',
  sandboxId: '1',
  backupId: '4',
  trigger: 'manual',
  status,
  scheduleId: null,
  scheduledFor: null,
  timestamp: new Date(Date.now() - 60_000).toISOString(),
  startedAt: null,
  finishedAt: null,
  error: null,
  restoreTimeSeconds: null,
  scratchDatabase: null,
  scratchDropped: false,
  toolVersion: null,
  verification: null,
  probe: null,
  probeResult: null,
  progress: null,
  ...overrides,
});

describe('DrillsPage', () => {
  afterEach(() => vi.unstubAllGlobals());

  function stub() {
    const fetch = vi.fn(async (request: Request) => {
      const { pathname } = new URL(request.url);
      if (pathname === '/databases') return json(200, [{ databaseId: '7', name: 'shop', engine: 'postgres' }]);
      if (pathname === '/backups/4') return json(200, { backupId: '4', status: 'success', sizeBytes: 4096 });
      if (pathname === '/drills/6/cancel') return json(202, drill('6', 'failed', { error: 'Cancelled by request' }));
      return json(200, [
        drill('6', 'running', { progress: { phase: 'restoring', bytesRead: 1024 } }),
        drill('5', 'success', {
          restoreTimeSeconds: 12.4,
          probe: { sql: 'select count(*) from t', expect: { op: '>', value: 0 } },
          probeResult: { passed: true, value: '412', reason: null },
        }),
      ]);
    });
    vi.stubGlobal('fetch', fetch);
    return fetch;
  }

  it('lists drills live: progress against the backup’s size, restore time, probe outcome, and cancels a running one', async () => {
    const fetch = stub();
    render(
      <Providers session={testSession(['read', 'restore'])}>
        <DrillsPage />
      </Providers>,
    );
    await screen.findByText('restoring · 1.0 KiB of 4.0 KiB');
    const running = document.querySelector('tr[data-drill="6"]') as HTMLElement;
    expect((within(running).getByRole('progressbar', { name: 'Drill 6 progress' }) as HTMLProgressElement).value).toBe(25);
    const done = document.querySelector('tr[data-drill="5"]') as HTMLElement;
    expect(within(done).getByText('12.4 s')).toBeTruthy();
    expect(within(done).getByText('412')).toBeTruthy();
    expect(within(done).queryByRole('button')).toBeNull();
    expect(within(done).getByRole('link', { name: 'shop' }).getAttribute('href')).toBe('/databases/7');

    await userEvent.click(within(running).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(fetch.mock.calls.some(([request]) => request.method === 'POST' && new URL(request.url).pathname === '/drills/6/cancel')).toBe(true));
  });

  it('a key without the restore scope sees no Cancel', async () => {
    stub();
    render(
      <Providers session={testSession(['read'])}>
        <DrillsPage />
      </Providers>,
    );
    await screen.findByText('restoring · 1.0 KiB of 4.0 KiB');
    expect(screen.queryByRole('button', { name: 'Cancel' })).toBeNull();
  });
});

describe('DrillDialog', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('starts a drill on the chosen sandbox of the same family with the typed probe', async () => {
    const bodies: unknown[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (request: Request) => {
        const { pathname } = new URL(request.url);
        if (pathname === '/sandboxes') return json(200, [sandbox('1', 'postgres'), sandbox('2', 'mysql'), sandbox('3', 'postgres')]);
        bodies.push({ path: pathname, body: await request.json() });
        return json(202, { message: 'Drill of database ID 7 triggered', drillId: '9', status: 'queued' });
      }),
    );
    const started = vi.fn();
    const database = { databaseId: '7', name: 'shop', engine: 'postgres' } as Parameters<typeof DrillDialog>[0]['database'];
    render(
      <Providers session={testSession(['restore'])}>
        <DrillDialog open database={database} onClose={() => undefined} onStarted={started} />
      </Providers>,
    );
    const sandboxes = await screen.findByLabelText('Sandbox');
    await screen.findByRole('option', { name: 'postgres-sandbox-3 (10.0.0.9:5432)' });
    expect(within(sandboxes).getAllByRole('option').map((option) => option.textContent)).toEqual([
      'first PostgreSQL sandbox',
      'postgres-sandbox-1 (10.0.0.9:5432)',
      'postgres-sandbox-3 (10.0.0.9:5432)',
    ]);
    await userEvent.selectOptions(sandboxes, '3');
    await userEvent.type(screen.getByLabelText('Query'), 'select count(*) from orders');
    await userEvent.selectOptions(screen.getByLabelText('Comparison'), '>=');
    await userEvent.clear(screen.getByLabelText('Expected'));
    await userEvent.type(screen.getByLabelText('Expected'), '100');
    await userEvent.click(screen.getByRole('button', { name: 'Start drill' }));
    await waitFor(() => expect(started).toHaveBeenCalledWith({ message: 'Drill of database ID 7 triggered', drillId: '9', status: 'queued' }));
    expect(bodies).toEqual([{ path: '/databases/7/drills', body: { sandboxId: '3', probe: { sql: 'select count(*) from orders', expect: { op: '>=', value: 100 } } } }]);
  });
});
