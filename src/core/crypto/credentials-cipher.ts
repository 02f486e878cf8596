import { Injectable, Logger } from '@nestjs/common';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { AppConfig } from '../config/app-config.js';

const ALGORITHM = 'aes-256-gcm';
const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const DEVELOPMENT_KEY = createHash('sha256').update('db-backup-service development key, never for production').digest();

export class CredentialsDecryptionError extends Error {
  constructor() {
    super('Stored credentials cannot be decrypted: was CREDENTIALS_KEY changed without re-encrypting?');
  }
}

/** Encrypts one secret with AES-256-GCM: "v1:<iv>:<tag>:<ciphertext>", each part base64. */
export function encryptSecret(key: Buffer, plaintext: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const parts = [iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString('base64'));
  return [VERSION, ...parts].join(':');
}

export function decryptSecret(key: Buffer, sealed: string): string {
  const parts = sealed.split(':');
  const [version, ivText, tagText, ciphertext] = parts;
  if (parts.length !== 4 || version !== VERSION || ciphertext === undefined) throw new CredentialsDecryptionError();
  const iv = Buffer.from(ivText!, 'base64');
  const tag = Buffer.from(tagText!, 'base64');
  // A shortened tag would weaken the authentication: only full-length IVs and tags are accepted.
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new CredentialsDecryptionError();
  try {
    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new CredentialsDecryptionError();
  }
}

export function parseCredentialsKey(base64: string): Buffer {
  return Buffer.from(base64, 'base64');
}

/** Seals target database passwords at rest with the key from CREDENTIALS_KEY. */
@Injectable()
export class CredentialsCipher {
  private readonly logger = new Logger(CredentialsCipher.name);
  private readonly key: Buffer;

  constructor(config: AppConfig) {
    if (config.credentialsKey) {
      this.key = parseCredentialsKey(config.credentialsKey);
    } else {
      this.logger.warn('CREDENTIALS_KEY is not set: using the development key. Never do this in production.');
      this.key = DEVELOPMENT_KEY;
    }
  }

  encrypt(plaintext: string): string {
    return encryptSecret(this.key, plaintext);
  }

  decrypt(sealed: string): string {
    return decryptSecret(this.key, sealed);
  }
}
