import { describe, expect, it } from 'vitest';
import { attachmentName } from './download';
import { inPlaceConfirmed, sameFamily } from './restore-target';
import { draftOf, policyOf } from './retention-editor';

describe('restore target', () => {
  it('MySQL and MariaDB are one family, PostgreSQL another', () => {
    expect(sameFamily('postgres', 'postgres')).toBe(true);
    expect(sameFamily('mysql', 'mariadb')).toBe(true);
    expect(sameFamily('postgres', 'mysql')).toBe(false);
  });

  it('an in-place restore needs the exact name typed', () => {
    expect(inPlaceConfirmed('billing', 'billing ')).toBe(true);
    expect(inPlaceConfirmed('billing', 'Billing')).toBe(false);
    expect(inPlaceConfirmed('billing', '')).toBe(false);
  });
});

describe('retention draft', () => {
  it('round-trips a policy; empty fields are null rules', () => {
    const policy = { keepLast: 3, keepDays: null, gfs: { daily: 7, weekly: null, monthly: 12 } };
    expect(draftOf(policy)).toEqual({ keepLast: '3', keepDays: '', daily: '7', weekly: '', monthly: '12' });
    expect(policyOf(draftOf(policy))).toEqual(policy);
    expect(policyOf({ keepLast: ' ', keepDays: '', daily: '', weekly: '', monthly: '' })).toEqual({
      keepLast: null,
      keepDays: null,
      gfs: { daily: null, weekly: null, monthly: null },
    });
  });
});

describe('download', () => {
  it("takes the file name from Content-Disposition", () => {
    expect(attachmentName('attachment; filename="shop-20260101.dump.zst"', 'x')).toBe('shop-20260101.dump.zst');
    expect(attachmentName(null, 'backup-4')).toBe('backup-4');
  });
});
