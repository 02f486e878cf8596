import { describe, expect, it } from '@jest/globals';
import { drillOfScratchName, scratchDatabaseName } from './drill-names.js';

describe('scratch database names', () => {
  const requestedAt = new Date('2026-11-26T03:00:00.123Z');

  it('name a drill attempt from server-side values, and read back', () => {
    const name = scratchDatabaseName({ id: '42', requestedAt }, 3);
    expect(name).toBe(`dbbackup_drill_42_${requestedAt.getTime().toString(36)}_3`);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(drillOfScratchName(name)).toEqual({ id: '42', requestedAt, attempt: 3 });
  });

  it.each(['dbbackup_drill_', 'dbbackup_drill_1', 'dbbackup_drill_1_abc', 'dbbackup_restore_1_abc_1', 'dbbackup_drill_01_abc_1', 'dbbackup_drill_1_ABC_1'])(
    'knows no drill of %s',
    (name) => {
      expect(drillOfScratchName(name)).toBeNull();
    },
  );
});
