import { Injectable } from '@nestjs/common';
import type { FileHandle } from 'node:fs/promises';
import { ProcessRunner } from '../core/process/process-runner.js';
import type { DatabaseEngine, RestorePlan, ToolCommand } from '../engines/engine.js';
import { type BackupFileRecord, BackupIntegrityError } from './backup-file.js';
import { Compressor } from './compressor.js';
import { feedStdin } from './feed-stdin.js';
import { digestGrowingFile } from './growing-file-digest.js';
import { createOsPipe, type OsPipe } from './os-pipe.js';
import { watchReadOffset } from './read-offset.js';
import { StoredBackupFiles } from './stored-backup-files.js';
import { ToolRunner } from './tool-runner.js';

export interface ReplayOptions {
  /** Receives the running count of stored bytes read into the restore (the bytes actually fed, not checked ahead). */
  progress?: (bytes: number) => void;
  /**
   * The restore tool may stop reading once it has what it needs (a partial restore's list): zstd writing into its
   * pipe then dies of SIGPIPE, which is no failure when the tool succeeded. The file's checksum is judged all the same.
   */
  toolMayStopEarly?: boolean;
}

/**
 * Where a restore reads its dump: the stored file → sha256 → decryption → decompression → the engine's restore tool.
 * A file that differs from its record fails the restore, after the fact if need be (the copy is in a fresh database
 * that is then dropped, so the target never sees it).
 */
@Injectable()
export class RestorePipeline {
  constructor(
    private readonly compressor: Compressor,
    private readonly processes: ProcessRunner,
    private readonly tools: ToolRunner,
    private readonly files: StoredBackupFiles,
  ) {}

  /**
   * Feeds the stored dump to the engine's restore tool into `plan.freshDatabase`; returns the tool's version. The
   * default file (local, zstd, not encrypted) goes through a kernel pipe from zstd to the tool, hashed beside it; any
   * other is streamed through this process, checked first, decrypted and decompressed. On failure every process it
   * started has exited; a stored file that differs from its record throws BackupIntegrityError.
   */
  async replay(engine: DatabaseEngine, plan: RestorePlan, file: BackupFileRecord, signal: AbortSignal, options: ReplayOptions = {}): Promise<string> {
    const stop = new AbortController();
    const replaying = AbortSignal.any([signal, stop.signal]);
    const stored = engine.restoresFromDescriptor ? await this.files.openZstdFile(file) : null;
    try {
      if (stored) return await this.replayPiped(engine, plan, file, stored, replaying, options);
      return await this.replayStreamed(engine, plan, file, replaying, stop, options.progress);
    } catch (error) {
      stop.abort();
      throw error;
    } finally {
      await stored?.close().catch(() => undefined);
    }
  }

  /**
   * zstd reads the stored file itself and writes into a kernel pipe that the restore tool reads, so no byte passes
   * through this process, while the file is hashed beside it: the checksum costs no pass of its own. The file's
   * integrity is judged first, then the restore tool, then zstd (which fails too when the tool stops early).
   */
  /** One database tool's output piped into another's input (see ToolRunner.transfer): a table copied between databases. */
  transfer(from: ToolCommand, to: ToolCommand, signal: AbortSignal): Promise<void> {
    return this.tools.transfer(from, to, signal);
  }

  private async replayPiped(
    engine: DatabaseEngine,
    plan: RestorePlan,
    file: BackupFileRecord,
    stored: FileHandle,
    signal: AbortSignal,
    { progress, toolMayStopEarly }: ReplayOptions,
  ): Promise<string> {
    const hashing = new AbortController();
    const checksum = digestGrowingFile(stored.fd, Promise.resolve(), { signal: hashing.signal }).then((digest) => {
      if (digest.bytes !== Number(file.sizeBytes) || digest.sha256 !== file.checksum) {
        throw new BackupIntegrityError('Backup file checksum does not match the record (altered)');
      }
    });
    checksum.catch(() => undefined);
    let pipe: OsPipe | undefined;
    // zstd reads the file through this descriptor: its offset is how far the restore has read.
    const stopWatching = progress ? watchReadOffset(stored.fd, progress) : () => undefined;
    try {
      pipe = await createOsPipe(this.processes);
      const session = await this.tools.startRestore(engine, plan, signal, pipe.readFd);
      const decompressing = this.compressor.decompressZstdFrom(stored.fd, pipe.writeFd, signal);
      const decompressed = toolMayStopEarly ? decompressing.catch((error: Error) => brokenPipeAfter(session.completed, error)) : decompressing;
      pipe.close();
      const outcomes = await Promise.allSettled([checksum, session.completed, decompressed]);
      for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
      return session.toolVersion;
    } finally {
      stopWatching();
      pipe?.close();
      // The hashing thread reads this process's descriptor of the file: it stops before the file is closed.
      hashing.abort();
      await checksum.catch(() => undefined);
    }
  }

  private async replayStreamed(
    engine: DatabaseEngine,
    plan: RestorePlan,
    file: BackupFileRecord,
    signal: AbortSignal,
    stop: AbortController,
    progress?: (bytes: number) => void,
  ): Promise<string> {
    await this.files.verifyIntegrity(file);
    const session = await this.tools.startRestore(engine, plan, signal);
    try {
      const dump = await this.files.openDump(file, signal, progress);
      // The restore tool's exit status is the verdict; if it stops reading early, the rest is drained.
      await Promise.all([feedStdin(dump.output, session.stdin!), dump.completed, session.completed]);
      return session.toolVersion;
    } catch (error) {
      stop.abort();
      await session.completed.catch(() => undefined);
      throw error;
    }
  }
}

/** zstd's SIGPIPE once the tool that read its pipe has succeeded; any other failure stands. */
async function brokenPipeAfter(toolCompleted: Promise<void>, error: Error): Promise<void> {
  const toolSucceeded = await toolCompleted.then(
    () => true,
    () => false,
  );
  if (!toolSucceeded || !/SIGPIPE/.test(error.message)) throw error;
}
