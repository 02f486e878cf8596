import { Injectable } from '@nestjs/common';
import { type FileHandle, open } from 'node:fs/promises';
import { PassThrough, Readable, type Transform, type Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { BackupEncryption } from '../core/crypto/backup-encryption.js';
import { createOsPipe, type OsPipe } from '../core/process/os-pipe.js';
import { ProcessRunner } from '../core/process/process-runner.js';
import { type Compression, COMPRESSION_EXTENSIONS, Compressor, type StreamStage } from './compression.js';
import { DigestingStream } from './digesting-stream.js';
import { type FileDigest, digestGrowingFile } from './growing-file-digest.js';
import type { StoredObject } from './storage.js';
import { StorageRegistry } from './storage-registry.js';

export const ENCRYPTED_EXTENSION = '.enc';

/** How a backup file is written: where, under which key, compressed and encrypted how. */
export interface BackupFilePlan {
  storageTargetId: string | null;
  key: string;
  compression: Compression;
  encrypted: boolean;
}

/** The output of a running dump, and its own verdict. */
export interface DumpOutput {
  stdout: Readable;
  completed: Promise<void>;
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

/**
 * A stored dump read without this process (see openDumpPipe): zstd writes the original dump into a kernel pipe whose
 * read end `readFd` is for the restore tool.
 */
export interface PipedDump {
  readFd: number;
  /** Starts zstd on the file; call once the reader has started. Closes this process's ends of the pipe. */
  start(): void;
  /** Rejects with BackupIntegrityError if the stored file's size or sha256 differ from the record. */
  checksum: Promise<void>;
  /** Rejects if zstd failed (a reader that stopped early also makes it fail: judge the reader first). */
  decompressed: Promise<void>;
  /** Releases the pipe if start() was never called; safe to call more than once. */
  close(): void;
}

export class StorageWriteError extends Error {}

/** The stored file does not match its record: missing, truncated, altered. */
export class BackupIntegrityError extends Error {}

export function backupFileExtension(dumpExtension: string, compression: Compression, encrypted: boolean): string {
  return `${dumpExtension}${COMPRESSION_EXTENSIONS[compression]}${encrypted ? ENCRYPTED_EXTENSION : ''}`;
}

/**
 * Backup files end to end: dump → compression → encryption → sha256 → storage when writing, and the reverse
 * when reading, all streamed with back-pressure so memory does not grow with the database.
 */
@Injectable()
export class BackupFiles {
  constructor(
    private readonly compressor: Compressor,
    private readonly encryption: BackupEncryption,
    private readonly registry: StorageRegistry,
    private readonly processes: ProcessRunner,
  ) {}

  /**
   * Starts the dump with `startDump` and streams it into storage, committing the file only once the dump process
   * itself has succeeded: a dump that dies midway ends its output cleanly, and must not leave a complete-looking
   * file. On any failure the upload is aborted (nothing is left at the key) and the error is thrown; the caller
   * stops the dump process. `progress` receives the bytes stored so far.
   *
   * With zstd, the dump writes into a kernel pipe that zstd reads (see OsPipe). Otherwise everything the dump
   * writes into is made ready first, and its output is taken over right after it starts, with no I/O wait in
   * between: this process reads the child's pipe as soon as the event loop runs, and Node drains the output of a
   * child that exits unread, so any wait there could lose the first bytes of a fast dump (or all of them) while
   * the file would still be committed.
   */
  async store(
    startDump: (stdoutFd?: number) => Promise<DumpOutput>,
    plan: BackupFilePlan,
    signal: AbortSignal,
    progress?: (bytes: number) => void,
  ): Promise<StoredBackupFile> {
    if (plan.encrypted) this.encryption.assertAvailable();
    const storage = await this.registry.forTarget(plan.storageTargetId);
    const upload = await storage.createUpload(plan.key).catch((error: Error) => {
      throw new StorageWriteError(`Storage is not writable: ${error.message}`, { cause: error });
    });
    let file: FileHandle | undefined;
    let pipe: OsPipe | undefined;
    try {
      if (plan.compression === 'zstd') pipe = await createOsPipe(this.processes);
      const fastPath = upload.localPath !== undefined && pipe !== undefined && !plan.encrypted;
      if (fastPath) file = await this.openForZstd(upload.localPath!, upload.stream);
      const dump = await startDump(pipe?.writeFd);
      const writing = file
        ? this.compressIntoFile(pipe!, upload.localPath!, file, signal, progress)
        : this.streamInto(this.compressedDump(plan, dump, pipe, signal), plan, upload.stream, progress);
      const [written] = await Promise.all([writing, dump.completed]);
      const stored = await upload.commit().catch(wrapStorageError);
      if (stored.sizeBytes !== written.bytes) {
        throw new StorageWriteError(`Stored file has ${stored.sizeBytes} bytes, ${written.bytes} were written`);
      }
      return { ...stored, checksum: written.sha256 };
    } catch (error) {
      await upload.abort().catch(() => undefined);
      throw error;
    } finally {
      pipe?.close();
      await file?.close().catch(() => undefined);
    }
  }

  /** The dump's output as compressed bytes: zstd reading the dump's pipe, or a compression stage in Node. */
  private compressedDump(plan: BackupFilePlan, dump: DumpOutput, pipe: OsPipe | undefined, signal: AbortSignal): StreamStage {
    if (!pipe) return this.compressor.compress(plan.compression, dump.stdout, signal);
    const zstd = this.compressor.compressZstdFrom(pipe.readFd, signal);
    pipe.close();
    return zstd;
  }

  /** The general path: every stage after compression is a stream, hashed on the way to storage. */
  private async streamInto(
    compressed: StreamStage,
    plan: BackupFilePlan,
    sink: Writable,
    progress?: (bytes: number) => void,
  ): Promise<FileDigest> {
    const digest = new DigestingStream({ onProgress: progress });
    const stages: Array<Readable | Transform> = [compressed.output, ...this.encryptionStage(plan.encrypted), digest];
    await Promise.all([pipeline([...stages, sink]).catch(wrapStorageError), compressed.completed]);
    return { bytes: digest.bytes, sha256: digest.hex() };
  }

  /** The fast path writes through a descriptor of its own: the upload's stream is closed unused. */
  private async openForZstd(path: string, unusedStream: Writable): Promise<FileHandle> {
    unusedStream.end();
    await finished(unusedStream);
    return open(path, 'r+').catch((error: Error) => wrapStorageError(error));
  }

  /**
   * The fast path for the default (local file, zstd, not encrypted): the dump tool writes into a kernel pipe, zstd
   * reads it and writes the temporary file itself, so no byte passes through this process, while the file is
   * hashed, and flushed to disk, behind it. Once zstd has started, only the two children hold the pipe's ends:
   * zstd sees the end of its input when the dump exits, and the dump stops on EPIPE if zstd dies.
   * Measured on the benchmark (bench/results/backup.md): much closer to the shell pipeline than routing the bytes
   * through Node.
   */
  private async compressIntoFile(
    pipe: OsPipe,
    path: string,
    file: FileHandle,
    signal: AbortSignal,
    progress?: (bytes: number) => void,
  ): Promise<FileDigest> {
    const compressing = this.compressor.compressZstdToFile(pipe.readFd, file.fd, signal);
    pipe.close();
    const [, digest] = await Promise.all([compressing, digestGrowingFile(path, compressing, progress)]);
    return digest;
  }

  /**
   * Stores a small document (a backup's catalog) like a dump: same storage and encryption, hashed, committed only
   * once complete. Not compressed: it is a few kilobytes.
   */
  async storeDocument(content: Buffer, plan: Omit<BackupFilePlan, 'compression'>, signal: AbortSignal): Promise<StoredBackupFile> {
    const document = () => Promise.resolve({ stdout: Readable.from([content]), completed: Promise.resolve() });
    return this.store(document, { ...plan, compression: 'none' }, signal);
  }

  /** Reads a stored document back, checking its size and sha256 against the record and decrypting it. */
  async readDocument(file: Omit<BackupFileRecord, 'compression'>, signal: AbortSignal): Promise<Buffer> {
    const record = { ...file, compression: 'none' as const };
    await this.checkSize(record);
    const { output, completed } = await this.openDump(record, signal);
    const chunks: Buffer[] = [];
    for await (const chunk of output) chunks.push(chunk as Buffer);
    await completed;
    return Buffer.concat(chunks);
  }

  /** The stored file must exist with the recorded size (a cheap stat or HEAD, no read). */
  async checkSize(file: BackupFileRecord): Promise<number> {
    const storage = await this.registry.forTarget(file.storageTargetId);
    const size = await storage.size(requireKey(file));
    if (size === null) throw new BackupIntegrityError('Backup file is missing from storage');
    if (size !== Number(file.sizeBytes)) {
      throw new BackupIntegrityError(`Backup file has ${size} bytes, ${file.sizeBytes} were recorded (truncated or altered)`);
    }
    return size;
  }

  /** Re-reads the stored file: it must exist with the recorded size and sha256. */
  async verifyIntegrity(file: BackupFileRecord): Promise<void> {
    await this.checkSize(file);
    const storage = await this.registry.forTarget(file.storageTargetId);
    await pipeline(await storage.openRead(requireKey(file)), this.checksumVerifier(file), new PassThrough().resume());
  }

  /** A pass-through that fails at the end of the stream if the bytes' sha256 is not the recorded one. */
  checksumVerifier(file: Pick<BackupFileRecord, 'checksum'>, holdLastChunk = false): Transform {
    return new DigestingStream({
      expectSha256: file.checksum,
      holdLastChunk,
      mismatch: () => new BackupIntegrityError('Backup file checksum does not match the record (altered)'),
    });
  }

  /**
   * The original dump, read back from storage: decrypted, decompressed. The stored bytes are hashed on the way
   * and `completed` rejects with BackupIntegrityError if they differ from the record.
   */
  async openDump(file: BackupFileRecord, signal: AbortSignal): Promise<StreamStage> {
    const storage = await this.registry.forTarget(file.storageTargetId);
    const stored = await storage.openRead(requireKey(file));
    const plain = new PassThrough();
    // With the signal, an abort (timeout, client gone, shutdown) also closes the stored file.
    const read = pipeline([stored, this.checksumVerifier(file), ...this.decryptionStage(file.encrypted), plain], { signal });
    const decompressed = this.compressor.decompress(file.compression, plain, signal);
    return { output: decompressed.output, completed: Promise.all([read, decompressed.completed]).then(() => undefined) };
  }

  /**
   * The fast path to a restore tool, for the default kind of file (local, zstd, not encrypted); null for any other
   * (use openDump). zstd reads the stored file itself and writes into a kernel pipe, so no byte passes through this
   * process, while a nice-19 thread hashes the file beside it (see digestGrowingFile): the checksum costs no pass of
   * its own.
   */
  async openDumpPipe(file: BackupFileRecord, signal: AbortSignal): Promise<PipedDump | null> {
    if (file.storageTargetId !== null || file.compression !== 'zstd' || file.encrypted) return null;
    await this.checkSize(file);
    const path = this.registry.local.pathOf(requireKey(file));
    const pipe = await createOsPipe(this.processes);
    let decompressed: Promise<void> | undefined;
    const start = () => {
      decompressed ??= this.compressor.decompressZstdFile(path, pipe.writeFd, signal);
      pipe.close();
    };
    const checksum = digestGrowingFile(path, Promise.resolve()).then((digest) => {
      if (digest.bytes !== Number(file.sizeBytes) || digest.sha256 !== file.checksum) {
        throw new BackupIntegrityError('Backup file checksum does not match the record (altered)');
      }
    });
    checksum.catch(() => undefined);
    return {
      readFd: pipe.readFd,
      start,
      checksum,
      get decompressed() {
        return decompressed ?? Promise.reject(new Error('zstd was not started'));
      },
      close: () => pipe.close(),
    };
  }

  /** The stored bytes, as they are (for downloads). */
  async openStored(file: BackupFileRecord): Promise<Readable> {
    const storage = await this.registry.forTarget(file.storageTargetId);
    return storage.openRead(requireKey(file));
  }

  async delete(file: Pick<BackupFileRecord, 'storageTargetId' | 'storageKey'>): Promise<void> {
    if (!file.storageKey) return;
    const storage = await this.registry.forTarget(file.storageTargetId);
    await storage.delete(file.storageKey);
  }

  private encryptionStage(encrypted: boolean): Transform[] {
    return encrypted ? [this.encryption.encryptor()] : [];
  }

  private decryptionStage(encrypted: boolean): Transform[] {
    return encrypted ? [this.encryption.decryptor()] : [];
  }
}

function requireKey(file: BackupFileRecord): string {
  if (!file.storageKey) throw new BackupIntegrityError('Backup has no stored file');
  return file.storageKey;
}

function wrapStorageError(error: Error): never {
  if (error instanceof StorageWriteError) throw error;
  throw new StorageWriteError(`Writing the backup file failed: ${error.message}`, { cause: error });
}
