import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { PassThrough, Readable, Writable } from 'node:stream';
import type { BackupEncryption } from '../core/crypto/backup-encryption.js';
import { ProcessRunner } from '../core/process/process-runner.js';
import type { BackupCatalog } from '../engines/backup-catalog.js';
import type { ConnectionTarget, DatabaseEngine } from '../engines/engine.js';
import type { BackupStorage, PendingUpload, StoredObject } from '../storage/storage.js';
import type { StorageRegistry } from '../storage/storage-registry.js';
import type { BackupFilePlan } from './backup-file.js';
import { BackupCatalogError, BackupPipeline } from './backup-pipeline.js';
import { Compressor } from './compressor.js';
import type { StoredBackupFiles } from './stored-backup-files.js';
import { type DumpSession, ToolRunner } from './tool-runner.js';

/** Objects in memory: visible only once committed. */
class MemoryStorage implements BackupStorage {
  readonly kind = 'memory';
  readonly objects = new Map<string, Buffer>();
  readonly aborted: string[] = [];

  async createUpload(key: string): Promise<PendingUpload> {
    const chunks: Buffer[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        callback();
      },
    });
    return {
      stream,
      commit: async (): Promise<StoredObject> => {
        const content = Buffer.concat(chunks);
        this.objects.set(key, content);
        return { key, location: `memory://${key}`, sizeBytes: content.length };
      },
      abort: async () => {
        this.aborted.push(key);
      },
    };
  }

  async openRead(key: string): Promise<Readable> {
    return Readable.from([this.objects.get(key)!]);
  }

  async size(key: string): Promise<number | null> {
    return this.objects.get(key)?.length ?? null;
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }

  async checkWritable(): Promise<void> {}
}

/** Hands out a dump session the test controls, instead of starting a tool. */
class FakeToolRunner extends ToolRunner {
  readonly stdout = new PassThrough();
  private finish!: (error?: Error) => void;
  readonly completed = new Promise<void>((resolve, reject) => {
    this.finish = (error) => (error ? reject(error) : resolve());
  });
  catalog: Promise<BackupCatalog> = this.completed.then(() => CATALOG);
  signal?: AbortSignal;

  constructor() {
    super(new ProcessRunner());
    this.completed.catch(() => undefined);
  }

  override async startDump(_engine: DatabaseEngine, _target: ConnectionTarget, signal: AbortSignal): Promise<DumpSession> {
    this.signal = signal;
    this.catalog.catch(() => undefined);
    return { stdout: this.stdout, completed: this.completed, serverVersion: '15.4', toolVersion: 'pg_dump 15.4', catalog: this.catalog };
  }

  /** Writes the dump and ends the tool with `error`, or cleanly. */
  dump(content: Buffer, error?: Error): void {
    this.stdout.end(content);
    this.stdout.once('end', () => this.finish(error));
  }
}

const CATALOG = { manifest: { tables: [] }, warnings: [] } as unknown as BackupCatalog;
const plan: BackupFilePlan = { storageTargetId: null, key: 'db-1/backup.dump', compression: 'none', encrypted: false };
const sha256 = (content: Buffer | string) => createHash('sha256').update(content).digest('hex');

function pipelineWith(storage: MemoryStorage, tools: FakeToolRunner) {
  const registry = { forTarget: async () => storage } as unknown as StorageRegistry;
  const encryption = { assertAvailable: () => undefined } as unknown as BackupEncryption;
  const deleted: string[] = [];
  const files = {
    delete: async (file: { storageKey: string | null }) => {
      deleted.push(file.storageKey!);
      await storage.delete(file.storageKey!);
    },
  } as unknown as StoredBackupFiles;
  const processes = new ProcessRunner();
  return { pipeline: new BackupPipeline(new Compressor(processes), encryption, registry, processes, tools, files), deleted };
}

function request(signal = new AbortController().signal) {
  const events: string[] = [];
  return {
    events,
    value: {
      engine: {} as DatabaseEngine,
      target: {} as ConnectionTarget,
      file: plan,
      catalogKey: 'db-1/backup.catalog.json',
      signal,
      onDumpStarted: () => events.push('started'),
      progress: (bytes: number) => events.push(`progress ${bytes}`),
    },
  };
}

describe('BackupPipeline.run', () => {
  it('stores the dump, then the catalog beside it, each with its size and sha256', async () => {
    const storage = new MemoryStorage();
    const tools = new FakeToolRunner();
    const { pipeline } = pipelineWith(storage, tools);
    const { value, events } = request();
    const dump = Buffer.from('PGDMP dump bytes');
    const running = pipeline.run(value);
    setImmediate(() => tools.dump(dump));
    const stored = await running;

    expect(stored.file).toEqual({ key: plan.key, location: `memory://${plan.key}`, sizeBytes: dump.length, checksum: sha256(dump) });
    const catalogJson = JSON.stringify(CATALOG);
    expect(stored.catalogFile).toMatchObject({ key: 'db-1/backup.catalog.json', sizeBytes: catalogJson.length, checksum: sha256(catalogJson) });
    expect(stored).toMatchObject({ catalog: CATALOG, serverVersion: '15.4', toolVersion: 'pg_dump 15.4' });
    expect(storage.objects.get(plan.key)).toEqual(dump);
    expect(storage.objects.get('db-1/backup.catalog.json')!.toString()).toBe(catalogJson);
    expect(events[0]).toBe('started');
    expect(events).toContain(`progress ${dump.length}`);
  });

  it('commits nothing when the dump tool fails, even after a complete-looking output', async () => {
    const storage = new MemoryStorage();
    const tools = new FakeToolRunner();
    const { pipeline } = pipelineWith(storage, tools);
    const running = pipeline.run(request().value);
    setImmediate(() => tools.dump(Buffer.from('half a dump'), new Error('pg_dump: connection lost')));
    await expect(running).rejects.toThrow('pg_dump: connection lost');
    expect(storage.objects.size).toBe(0);
    expect(storage.aborted).toEqual([plan.key]);
    expect(tools.signal!.aborted).toBe(true);
  });

  it('fails, removing the stored dump, when the engine recorded no catalog', async () => {
    const storage = new MemoryStorage();
    const tools = new FakeToolRunner();
    tools.catalog = tools.completed.then(() => Promise.reject(new Error('count timed out')));
    const { pipeline, deleted } = pipelineWith(storage, tools);
    const running = pipeline.run(request().value);
    setImmediate(() => tools.dump(Buffer.from('a whole dump')));
    const error = await running.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BackupCatalogError);
    expect((error as Error).message).toBe("Recording the backup's manifest failed: count timed out");
    expect(deleted).toEqual([plan.key]);
    expect(storage.objects.size).toBe(0);
  });
});
