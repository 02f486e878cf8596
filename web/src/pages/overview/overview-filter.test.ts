import { describe, expect, it } from 'vitest';
import { countByState, filterOverview, type OverviewRow } from './overview-filter';

function row(name: string, state: OverviewRow['state'], engine: OverviewRow['engine'] = 'postgres'): OverviewRow {
  return {
    databaseId: name,
    name,
    engine,
    state,
    freshness: 'fresh',
    latestBackup: null,
    lastSuccess: null,
    nextRunAt: null,
    missedSchedule: state === 'missed',
    lastDrill: null,
    restoreTimeSeconds: null,
    warnings: [],
    anomalies: [],
    sizes: [],
  };
}

const rows = [row('billing', 'ok'), row('crm', 'failed', 'mariadb'), row('auth', 'warning'), row('ads', 'ok'), row('cms', 'missed', 'mysql')];

describe('filterOverview', () => {
  it('sorts the worst state first, then by name', () => {
    expect(filterOverview(rows, { state: 'all', search: '' }).map((r) => r.name)).toEqual(['crm', 'cms', 'auth', 'ads', 'billing']);
  });

  it('filters by state and searches names and engines, any case', () => {
    expect(filterOverview(rows, { state: 'ok', search: '' }).map((r) => r.name)).toEqual(['ads', 'billing']);
    expect(filterOverview(rows, { state: 'all', search: ' C' }).map((r) => r.name)).toEqual(['crm', 'cms']);
    expect(filterOverview(rows, { state: 'all', search: 'maria' }).map((r) => r.name)).toEqual(['crm']);
    expect(filterOverview(rows, { state: 'never', search: '' })).toEqual([]);
  });

  it('counts each state', () => {
    expect(countByState(rows)).toEqual({ failed: 1, missed: 1, never: 0, warning: 1, ok: 2 });
  });
});
