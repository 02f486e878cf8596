import type { Readable, Writable } from 'node:stream';

/** Where a finished upload ended up. */
export interface StoredObject {
  key: string;
  /** What the API shows as fileLocation: an absolute path, or a URL for remote storage. */
  location: string;
  sizeBytes: number;
}

/**
 * An upload in progress. Bytes written to `stream` become visible at `key` only after `commit()`;
 * `abort()` leaves nothing behind.
 */
export interface PendingUpload {
  stream: Writable;
  /**
   * Set by storage backed by a local file: its temporary path, which a child process may write to directly instead
   * of `stream` (then `stream` is ended unused before commit).
   */
  localPath?: string;
  commit(): Promise<StoredObject>;
  abort(): Promise<void>;
}

export interface BackupStorage {
  readonly kind: string;
  createUpload(key: string): Promise<PendingUpload>;
  openRead(key: string): Promise<Readable>;
  size(key: string): Promise<number | null>;
  delete(key: string): Promise<void>;
  /** Throws when the storage cannot be written to. */
  checkWritable(): Promise<void>;
  /** Releases connections, when the storage holds any. */
  destroy?(): void;
}
