import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Layout } from '../../components/layout';
import { json, Providers, testSession } from '../../test-support';
import type { OverviewRow } from './overview-filter';
import { OverviewPage } from './overview-page';

function row(name: string, overrides: Partial<OverviewRow>): OverviewRow {
  return {
    databaseId: name.length.toString(),
    name,
    engine: 'postgres',
    state: 'ok',
    freshness: 'fresh',
    latestBackup: null,
    lastSuccess: { backupId: '9', requestedAt: new Date(Date.now() - 3_600_000).toISOString(), finishedAt: null, sizeBytes: 2048 },
    nextRunAt: null,
    missedSchedule: false,
    lastDrill: null,
    restoreTimeSeconds: null,
    warnings: [],
    anomalies: [],
    sizes: [1, 2, 3],
    ...overrides,
  };
}

const ROWS = [
  row('shop', {}),
  row('crm', { state: 'failed', latestBackup: { backupId: '4', status: 'failed', trigger: 'schedule', requestedAt: '2026-01-01T00:00:00Z', error: 'dump failed: disk full' } }),
  row('ledger', { state: 'missed', freshness: 'missed', missedSchedule: true, nextRunAt: new Date(Date.now() + 600_000).toISOString() }),
];

describe('OverviewPage', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('shows the worst first with freshness colours, then filters by state and search', async () => {
    const fetch = vi.fn(async (_request: Request) => json(200, ROWS));
    vi.stubGlobal('fetch', fetch);
    render(
      <Providers session={testSession(['read'])}>
        <OverviewPage />
      </Providers>,
    );
    await screen.findByRole('link', { name: 'crm' });
    const names = () => screen.queryAllByRole('link').map((link) => link.textContent);
    expect(names()).toEqual(['crm', 'ledger', 'shop']);
    expect(screen.getByText('dump failed: disk full').className).toBe('error small-text');
    expect(screen.getByText('schedule missed')).toBeTruthy();
    const shop = screen.getByRole('link', { name: 'shop' }).closest('tr')!;
    expect(within(shop).getByText('1 h ago').className).toBe('freshness nowrap fresh-fresh');
    expect(new URL(fetch.mock.calls[0]![0].url).pathname).toBe('/overview');

    await userEvent.selectOptions(screen.getByLabelText('State'), 'missed');
    expect(names()).toEqual(['ledger']);
    await userEvent.selectOptions(screen.getByLabelText('State'), 'all');
    await userEvent.type(screen.getByLabelText('Search'), 'SH');
    expect(names()).toEqual(['shop']);
  });

  it("shows the API's error instead of a blank page", async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json(500, { error: 'Internal server error' })));
    render(
      <Providers session={testSession(['read'])}>
        <OverviewPage />
      </Providers>,
    );
    expect((await screen.findByRole('alert')).textContent).toBe('Internal server error');
  });
});

describe('Layout', () => {
  it('offers Settings to admin keys only, and names the key and its scopes', () => {
    const layout = (scopes: Parameters<typeof testSession>[0]) => (
      <Providers session={testSession(scopes, 'on-call')}>
        <Routes>
          <Route path="/" element={<Layout />} />
        </Routes>
      </Providers>
    );
    const { unmount } = render(layout(['read', 'backup']));
    expect(screen.queryByRole('link', { name: 'Settings' })).toBeNull();
    expect(screen.getByText('(read, backup)')).toBeTruthy();
    unmount();
    render(layout(['admin']));
    expect(screen.getByRole('link', { name: 'Settings' })).toBeTruthy();
  });
});
