import { Injectable } from '@nestjs/common';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ProcessRunner, type RunningProcess, type RunOptions, stderrTail } from '../core/process/process-runner.js';
import { writeSecretFile } from '../core/process/secret-file.js';
import type { BackupCatalog } from '../engines/backup-catalog.js';
import {
  type ArchiveObject,
  type ArchiveReader,
  type ConnectionTarget,
  type DatabaseEngine,
  type RestorePlan,
  TargetDatabaseError,
  type ToolCommand,
} from '../engines/engine.js';
import { feedStdin } from './feed-stdin.js';

/**
 * A dump in progress. `stdout` is the uncompressed dump (empty when the tool writes to a descriptor); read it to the
 * end, then await `completed`, which rejects with TargetDatabaseError on failure.
 */
export interface DumpSession {
  stdout: Readable;
  completed: Promise<void>;
  serverVersion: string;
  toolVersion: string;
  /**
   * What is recorded beside the dump (manifest, database properties, accounts, warnings). Settles after
   * `completed`; rejects if the dump fails or is aborted (the engine releases its connections either way).
   */
  catalog: Promise<BackupCatalog>;
}

/**
 * A restore in progress: write the uncompressed dump to `stdin`, end it, then await `completed`. `stdin` is null when
 * the tool reads a descriptor it was given.
 */
export interface RestoreSession {
  stdin: Writable | null;
  completed: Promise<void>;
  toolVersion: string;
}

/**
 * Runs what the engines describe: the dump tool, the restore tool, the archive check. Each tool gets its credentials
 * in a 0600 file (removed when it exits), never in argv or env; a failure is reported as the engine classifies it.
 */
@Injectable()
export class ToolRunner {
  constructor(private readonly processes: ProcessRunner) {}

  /** Starts the engine's dump of `target`; with `stdoutFd`, the tool writes to that descriptor (see OsPipe). */
  async startDump(engine: DatabaseEngine, target: ConnectionTarget, signal: AbortSignal, stdoutFd?: number): Promise<DumpSession> {
    const dump = await engine.prepareDump(target, signal);
    let started: { process: RunningProcess; completed: Promise<void> };
    try {
      started = await this.run(dump.tool, { signal, stdoutFd });
    } catch (error) {
      await dump.release();
      throw error;
    }
    return {
      stdout: started.process.stdout,
      completed: started.completed,
      serverVersion: dump.serverVersion,
      toolVersion: dump.tool.version,
      catalog: dump.recordCatalog(started.completed),
    };
  }

  /**
   * Starts the engine's restore tool into `plan.freshDatabase`, reading from `stdinFd` when given (only for an engine
   * that restoresFromDescriptor). Otherwise `stdin` takes the dump, through the engine's filter and rewriter if it has them;
   * `completed` then settles once both the rewriting and the tool are done.
   */
  async startRestore(engine: DatabaseEngine, plan: RestorePlan, signal: AbortSignal, stdinFd?: number): Promise<RestoreSession> {
    const { tool, filter, rewriter } = await engine.prepareRestore(plan);
    const input = stdinFd === undefined ? { stdin: true } : { stdinFd };
    const { process, completed } = await this.run(tool, { signal, ...input });
    process.stdout.resume();
    const stages = [filter, rewriter].filter((stage) => stage !== undefined);
    if (stages.length === 0) return { stdin: process.stdin, completed, toolVersion: tool.version };
    const piped = pipeline([...stages, process.stdin!]).then(
      () => null,
      (error: unknown) => error,
    );
    const both = completed.then(async () => {
      const pipeError = await piped;
      if (pipeError) throw new TargetDatabaseError(`Restore input failed: ${(pipeError as Error).message}`, false);
    });
    return { stdin: stages[0]!, completed: both, toolVersion: tool.version };
  }

  /** Reads an uncompressed dump to its end and throws if it is not a complete, readable archive. */
  async validateArchive(engine: DatabaseEngine, dump: Readable, signal: AbortSignal): Promise<void> {
    // `dump` may be the stdout of a child (zstd) that exits while the check is looked up; Node then drains the
    // stdout of an exited child that nobody reads, and the bytes would be lost. Reading it at once keeps them.
    // A pipeline, not pipe(): a failure of `dump` (checksum, decryption, decompression) must end `held` too, or
    // the checking tool would wait on its stdin for ever.
    const held = new PassThrough();
    pipeline(dump, held).catch(() => undefined);
    const check = await engine.archiveCheck();
    if (check.kind === 'reader') return check.read(held, signal);
    const tool = this.processes.run(check.file, check.args, { stdin: true, signal });
    tool.stdout.resume();
    const [, result] = await Promise.all([feedStdin(held, tool.stdin!), tool.exited]);
    if (result.code !== 0) throw check.failure(result.stderr.trim() || `exit ${result.signal ?? result.code}`);
  }

  /**
   * Reads an uncompressed dump to its end and returns the objects it holds, as the engine lists them (pg_restore
   * --list, or a scan in this process); throws if the archive cannot be read.
   */
  async listContents(engine: DatabaseEngine, dump: Readable, signal: AbortSignal): Promise<ArchiveObject[]> {
    // Held at once, as in validateArchive: the bytes of a child that exits meanwhile must not be lost.
    const held = new PassThrough();
    pipeline(dump, held).catch(() => undefined);
    const listing = await engine.prepareContents();
    if (listing.kind === 'reader') return listing.read(held, signal);
    const tool = this.processes.run(listing.file, listing.args, { stdin: true, signal });
    const objects: ArchiveObject[] = [];
    const lines = createInterface({ input: tool.stdout, crlfDelay: Infinity });
    const parsed = (async () => {
      for await (const line of lines) {
        const object = listing.parse(line);
        if (object) objects.push(object);
      }
    })();
    const [, result] = await Promise.all([feedStdin(held, tool.stdin!), tool.exited, parsed]);
    if (result.code !== 0) throw listing.failure(result.stderr.trim() || `exit ${result.signal ?? result.code}`);
    return objects;
  }

  /** Reads an uncompressed dump to its end through a tool that needs no database; returns what the tool printed. */
  async readWithTool(reader: ArchiveReader, dump: Readable, signal: AbortSignal): Promise<string> {
    const held = new PassThrough();
    pipeline(dump, held).catch(() => undefined);
    const tool = this.processes.run(reader.file, reader.args, { stdin: true, signal });
    const chunks: Buffer[] = [];
    tool.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    const [, result] = await Promise.all([feedStdin(held, tool.stdin!), tool.exited]);
    if (result.code !== 0) throw reader.failure(stderrTail(result.stderr) || `exit ${result.signal ?? result.code}`);
    return Buffer.concat(chunks).toString('utf8');
  }

  /**
   * Pipes one tool's output into another's input (a dump into a restore, database to database), streamed; settles
   * once both have succeeded. If either fails, the other is stopped; the first failure is thrown.
   */
  async transfer(from: ToolCommand, to: ToolCommand, signal: AbortSignal): Promise<void> {
    const stop = new AbortController();
    const stopping = AbortSignal.any([signal, stop.signal]);
    const restore = await this.run(to, { signal: stopping, stdin: true });
    restore.process.stdout.resume();
    let dump: { process: RunningProcess; completed: Promise<void> };
    try {
      dump = await this.run(from, { signal: stopping });
    } catch (error) {
      stop.abort();
      await restore.completed.catch(() => undefined);
      throw error;
    }
    const outcomes = await Promise.allSettled([
      dump.completed.catch((error: unknown) => {
        stop.abort();
        throw error;
      }),
      feedStdin(dump.process.stdout, restore.process.stdin!),
      restore.completed.catch((error: unknown) => {
        stop.abort();
        throw error;
      }),
    ]);
    for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
  }

  /** Runs a tool with its credentials in a 0600 file that is removed when the tool exits. */
  private async run(tool: ToolCommand, options: RunOptions): Promise<{ process: RunningProcess; completed: Promise<void> }> {
    const credentials = await writeSecretFile(tool.credentials.name, tool.credentials.content);
    let process: RunningProcess;
    try {
      process = this.processes.run(tool.file, tool.args(credentials.path), { ...options, env: tool.env(credentials.path) });
    } catch (error) {
      await credentials.remove();
      throw error;
    }
    const name = path.basename(tool.file);
    const completed = process.exited.then(async (result) => {
      await credentials.remove();
      if (result.code === 0) return;
      throw tool.failure(stderrTail(result.stderr) || `${name} exited with ${result.signal ?? result.code}`);
    });
    return { process, completed };
  }
}
