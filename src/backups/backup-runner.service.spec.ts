import { describe, expect, it } from '@jest/globals';
import { storageKeyFor } from './backup-runner.service.js';

describe('storageKeyFor', () => {
  it('builds the key from database, time (to the second), backup and attempt', () => {
    expect(
      storageKeyFor({ backupId: '7', databaseId: '3', attempt: 2 }, 'dump', new Date('2024-09-12T12:30:00.123Z')),
    ).toBe('db-3/20240912T123000Z-backup-7-a2.dump');
  });

  it('drops zero milliseconds as well', () => {
    expect(
      storageKeyFor({ backupId: '10', databaseId: '1', attempt: 1 }, 'sql.gz', new Date('2025-01-02T03:04:05.000Z')),
    ).toBe('db-1/20250102T030405Z-backup-10-a1.sql.gz');
  });

  it('gives each attempt its own key', () => {
    const at = new Date('2024-09-12T12:30:00Z');
    const first = storageKeyFor({ backupId: '7', databaseId: '3', attempt: 1 }, 'dump', at);
    const second = storageKeyFor({ backupId: '7', databaseId: '3', attempt: 2 }, 'dump', at);
    expect(first).toBe('db-3/20240912T123000Z-backup-7-a1.dump');
    expect(second).not.toBe(first);
  });

  it('uses the current time by default', () => {
    const before = new Date();
    const key = storageKeyFor({ backupId: '1', databaseId: '2', attempt: 1 }, 'dump');
    const match = /^db-2\/(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-backup-1-a1\.dump$/.exec(key);
    expect(match).not.toBeNull();
    const [, y, mo, d, h, mi, s] = match!;
    const stamp = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
    expect(stamp).toBeGreaterThanOrEqual(Math.floor(before.getTime() / 1000) * 1000);
    expect(stamp).toBeLessThanOrEqual(Date.now());
  });
});
