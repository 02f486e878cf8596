import type { FileHandle } from 'node:fs/promises';
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

/**
 * An upload written through a file descriptor rather than a stream, so that a child process (zstd) can write the
 * object itself. `file` is open for reading too, so the bytes can be hashed behind the writer. Like a PendingUpload,
 * the object appears at its key only on `commit()`, and `abort()` leaves nothing behind.
 */
export interface FileUpload {
  file: FileHandle;
  commit(): Promise<StoredObject>;
  abort(): Promise<void>;
}

/** What storage whose objects are files on this machine also offers: objects read and written through descriptors. */
export interface FileBackedStorage {
  createFileUpload(key: string): Promise<FileUpload>;
  /** The stored object, open for reading (a child process can read it from the descriptor). */
  openFile(key: string): Promise<FileHandle>;
}

export function isFileBacked(storage: BackupStorage): storage is BackupStorage & FileBackedStorage {
  const candidate = storage as Partial<FileBackedStorage>;
  return typeof candidate.createFileUpload === 'function' && typeof candidate.openFile === 'function';
}
