import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { decryptSecret, encryptSecret } from './credentials-cipher.js';
import { resealed, UnreadableSecretError } from './credentials-rotation.js';

const oldKey = randomBytes(32);
const newKey = randomBytes(32);

describe('resealed', () => {
  it('re-encrypts a value sealed with the old key under the new one', () => {
    const next = resealed(encryptSecret(oldKey, 's3cret'), oldKey, newKey, 'databases id 1');
    expect(next).not.toBeNull();
    expect(decryptSecret(newKey, next!)).toBe('s3cret');
    expect(() => decryptSecret(oldKey, next!)).toThrow();
  });

  it('skips a value already under the new key (a re-run changes nothing)', () => {
    expect(resealed(encryptSecret(newKey, 's3cret'), oldKey, newKey, 'databases id 1')).toBeNull();
  });

  it('refuses a value neither key opens, naming the row and not the value', () => {
    const foreign = encryptSecret(randomBytes(32), 's3cret');
    expect(() => resealed(foreign, oldKey, newKey, 'storage_targets id 7')).toThrow(
      new UnreadableSecretError('storage_targets id 7'),
    );
    expect(() => resealed('garbage', oldKey, newKey, 'databases id 2')).toThrow(
      'databases id 2 cannot be decrypted with CREDENTIALS_KEY nor NEW_CREDENTIALS_KEY: nothing was changed',
    );
  });
});
