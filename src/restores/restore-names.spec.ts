import { describe, expect, it } from '@jest/globals';
import { asideDatabaseName, freshDatabaseName } from './restore-names.js';

describe('restore database names', () => {
  const restore = { id: '42', requestedAt: new Date('2026-11-25T10:00:00.123Z') };

  it('derive from the restore id, its request instant and the attempt', () => {
    expect(freshDatabaseName(restore, 2)).toBe('dbbackup_restore_42_mwvycsjf_2');
    expect(asideDatabaseName(restore)).toBe('dbbackup_aside_42_mwvycsjf');
  });

  it('fit PostgreSQL identifiers (63 bytes) for the largest ids', () => {
    const largest = { id: '9223372036854775807', requestedAt: new Date(8.64e15) };
    expect(freshDatabaseName(largest, 99).length).toBeLessThanOrEqual(63);
    expect(asideDatabaseName(largest).length).toBeLessThanOrEqual(63);
  });
});
