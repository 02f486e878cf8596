import { Injectable } from '@nestjs/common';
import { Readable, type Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BackupEncryption } from '../core/crypto/backup-encryption.js';
import { ProcessRunner } from '../core/process/process-runner.js';
import type { BackupCatalog } from '../engines/backup-catalog.js';
import type { ConnectionTarget, DatabaseEngine } from '../engines/engine.js';
import type { BackupStorage, FileBackedStorage } from '../storage/storage.js';
import { isFileBacked } from '../storage/storage.js';
import { StorageRegistry } from '../storage/storage-registry.js';
import { type BackupFilePlan, type StoredBackupFile, StorageWriteError, wrapStorageError } from './backup-file.js';
import { Compressor, type StreamStage } from './compressor.js';
import { DigestingStream } from './digesting-stream.js';
import { type FileDigest, digestGrowingFile } from './growing-file-digest.js';
import { createOsPipe, type OsPipe } from './os-pipe.js';
import { StoredBackupFiles } from './stored-backup-files.js';
import { type DumpSession, ToolRunner } from './tool-runner.js';

/** One backup to take: the engine and target to dump, where the file and its catalog go, and whom to tell. */
export interface BackupRequest {
  engine: DatabaseEngine;
  target: ConnectionTarget;
  file: BackupFilePlan;
  /** The catalog sidecar's key (stored beside the dump, encrypted like it). */
  catalogKey: string;
  signal: AbortSignal;
  /** Called once the dump tool has started. */
  onDumpStarted?: () => void;
  /** Receives the bytes stored so far. */
  progress?: (bytes: number) => void;
}

export interface StoredBackup {
  file: StoredBackupFile;
  catalogFile: StoredBackupFile;
  catalog: BackupCatalog;
  serverVersion: string;
  toolVersion: string;
}

/** The engine recorded no catalog beside the dump: a backup that cannot be checked on restore fails. */
export class BackupCatalogError extends Error {
  readonly transient = false;
}

/** The output of a running dump, and its own verdict. */
interface DumpOutput {
  stdout: Readable;
  completed: Promise<void>;
}

/**
 * Where a dump happens: the engine's dump tool → compression → encryption → sha256 → storage, committed only once
 * the dump tool itself has succeeded, then the catalog the engine recorded beside it, stored as a sidecar.
 */
@Injectable()
export class BackupPipeline {
  constructor(
    private readonly compressor: Compressor,
    private readonly encryption: BackupEncryption,
    private readonly registry: StorageRegistry,
    private readonly processes: ProcessRunner,
    private readonly tools: ToolRunner,
    private readonly files: StoredBackupFiles,
  ) {}

  /**
   * Takes one backup. On any failure nothing is left in storage, the dump tool has exited and the engine's catalog
   * session has ended (a count may wait on a lock that a closed socket would not release), and the error is thrown.
   */
  async run(request: BackupRequest): Promise<StoredBackup> {
    const stop = new AbortController();
    const signal = AbortSignal.any([request.signal, stop.signal]);
    let session: DumpSession | undefined;
    const startDump = async (stdoutFd?: number): Promise<DumpSession> => {
      session = await this.tools.startDump(request.engine, request.target, signal, stdoutFd);
      request.onDumpStarted?.();
      return session;
    };
    try {
      const file = await this.store(startDump, request.file, signal, request.progress);
      const catalogPlan = { ...request.file, key: request.catalogKey };
      const { catalog, catalogFile } = await this.storeCatalog(session!, catalogPlan, signal).catch(async (error: Error) => {
        await this.files.delete({ storageTargetId: request.file.storageTargetId, storageKey: file.key }).catch(() => undefined);
        throw error;
      });
      return { file, catalogFile, catalog, serverVersion: session!.serverVersion, toolVersion: session!.toolVersion };
    } catch (error) {
      stop.abort();
      await session?.completed.catch(() => undefined);
      await session?.catalog.catch(() => undefined);
      throw error;
    }
  }

  /**
   * The manifest, database properties and accounts the engine recorded beside the dump, stored as a sidecar file.
   * A backup without them cannot be checked on restore, so it fails.
   */
  private async storeCatalog(
    session: DumpSession,
    plan: BackupFilePlan,
    signal: AbortSignal,
  ): Promise<{ catalog: BackupCatalog; catalogFile: StoredBackupFile }> {
    const catalog = await session.catalog.catch((error: Error) => {
      throw new BackupCatalogError(`Recording the backup's manifest failed: ${error.message}`);
    });
    const catalogFile = await this.storeDocument(Buffer.from(JSON.stringify(catalog)), plan, signal);
    return { catalog, catalogFile };
  }

  /**
   * Stores a small document (a backup's catalog) like a dump: same storage and encryption, hashed, committed only
   * once complete. Not compressed: it is a few kilobytes.
   */
  private async storeDocument(content: Buffer, plan: BackupFilePlan, signal: AbortSignal): Promise<StoredBackupFile> {
    const document = () => Promise.resolve({ stdout: Readable.from([content]), completed: Promise.resolve() });
    return this.store(document, { ...plan, compression: 'none' }, signal);
  }

  /**
   * Starts the dump with `startDump` and streams it into storage, committing the file only once the dump process
   * itself has succeeded: a dump that dies midway ends its output cleanly, and must not leave a complete-looking
   * file. On any failure the upload is aborted (nothing is left at the key) and the error is thrown.
   *
   * The default kind of file (zstd, not encrypted, storage on this machine) takes the fast path (storeThroughFile).
   * Otherwise everything the dump writes into is made ready first, and its output is taken over right after it
   * starts, with no I/O wait in between: this process reads the child's pipe as soon as the event loop runs, and
   * Node drains the output of a child that exits unread, so any wait there could lose the first bytes of a fast
   * dump (or all of them) while the file would still be committed.
   */
  private async store(
    startDump: (stdoutFd?: number) => Promise<DumpOutput>,
    plan: BackupFilePlan,
    signal: AbortSignal,
    progress?: (bytes: number) => void,
  ): Promise<StoredBackupFile> {
    if (plan.encrypted) this.encryption.assertAvailable();
    const storage = await this.registry.forTarget(plan.storageTargetId);
    if (plan.compression === 'zstd' && !plan.encrypted && isFileBacked(storage)) {
      return this.storeThroughFile(storage, startDump, plan, signal, progress);
    }
    return this.storeStreamed(storage, startDump, plan, signal, progress);
  }

  /**
   * The fast path for the default kind of file: the dump tool writes into a kernel pipe (see OsPipe), zstd reads it
   * and writes the temporary file itself through a descriptor, so no byte passes through this process, while the
   * file is hashed, and flushed to disk, behind it. Once zstd has started, only the two children hold the pipe's
   * ends: zstd sees the end of its input when the dump exits, and the dump stops on EPIPE if zstd dies.
   * Measured on the benchmark (bench/results/backup.md): much closer to the shell pipeline than routing the bytes
   * through Node.
   */
  private async storeThroughFile(
    storage: FileBackedStorage,
    startDump: (stdoutFd?: number) => Promise<DumpOutput>,
    plan: BackupFilePlan,
    signal: AbortSignal,
    progress?: (bytes: number) => void,
  ): Promise<StoredBackupFile> {
    const upload = await storage.createFileUpload(plan.key).catch(notWritable);
    let pipe: OsPipe | undefined;
    try {
      pipe = await createOsPipe(this.processes);
      const dump = await startDump(pipe.writeFd);
      const compressing = this.compressor.compressZstdToFile(pipe.readFd, upload.file.fd, signal);
      pipe.close();
      const hashing = digestGrowingFile(upload.file.fd, compressing, { onProgress: progress });
      const [[, written]] = await Promise.all([Promise.all([compressing, hashing]), dump.completed]);
      return await commit(upload, written);
    } catch (error) {
      await upload.abort().catch(() => undefined);
      throw error;
    } finally {
      pipe?.close();
    }
  }

  /** The general path: compression (zstd reading the dump's kernel pipe, or in Node) → encryption → sha256 → storage. */
  private async storeStreamed(
    storage: BackupStorage,
    startDump: (stdoutFd?: number) => Promise<DumpOutput>,
    plan: BackupFilePlan,
    signal: AbortSignal,
    progress?: (bytes: number) => void,
  ): Promise<StoredBackupFile> {
    const upload = await storage.createUpload(plan.key).catch(notWritable);
    let pipe: OsPipe | undefined;
    try {
      if (plan.compression === 'zstd') pipe = await createOsPipe(this.processes);
      const dump = await startDump(pipe?.writeFd);
      const compressed = this.compressedDump(plan, dump, pipe, signal);
      const [written] = await Promise.all([this.streamInto(compressed, plan, upload.stream, progress), dump.completed]);
      return await commit(upload, written);
    } catch (error) {
      await upload.abort().catch(() => undefined);
      throw error;
    } finally {
      pipe?.close();
    }
  }

  /** The dump's output as compressed bytes: zstd reading the dump's pipe, or a compression stage in Node. */
  private compressedDump(plan: BackupFilePlan, dump: DumpOutput, pipe: OsPipe | undefined, signal: AbortSignal): StreamStage {
    if (!pipe) return this.compressor.compress(plan.compression, dump.stdout, signal);
    const zstd = this.compressor.compressZstdFrom(pipe.readFd, signal);
    pipe.close();
    return zstd;
  }

  /** Every stage after compression is a stream, hashed on the way to storage. */
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

  private encryptionStage(encrypted: boolean): Transform[] {
    return encrypted ? [this.encryption.encryptor()] : [];
  }
}

function notWritable(error: Error): never {
  throw new StorageWriteError(`Storage is not writable: ${error.message}`, { cause: error });
}

/** Makes the upload visible at its key, once its stored size is the size written. */
async function commit(
  upload: { commit(): Promise<{ key: string; location: string; sizeBytes: number }> },
  written: FileDigest,
): Promise<StoredBackupFile> {
  const stored = await upload.commit().catch(wrapStorageError);
  if (stored.sizeBytes !== written.bytes) {
    throw new StorageWriteError(`Stored file has ${stored.sizeBytes} bytes, ${written.bytes} were written`);
  }
  return { ...stored, checksum: written.sha256 };
}
