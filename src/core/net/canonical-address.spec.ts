import { canonicalAddress } from './canonical-address.js';

describe('canonicalAddress', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::FFFF:7f00:1', '127.0.0.1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['2001:DB8:0:0::1', '2001:db8::1'],
    ['db.internal', 'db.internal'],
  ])('%s → %s', (address, expected) => {
    expect(canonicalAddress(address)).toBe(expected);
  });
});
