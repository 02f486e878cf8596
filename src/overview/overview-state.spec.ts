import { describe, expect, it, jest } from '@jest/globals';
import { CronExpressionParser } from 'cron-parser';
import { overviewState, summarizeSchedules, worstFirst } from './overview-state.js';

const HOUR = 3600 * 1000;
const now = new Date('2026-03-10T12:30:00Z');
const created = new Date('2026-01-01T00:00:00Z');
const hourly = { cron: '0 * * * *', timezone: 'UTC', enabled: true, updatedAt: created };

describe('summarizeSchedules', () => {
  it('without a successful backup: freshness none, missed once a tick is past the grace', () => {
    expect(summarizeSchedules([hourly], null, now, HOUR)).toEqual({ nextRunAt: new Date('2026-03-10T13:00:00Z'), missed: true, freshness: 'none' });
  });

  it('a success after the latest tick is fresh; before it but within the grace is late; past the grace is missed', () => {
    expect(summarizeSchedules([hourly], new Date('2026-03-10T12:05:00Z'), now, HOUR).freshness).toBe('fresh');
    expect(summarizeSchedules([hourly], new Date('2026-03-10T11:45:00Z'), now, HOUR)).toMatchObject({ missed: false, freshness: 'late' });
    expect(summarizeSchedules([hourly], new Date('2026-03-10T10:45:00Z'), now, HOUR)).toMatchObject({ missed: true, freshness: 'missed' });
  });

  it('disabled schedules count for nothing; unscheduled databases are late after 25 hours', () => {
    const disabled = { ...hourly, enabled: false };
    expect(summarizeSchedules([disabled], new Date(now.getTime() - 24 * HOUR), now, HOUR)).toEqual({ nextRunAt: null, missed: false, freshness: 'fresh' });
    expect(summarizeSchedules([], new Date(now.getTime() - 26 * HOUR), now, HOUR).freshness).toBe('late');
  });

  it('the next run is the soonest of the enabled schedules', () => {
    const daily = { ...hourly, cron: '0 2 * * *' };
    expect(summarizeSchedules([daily, hourly], now, now, HOUR).nextRunAt).toEqual(new Date('2026-03-10T13:00:00Z'));
  });
});

describe('summarizeSchedules: cron expressions parsed once', () => {
  it("parses each enabled schedule's expression once, not for every tick nor for every request", () => {
    const parse = jest.spyOn(CronExpressionParser, 'parse');
    try {
      // Expressions and time zones no other test of this file uses: none is parsed yet.
      const schedules = [
        { cron: '10 * * * *', timezone: 'Europe/Lisbon', enabled: true, updatedAt: created },
        { cron: '20 3 * * *', timezone: 'Europe/Lisbon', enabled: true, updatedAt: created },
        { cron: '20 3 * * *', timezone: 'America/Chicago', enabled: true, updatedAt: created },
        { cron: '40 * * * *', timezone: 'Europe/Lisbon', enabled: false, updatedAt: created },
      ];
      const first = summarizeSchedules(schedules, new Date('2026-03-10T09:30:00Z'), now, HOUR);
      expect(first).toEqual({ nextRunAt: new Date('2026-03-10T13:10:00Z'), missed: true, freshness: 'missed' });
      expect(parse).toHaveBeenCalledTimes(3);
      const later = new Date(now.getTime() + 24 * HOUR);
      expect(summarizeSchedules(schedules, later, later, HOUR)).toEqual({ nextRunAt: new Date('2026-03-11T13:10:00Z'), missed: false, freshness: 'fresh' });
      expect(parse).toHaveBeenCalledTimes(3);
    } finally {
      parse.mockRestore();
    }
  });
});

describe('overviewState', () => {
  const healthy = { latestStatus: 'success', hasSuccess: true, missed: false, warningCount: 0, anomalyCount: 0, lastDrillFailed: false };

  it('names the worst thing about a database', () => {
    expect(overviewState(healthy)).toBe('ok');
    expect(overviewState({ ...healthy, anomalyCount: 1 })).toBe('warning');
    expect(overviewState({ ...healthy, lastDrillFailed: true })).toBe('warning');
    expect(overviewState({ ...healthy, latestStatus: null, hasSuccess: false })).toBe('never');
    expect(overviewState({ ...healthy, missed: true, warningCount: 2 })).toBe('missed');
    expect(overviewState({ ...healthy, latestStatus: 'failed', missed: true })).toBe('failed');
  });

  it('sorts worst first, then by name', () => {
    const rows = [
      { name: 'b', state: 'ok' as const },
      { name: 'a', state: 'ok' as const },
      { name: 'z', state: 'failed' as const },
      { name: 'm', state: 'never' as const },
    ];
    expect(worstFirst(rows).map((row) => row.name)).toEqual(['z', 'm', 'a', 'b']);
  });
});
