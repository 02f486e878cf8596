import { describe, expect, it } from '@jest/globals';
import { renamedRelation } from './pg-table-renaming.js';

describe('renamedRelation', () => {
  const taken = new Set(['orders', 'orders_pkey', 'orders_id_seq', 'by_customer', 'orders_old_pkey_taken']);

  it("replaces the table's name inside an index's or a sequence's name", () => {
    expect(renamedRelation('orders_pkey', 'orders', 'orders_old', taken)).toBe('orders_old_pkey');
    expect(renamedRelation('orders_id_seq', 'orders', 'orders_old', taken)).toBe('orders_old_id_seq');
  });

  it("keeps a name without the table's unless the target has it, then puts the new table's name before it", () => {
    expect(renamedRelation('by_date', 'orders', 'orders_old', taken)).toBeNull();
    expect(renamedRelation('by_customer', 'orders', 'orders_old', taken)).toBe('orders_old_by_customer');
  });

  it('falls back to the prefixed name when the replaced one is taken, and fails when that is taken too', () => {
    expect(renamedRelation('orders_pkey_taken', 'orders', 'orders_old', new Set(['orders_old_pkey_taken']))).toBe('orders_old_orders_pkey_taken');
    expect(() => renamedRelation('x', 'orders', 'o', new Set(['x', 'o_x']))).toThrow('Cannot find a free name for x of orders renamed o');
  });

  it('cuts names to 63 bytes', () => {
    const long = `orders_${'é'.repeat(40)}`;
    const renamed = renamedRelation(long, 'orders', 'orders_yesterday', taken)!;
    expect(Buffer.byteLength(renamed)).toBeLessThanOrEqual(63);
    expect(renamed.startsWith('orders_yesterday_é')).toBe(true);
  });
});
