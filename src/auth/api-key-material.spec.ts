import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { bearerToken, displayPrefix, generateApiKey, hashApiKey, sameHash } from './api-key-material.js';

describe('generateApiKey', () => {
  it('is dbb_ followed by 32 random bytes in base64url', () => {
    const key = generateApiKey();
    expect(key).toMatch(/^dbb_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(key.slice(4), 'base64url')).toHaveLength(32);
    expect(generateApiKey()).not.toBe(key);
  });
});

describe('hashApiKey and sameHash', () => {
  it('hashes with sha256', () => {
    expect(hashApiKey('dbb_x').equals(createHash('sha256').update('dbb_x').digest())).toBe(true);
  });

  it('compares hashes', () => {
    expect(sameHash(hashApiKey('a'), hashApiKey('a'))).toBe(true);
    expect(sameHash(hashApiKey('a'), hashApiKey('b'))).toBe(false);
    expect(sameHash(hashApiKey('a'), Buffer.alloc(3))).toBe(false);
  });
});

describe('displayPrefix', () => {
  it('keeps the first 12 characters', () => {
    expect(displayPrefix('dbb_abcdefgh_rest_of_the_key')).toBe('dbb_abcdefgh');
  });
});

describe('bearerToken', () => {
  it.each([
    ['Bearer dbb_abc', 'dbb_abc'],
    ['bearer dbb_abc', 'dbb_abc'],
    ['  Bearer dbb_abc  ', 'dbb_abc'],
  ])('reads %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });

  it.each([undefined, '', 'dbb_abc', 'Basic dXNlcjpwYXNz', 'Bearer', 'Bearer ', 'Bearer a b', 'Bearer\tdbb', ['Bearer a']])(
    'refuses %j',
    (header) => {
      expect(bearerToken(header as string | undefined)).toBeNull();
    },
  );
});
