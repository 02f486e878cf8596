import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Schemas } from '../../api/client';
import type { Scope } from '../../auth/scopes';
import { json, Providers, testSession } from '../../test-support';
import { DrillsSection } from './drills-section';

const database = {
  databaseId: '7',
  name: 'shop',
  engine: 'postgres',
  lastDrill: { drillId: '5', status: 'success', finishedAt: new Date(Date.now() - 120_000).toISOString() },
  restoreTimeSeconds: 12.4,
} as unknown as Schemas['DatabaseDetailsDto'];

const schedule = {
  scheduleId: '8',
  databaseId: '7',
  cron: '0 4 * * 1',
  timezone: 'UTC',
  enabled: true,
  sandboxId: null,
  probe: { sql: 'select count(*) from t', expect: { op: '>', value: 0 } },
  nextRunAt: new Date(Date.now() + 3_600_000).toISOString(),
  missed: true,
  updatedAt: '2026-01-01T00:00:00Z',
};

function renderWith(scopes: Scope[]) {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (request: Request) => {
      const { pathname } = new URL(request.url);
      if (pathname === '/databases/7/drill-schedules') return json(200, [schedule]);
      return json(200, []);
    }),
  );
  render(
    <Providers session={testSession(scopes)}>
      <DrillsSection database={database} />
    </Providers>,
  );
}

describe('DrillsSection', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('shows the last drill and its restore time; a read-only key gets no button and the schedule as text', async () => {
    renderWith(['read']);
    await screen.findByText('No drill yet.');
    expect(document.querySelector('.last-drill')!.textContent).toBe('Last drill: success 2 min ago · restore time 12.4 s');
    await screen.findByText('0 4 * * 1');
    expect(screen.getByText('drill missed')).toBeTruthy();
    expect(screen.queryAllByRole('button')).toEqual([]);
    expect(screen.queryAllByRole('textbox')).toEqual([]);
  });

  it('a restore key may run a drill; an admin key edits the schedule with its sandbox and probe', async () => {
    renderWith(['restore']);
    await screen.findByRole('button', { name: 'Run drill…' });
    expect(screen.queryByRole('form', { name: 'Drill schedule 8' })).toBeNull();
    vi.unstubAllGlobals();
    cleanup();
    renderWith(['admin']);
    const form = await screen.findByRole('form', { name: 'Drill schedule 8' });
    await waitFor(() => expect((form.querySelector('textarea') as HTMLTextAreaElement).value).toBe('select count(*) from t'));
    expect(screen.getByRole('form', { name: 'New drill schedule' })).toBeTruthy();
  });
});
