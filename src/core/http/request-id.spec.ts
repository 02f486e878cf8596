import { describe, expect, it } from '@jest/globals';
import { acceptOrCreateRequestId } from './request-id.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('acceptOrCreateRequestId', () => {
  it.each(['a', 'trace-42.a:b_C-9', 'x'.repeat(128), '0af7651916cd43dd8448eb211c80319c'])('keeps the well-formed %s', (given) => {
    expect(acceptOrCreateRequestId(given)).toBe(given);
  });

  it.each([undefined, '', 'has space', 'x'.repeat(129), 'a/b', 'semi;colon', 'é', ['a', 'b']])('replaces %j with a UUID', (given) => {
    expect(acceptOrCreateRequestId(given)).toMatch(UUID);
  });
});
