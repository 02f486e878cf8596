import { describe, expect, it } from '@jest/globals';
import { renameStatement } from './mysql-switch.js';

describe('renameStatement', () => {
  it('moves every table of both databases in one statement, names quoted', () => {
    expect(
      renameStatement([
        { from: 'shop', to: 'dbbackup_aside_7', tables: ['orders', 'we`ird'] },
        { from: 'dbbackup_restore_7_1', to: 'shop', tables: ['orders'] },
      ]),
    ).toBe(
      'RENAME TABLE `shop`.`orders` TO `dbbackup_aside_7`.`orders`, `shop`.`we``ird` TO `dbbackup_aside_7`.`we``ird`, ' +
        '`dbbackup_restore_7_1`.`orders` TO `shop`.`orders`',
    );
  });

  it('is null when there is nothing to move', () => {
    expect(renameStatement([{ from: 'a', to: 'b', tables: [] }])).toBeNull();
  });
});
