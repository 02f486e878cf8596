import { dayBucket, isoWeekBucket, monthBucket, type RetentionPolicy, selectBackupsToDelete } from './retention-selection.js';

const NONE: RetentionPolicy = { keepLast: null, keepDays: null, keepDaily: null, keepWeekly: null, keepMonthly: null };
const now = new Date('2024-09-30T12:00:00Z');

/** Backup `id` requested at the given UTC time. */
const at = (id: number, iso: string) => ({ id: String(id), requestedAt: new Date(iso) });
const ids = (list: Array<{ id: string }>) => list.map((b) => b.id);

/** One backup a day at 01:00 from 2024-09-01 (id 1) to 2024-09-30 (id 30). */
const daily = Array.from({ length: 30 }, (_, i) => at(i + 1, `2024-09-${String(i + 1).padStart(2, '0')}T01:00:00Z`));

describe('selectBackupsToDelete', () => {
  it('deletes nothing without a policy or with a policy of no rules', () => {
    expect(selectBackupsToDelete(null, daily, now).delete).toEqual([]);
    const selection = selectBackupsToDelete(NONE, daily, now);
    expect(selection.delete).toEqual([]);
    expect(selection.keep[0]).toEqual({ ...daily[29], keptBy: ['noPolicy'] });
  });

  it('keepLast keeps the N newest, whatever order they come in', () => {
    const shuffled = [...daily].reverse().sort((a, b) => (Number(a.id) % 7) - (Number(b.id) % 7));
    const selection = selectBackupsToDelete({ ...NONE, keepLast: 3 }, shuffled, now);
    expect(ids(selection.keep)).toEqual(['30', '29', '28']);
    expect(ids(selection.delete)).toEqual(Array.from({ length: 27 }, (_, i) => String(27 - i)));
    expect(selection.delete[0]!.reason).toBe('not among the last 3');
    expect(selection.keep.map((b) => b.keptBy)).toEqual([['newest', 'keepLast'], ['keepLast'], ['keepLast']]);
  });

  it('keepDays keeps backups requested within D days of now, the boundary included', () => {
    const backups = [at(1, '2024-09-23T12:00:00Z'), at(2, '2024-09-23T11:59:59Z'), at(3, '2024-09-29T00:00:00Z')];
    const selection = selectBackupsToDelete({ ...NONE, keepDays: 7 }, backups, now);
    expect(ids(selection.keep)).toEqual(['3', '1']);
    expect(selection.delete).toEqual([{ ...backups[1], reason: 'older than 7 days' }]);
  });

  it('never deletes the newest backup, even when every rule would', () => {
    const old = [at(1, '2024-01-01T00:00:00Z'), at(2, '2024-01-02T00:00:00Z')];
    const selection = selectBackupsToDelete({ ...NONE, keepDays: 1 }, old, now);
    expect(selection.keep).toEqual([{ ...old[1], keptBy: ['newest'] }]);
    expect(ids(selection.delete)).toEqual(['1']);
  });

  it('gfs.daily keeps the newest backup of each of the N most recent days that have one', () => {
    const backups = [
      at(1, '2024-09-27T08:00:00Z'),
      at(2, '2024-09-27T20:00:00Z'),
      at(3, '2024-09-28T23:59:59Z'),
      at(4, '2024-09-29T00:00:00Z'),
      at(5, '2024-09-29T06:00:00Z'),
      // No backup on the 30th: days without backups do not count.
    ];
    const selection = selectBackupsToDelete({ ...NONE, keepDaily: 2 }, backups, now);
    expect(ids(selection.keep)).toEqual(['5', '3']);
    expect(ids(selection.delete)).toEqual(['4', '2', '1']);
  });

  it('gfs.weekly buckets by ISO week in UTC (Monday to Sunday)', () => {
    const backups = [
      at(1, '2024-09-15T23:00:00Z'), // Sunday, week 37
      at(2, '2024-09-16T00:30:00Z'), // Monday, week 38
      at(3, '2024-09-22T23:59:00Z'), // Sunday, week 38
      at(4, '2024-09-23T00:00:00Z'), // Monday, week 39
    ];
    expect(ids(selectBackupsToDelete({ ...NONE, keepWeekly: 2 }, backups, now).keep)).toEqual(['4', '3']);
    expect(ids(selectBackupsToDelete({ ...NONE, keepWeekly: 3 }, backups, now).keep)).toEqual(['4', '3', '1']);
  });

  it('gfs.monthly buckets by UTC month', () => {
    const backups = [at(1, '2024-07-31T23:00:00Z'), at(2, '2024-08-01T00:00:00Z'), at(3, '2024-08-31T10:00:00Z'), ...daily.slice(25)];
    const selection = selectBackupsToDelete({ ...NONE, keepMonthly: 3 }, backups, now);
    expect(ids(selection.keep)).toEqual(['30', '3', '1']);
  });

  it('keeps a backup that any rule keeps, and names the rules', () => {
    const policy = { ...NONE, keepLast: 2, keepDays: 3, keepDaily: 5, keepWeekly: 2, keepMonthly: 2 };
    const backups = [...daily, at(31, '2024-08-15T01:00:00Z')];
    const selection = selectBackupsToDelete(policy, backups, now);
    const keptBy = Object.fromEntries(selection.keep.map((b) => [b.id, b.keptBy]));
    expect(keptBy).toEqual({
      '30': ['newest', 'keepLast', 'keepDays', 'gfs.daily', 'gfs.weekly', 'gfs.monthly'],
      // Monday the 30th opens ISO week 40; Sunday the 29th closes week 39.
      '29': ['keepLast', 'keepDays', 'gfs.daily', 'gfs.weekly'],
      '28': ['keepDays', 'gfs.daily'],
      // Requested at 01:00, before now minus 3 days (the 27th at 12:00).
      '27': ['gfs.daily'],
      '26': ['gfs.daily'],
      '31': ['gfs.monthly'],
    });
    expect(selection.delete).toHaveLength(25);
    expect(selection.delete[0]!.reason).toBe(
      'not among the last 2; older than 3 days; not the newest of the last 5 days with backups; ' +
        'not the newest of the last 2 weeks with backups; not the newest of the last 2 months with backups',
    );
  });

  it('names periods in UTC', () => {
    const lateEvening = new Date('2024-12-30T23:30:00Z');
    expect([dayBucket(lateEvening), isoWeekBucket(lateEvening), monthBucket(lateEvening)]).toEqual(['2024-12-30', '2025-W01', '2024-12']);
    expect(isoWeekBucket(new Date('2021-01-03T12:00:00Z'))).toBe('2020-W53');
  });
});
