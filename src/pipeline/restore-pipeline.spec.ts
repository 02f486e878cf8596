import { describe, expect, it } from '@jest/globals';
import { PassThrough, Readable } from 'node:stream';
import { ProcessRunner } from '../core/process/process-runner.js';
import type { DatabaseEngine, RestorePlan } from '../engines/engine.js';
import { type BackupFileRecord, BackupIntegrityError } from './backup-file.js';
import { Compressor } from './compressor.js';
import { RestorePipeline } from './restore-pipeline.js';
import type { StoredBackupFiles } from './stored-backup-files.js';
import { type RestoreSession, ToolRunner } from './tool-runner.js';

/** A restore tool the test controls: it collects its stdin and ends when told. */
class FakeToolRunner extends ToolRunner {
  readonly received: Buffer[] = [];
  started = false;
  signal?: AbortSignal;
  private finish!: (error?: Error) => void;
  readonly completed = new Promise<void>((resolve, reject) => {
    this.finish = (error) => (error ? reject(error) : resolve());
  });

  constructor(private readonly exitWhenFed = true) {
    super(new ProcessRunner());
    this.completed.catch(() => undefined);
  }

  override async startRestore(_engine: DatabaseEngine, _plan: RestorePlan, signal: AbortSignal): Promise<RestoreSession> {
    this.started = true;
    this.signal = signal;
    const stdin = new PassThrough();
    stdin.on('data', (chunk: Buffer) => this.received.push(chunk));
    if (this.exitWhenFed) stdin.on('end', () => this.finish());
    signal.addEventListener('abort', () => this.finish(new Error('pg_restore was killed by SIGTERM')), { once: true });
    return { stdin, completed: this.completed, toolVersion: 'pg_restore 15.4' };
  }
}

const file = { storageTargetId: 'remote', storageKey: 'k', compression: 'gzip', encrypted: true } as BackupFileRecord;
const engine = { restoresFromDescriptor: true } as DatabaseEngine;
const plan = {} as RestorePlan;

function storedFiles(overrides: Partial<StoredBackupFiles>, events: string[]): StoredBackupFiles {
  return {
    openZstdFile: async () => null,
    verifyIntegrity: async () => {
      events.push('integrity checked');
    },
    openDump: async () => ({ output: Readable.from([Buffer.from('dump '), Buffer.from('bytes')]), completed: Promise.resolve() }),
    ...overrides,
  } as unknown as StoredBackupFiles;
}

function pipelineWith(files: StoredBackupFiles, tools: ToolRunner): RestorePipeline {
  const processes = new ProcessRunner();
  return new RestorePipeline(new Compressor(processes), processes, tools, files);
}

describe('RestorePipeline.replay, streamed (a file the restore tool cannot read from a descriptor)', () => {
  it('checks the whole stored file first, then feeds the dump to the tool and returns its version', async () => {
    const events: string[] = [];
    const tools = new FakeToolRunner();
    const files = storedFiles({}, events);
    const version = await pipelineWith(files, tools).replay(engine, plan, file, new AbortController().signal);
    expect(version).toBe('pg_restore 15.4');
    expect(events).toEqual(['integrity checked']);
    expect(Buffer.concat(tools.received).toString()).toBe('dump bytes');
  });

  it('starts no tool when the stored file differs from its record', async () => {
    const tools = new FakeToolRunner();
    const files = storedFiles(
      {
        verifyIntegrity: async () => {
          throw new BackupIntegrityError('Backup file checksum does not match the record (altered)');
        },
      },
      [],
    );
    await expect(pipelineWith(files, tools).replay(engine, plan, file, new AbortController().signal)).rejects.toBeInstanceOf(
      BackupIntegrityError,
    );
    expect(tools.started).toBe(false);
  });

  it('stops the tool, and waits for it, when reading the dump fails', async () => {
    const tools = new FakeToolRunner(false);
    const output = new PassThrough();
    const files = storedFiles(
      { openDump: async () => ({ output, completed: Promise.reject(new Error('decryption failed')) }) },
      [],
    );
    await expect(pipelineWith(files, tools).replay(engine, plan, file, new AbortController().signal)).rejects.toThrow('decryption failed');
    expect(tools.signal!.aborted).toBe(true);
    await expect(tools.completed).rejects.toThrow(/SIGTERM/);
  });
});
