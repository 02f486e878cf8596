import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { AppConfig } from '../config/app-config.js';
import {
  CredentialsCipher,
  CredentialsDecryptionError,
  decryptSecret,
  encryptSecret,
  parseCredentialsKey,
} from './credentials-cipher.js';

const key = Buffer.alloc(32, 7);
const otherKey = Buffer.alloc(32, 8);

/** Flips the lowest bit of the first byte of a base64 part. */
function flipFirstBit(base64: string): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[0] = bytes[0]! ^ 1;
  return bytes.toString('base64');
}

describe('encryptSecret / decryptSecret', () => {
  it.each([
    ['ascii', 's3cret-p@ssw0rd'],
    ['unicode', 'pässwörd 🔐 密码 ñ'],
    ['empty', ''],
    ['separator characters', 'a:b:c\\d\'e"f\n'],
    ['long', 'x'.repeat(1024)],
  ])('round-trips a %s secret', (_kind, plaintext) => {
    expect(decryptSecret(key, encryptSecret(key, plaintext))).toBe(plaintext);
  });

  it('produces "v1:<iv>:<tag>:<ciphertext>" with a 12-byte iv and 16-byte tag', () => {
    const sealed = encryptSecret(key, 'hello');
    expect(sealed.startsWith('v1:')).toBe(true);
    const parts = sealed.split(':');
    expect(parts).toHaveLength(4);
    expect(Buffer.from(parts[1]!, 'base64')).toHaveLength(12);
    expect(Buffer.from(parts[2]!, 'base64')).toHaveLength(16);
    expect(Buffer.from(parts[3]!, 'base64')).toHaveLength(Buffer.byteLength('hello'));
  });

  it('seals an empty string with an empty ciphertext part', () => {
    const parts = encryptSecret(key, '').split(':');
    expect(parts).toHaveLength(4);
    expect(parts[3]).toBe('');
  });

  it('gives a different result each time for the same text', () => {
    const first = encryptSecret(key, 'same text');
    const second = encryptSecret(key, 'same text');
    expect(first).not.toBe(second);
    expect(first.split(':')[1]).not.toBe(second.split(':')[1]);
  });

  it('does not contain the plaintext', () => {
    const plaintext = 'VeryRecognisablePassword';
    const sealed = encryptSecret(key, plaintext);
    expect(sealed).not.toContain(plaintext);
    expect(sealed).not.toContain(Buffer.from(plaintext).toString('base64'));
    const ciphertext = Buffer.from(sealed.split(':')[3]!, 'base64');
    expect(ciphertext.equals(Buffer.from(plaintext))).toBe(false);
  });

  it('refuses a tampered ciphertext', () => {
    const [version, iv, tag, ciphertext] = encryptSecret(key, 'secret').split(':');
    const tampered = [version, iv, tag, flipFirstBit(ciphertext!)].join(':');
    expect(() => decryptSecret(key, tampered)).toThrow(CredentialsDecryptionError);
  });

  it('refuses a tampered tag', () => {
    const [version, iv, tag, ciphertext] = encryptSecret(key, 'secret').split(':');
    const tampered = [version, iv, flipFirstBit(tag!), ciphertext].join(':');
    expect(() => decryptSecret(key, tampered)).toThrow(CredentialsDecryptionError);
  });

  it('refuses a tampered iv', () => {
    const [version, iv, tag, ciphertext] = encryptSecret(key, 'secret').split(':');
    const tampered = [version, flipFirstBit(iv!), tag, ciphertext].join(':');
    expect(() => decryptSecret(key, tampered)).toThrow(CredentialsDecryptionError);
  });

  it('refuses a different key', () => {
    const sealed = encryptSecret(key, 'secret');
    expect(() => decryptSecret(otherKey, sealed)).toThrow(CredentialsDecryptionError);
  });

  it.each([
    ['an empty string', ''],
    ['plain text', 'not-encrypted'],
    ['an unknown version', 'v2:AAAA:AAAA:AAAA'],
    ['missing parts', 'v1:AAAA:AAAA'],
    ['an empty iv', 'v1::AAAA:AAAA'],
  ])('refuses %s', (_kind, sealed) => {
    expect(() => decryptSecret(key, sealed)).toThrow(CredentialsDecryptionError);
  });

  it('has a message that explains the likely cause and no secret', () => {
    const error = new CredentialsDecryptionError();
    expect(error.message).toBe(
      'Stored credentials cannot be decrypted: was CREDENTIALS_KEY changed without re-encrypting?',
    );
  });
});

describe('parseCredentialsKey', () => {
  it('decodes a base64 key into its 32 bytes', () => {
    const raw = randomBytes(32);
    expect(parseCredentialsKey(raw.toString('base64')).equals(raw)).toBe(true);
  });
});

describe('CredentialsCipher', () => {
  let warnings: unknown[];
  beforeEach(() => {
    warnings = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => {
      warnings.push(message);
    });
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  const configWith = (credentialsKey: string | undefined) => ({ credentialsKey }) as unknown as AppConfig;

  it('uses the configured key', () => {
    const raw = randomBytes(32);
    const cipher = new CredentialsCipher(configWith(raw.toString('base64')));
    const sealed = cipher.encrypt('pw');
    expect(cipher.decrypt(sealed)).toBe('pw');
    expect(decryptSecret(raw, sealed)).toBe('pw');
    expect(warnings).toEqual([]);
  });

  it('falls back to the development key, which differs from a configured key', () => {
    const development = new CredentialsCipher(configWith(undefined));
    expect(warnings).toEqual(['CREDENTIALS_KEY is not set: using the development key. Never do this in production.']);
    const sealed = development.encrypt('pw');
    expect(new CredentialsCipher(configWith(undefined)).decrypt(sealed)).toBe('pw');
    const configured = new CredentialsCipher(configWith(randomBytes(32).toString('base64')));
    expect(() => configured.decrypt(sealed)).toThrow(CredentialsDecryptionError);
  });
});

describe('decryptSecret rejects malformed envelopes', () => {
  const key = randomBytes(32);
  const sealed = encryptSecret(key, 'secret value');
  const [version, iv, tag, ciphertext] = sealed.split(':');

  it('a tag cut to 4 bytes', () => {
    const shortTag = Buffer.from(tag!, 'base64').subarray(0, 4).toString('base64');
    expect(() => decryptSecret(key, [version, iv, shortTag, ciphertext].join(':'))).toThrow(CredentialsDecryptionError);
  });

  it('an IV of the wrong length', () => {
    const longIv = Buffer.concat([Buffer.from(iv!, 'base64'), Buffer.alloc(4)]).toString('base64');
    expect(() => decryptSecret(key, [version, longIv, tag, ciphertext].join(':'))).toThrow(CredentialsDecryptionError);
  });

  it('extra parts', () => {
    expect(() => decryptSecret(key, `${sealed}:extra`)).toThrow(CredentialsDecryptionError);
  });
});
