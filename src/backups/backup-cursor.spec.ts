import { describe, expect, it } from '@jest/globals';
import { decodeCursor, encodeCursor } from './backup-cursor.js';

const encodeRaw = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('backup cursor', () => {
  it('round-trips the sort key to the microsecond, with an id beyond 2^53', () => {
    const cursor = { requestedAt: '2024-09-12T12:30:00.123456Z', id: '9007199254740993' };
    const token = encodeCursor(cursor);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(token)).toEqual(cursor);
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'abc+/='],
    ['not JSON', Buffer.from('not json').toString('base64url')],
    ['an object', encodeRaw({ requestedAt: '2024-09-12T12:30:00.000000Z', id: '1' })],
    ['three elements', encodeRaw(['2024-09-12T12:30:00.000000Z', '1', 'x'])],
    ['milliseconds only', encodeRaw(['2024-09-12T12:30:00.123Z', '1'])],
    ['an offset instead of Z', encodeRaw(['2024-09-12T12:30:00.000000+02:00', '1'])],
    ['an impossible date', encodeRaw(['2024-02-30T12:30:00.000000Z', '1'])],
    ['an impossible hour', encodeRaw(['2024-09-12T25:30:00.000000Z', '1'])],
    ['a numeric id', encodeRaw(['2024-09-12T12:30:00.000000Z', 1])],
    ['id 0', encodeRaw(['2024-09-12T12:30:00.000000Z', '0'])],
    ['a negative id', encodeRaw(['2024-09-12T12:30:00.000000Z', '-1'])],
    ['an id of 19 digits', encodeRaw(['2024-09-12T12:30:00.000000Z', '1234567890123456789'])],
    ['SQL in the id', encodeRaw(['2024-09-12T12:30:00.000000Z', "1' OR '1'='1"])],
    ['too long', 'A'.repeat(257)],
  ])('rejects a token that is %s', (_, token) => {
    expect(decodeCursor(token)).toBeUndefined();
  });
});
