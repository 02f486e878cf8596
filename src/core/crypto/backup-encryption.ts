import { Injectable } from '@nestjs/common';
import type { Transform } from 'node:stream';
import { AppConfig } from '../config/app-config.js';
import { UnprocessableError } from '../http/domain-error.js';
import { createDecryptStream, createEncryptStream, parseBackupEncryptionKey } from './backup-cipher.js';

export class EncryptionKeyMissingError extends UnprocessableError {
  constructor() {
    super('Backup encryption is not configured: set BACKUP_ENCRYPTION_KEY on the API and every worker');
  }
}

/** The backup-file encryption key from BACKUP_ENCRYPTION_KEY, and the streams that use it. */
@Injectable()
export class BackupEncryption {
  private readonly key: Buffer | null;

  constructor(config: AppConfig) {
    const configured = config.backupEncryptionKey;
    this.key = configured ? parseBackupEncryptionKey(configured) : null;
  }

  get available(): boolean {
    return this.key !== null;
  }

  assertAvailable(): void {
    this.requireKey();
  }

  encryptor(): Transform {
    return createEncryptStream(this.requireKey());
  }

  decryptor(): Transform {
    return createDecryptStream(this.requireKey());
  }

  private requireKey(): Buffer {
    if (!this.key) throw new EncryptionKeyMissingError();
    return this.key;
  }
}
