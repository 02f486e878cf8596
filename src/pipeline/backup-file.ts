import type { Compression } from '../storage/compression.js';
import { COMPRESSION_EXTENSIONS } from '../storage/compression.js';
import type { StoredObject } from '../storage/storage.js';

export const ENCRYPTED_EXTENSION = '.enc';

/** How a backup file is written: where, under which key, compressed and encrypted how. */
export interface BackupFilePlan {
  storageTargetId: string | null;
  key: string;
  compression: Compression;
  encrypted: boolean;
}

/** A stored backup file as its record describes it. */
export interface BackupFileRecord {
  storageTargetId: string | null;
  storageKey: string | null;
  sizeBytes: string | number | null;
  checksum: string | null;
  compression: Compression;
  encrypted: boolean;
}

export interface StoredBackupFile extends StoredObject {
  checksum: string;
}

export class StorageWriteError extends Error {}

/** The stored file does not match its record: missing, truncated, altered. */
export class BackupIntegrityError extends Error {}

export function backupFileExtension(dumpExtension: string, compression: Compression, encrypted: boolean): string {
  return `${dumpExtension}${COMPRESSION_EXTENSIONS[compression]}${encrypted ? ENCRYPTED_EXTENSION : ''}`;
}

export function requireKey(file: Pick<BackupFileRecord, 'storageKey'>): string {
  if (!file.storageKey) throw new BackupIntegrityError('Backup has no stored file');
  return file.storageKey;
}

export function wrapStorageError(error: Error): never {
  if (error instanceof StorageWriteError) throw error;
  throw new StorageWriteError(`Writing the backup file failed: ${error.message}`, { cause: error });
}
