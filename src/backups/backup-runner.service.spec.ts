import { describe, expect, it } from '@jest/globals';
import type { Queue } from 'bullmq';
import type { AppConfig } from '../core/config/app-config.js';
import {
  AttemptFailedError,
  JobInterruptedError,
  NOW,
} from '../core/database/fenced-records.js';
import type { WorkerMetrics } from '../core/metrics/worker-metrics.service.js';
import { JobQueues } from '../core/queue/job-queues.js';
import { type JobSettings, QueueNames } from '../core/queue/job-registry.js';
import type { DatabaseEntity } from '../databases/database.entity.js';
import type { DatabasesService } from '../databases/databases.service.js';
import type { BackupCatalog, BackupManifest } from '../engines/backup-catalog.js';
import { type ConnectionTarget, type DatabaseEngine, TargetDatabaseError } from '../engines/engine.js';
import type { EngineRegistry } from '../engines/engine-registry.js';
import { StorageWriteError } from '../pipeline/backup-file.js';
import type { BackupPipeline, BackupRequest, StoredBackup } from '../pipeline/backup-pipeline.js';
import type { StoredBackupFiles } from '../pipeline/stored-backup-files.js';
import type { BackupEntity } from './backup.entity.js';
import type { BackupEvents } from './backup-events.service.js';
import { BackupRunner, storageKeyFor } from './backup-runner.service.js';
import type { BackupsRepository } from './backups.repository.js';
import { InMemoryFencedTable } from '../../test/support/in-memory-fenced-table.js';
import { aborted, keptWarnings } from '../../test/support/worker-spec-helpers.js';

describe('storageKeyFor', () => {
  it('builds the key from database, time (to the second), backup and attempt', () => {
    expect(
      storageKeyFor({ backupId: '7', databaseId: '3', attempt: 2 }, 'dump', new Date('2024-09-12T12:30:00.123Z')),
    ).toBe('db-3/20240912T123000Z-backup-7-a2.dump');
  });

  it('drops zero milliseconds as well', () => {
    expect(
      storageKeyFor({ backupId: '10', databaseId: '1', attempt: 1 }, 'sql.gz', new Date('2025-01-02T03:04:05.000Z')),
    ).toBe('db-1/20250102T030405Z-backup-10-a1.sql.gz');
  });

  it('gives each attempt its own key', () => {
    const at = new Date('2024-09-12T12:30:00Z');
    const first = storageKeyFor({ backupId: '7', databaseId: '3', attempt: 1 }, 'dump', at);
    const second = storageKeyFor({ backupId: '7', databaseId: '3', attempt: 2 }, 'dump', at);
    expect(first).toBe('db-3/20240912T123000Z-backup-7-a1.dump');
    expect(second).not.toBe(first);
  });

  it('uses the current time by default', () => {
    const before = new Date();
    const key = storageKeyFor({ backupId: '1', databaseId: '2', attempt: 1 }, 'dump');
    const match = /^db-2\/(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-backup-1-a1\.dump$/.exec(key);
    expect(match).not.toBeNull();
    const [, y, mo, d, h, mi, s] = match!;
    const stamp = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
    expect(stamp).toBeGreaterThanOrEqual(Math.floor(before.getTime() / 1000) * 1000);
    expect(stamp).toBeLessThanOrEqual(Date.now());
  });
});

type Row = Record<string, unknown>;


/** What BullMQ's add sees; `down` makes Redis refuse. */
class RecordingQueue {
  readonly jobs: Array<{ name: string; data: unknown; jobId?: string }> = [];
  down = false;
  async add(name: string, data: unknown, opts: { jobId?: string }) {
    if (this.down) throw new Error('Connection is closed.');
    this.jobs.push({ name, data, jobId: opts.jobId });
    return { id: opts.jobId };
  }
}

type Registration = Pick<DatabaseEntity, 'id' | 'engine' | 'compression' | 'encrypted' | 'storageTargetId' | 'deletedAt'>;

const TARGET: ConnectionTarget = { host: 'db.internal', port: 5432, database: 'shop', username: 'backup', password: 's3cret' };
const POSTGRES = { name: 'postgres', dumpExtension: 'dump' } as DatabaseEngine;
const MANIFEST: BackupManifest = { tables: { 'public.album': 347 }, objects: { table: 1 }, sequences: {}, consistency: 'snapshot' };
const CATALOG: BackupCatalog = { format: 1, engine: 'postgres', manifest: MANIFEST, warnings: ['public.album.price: float4'], details: {} };
/** The keys a backup of database 3, backup 7, attempt 1 is stored under (the stamp is the request's second). */
const FILE_KEY = /^db-3\/\d{8}T\d{6}Z-backup-7-a1\.dump\.zst\.enc$/;
const CATALOG_KEY = /^db-3\/\d{8}T\d{6}Z-backup-7-a1\.catalog\.json\.enc$/;

/** A pipeline run as the fake sees it: what it was asked, and a place to act while the "dump" runs. */
type PipelineStep = (request: BackupRequest) => Promise<void>;

function setUp(options: { row?: Row; registration?: Partial<Registration>; timeoutMs?: number } = {}) {
  const table = new InMemoryFencedTable<BackupEntity>();
  table.rows.set('7', { id: '7', status: 'queued', attempt: 0, database_id: '3', engine: 'postgres', ...options.row });
  const registration: Registration = {
    id: '3',
    engine: 'postgres',
    compression: 'zstd',
    encrypted: true,
    storageTargetId: '5',
    deletedAt: null,
    ...options.registration,
  };
  const requests: BackupRequest[] = [];
  const pipelineState: { during?: PipelineStep; failure?: Error } = {};
  const pipeline = {
    run: async (request: BackupRequest): Promise<StoredBackup> => {
      requests.push(request);
      request.onDumpStarted?.();
      request.progress?.(4096);
      await pipelineState.during?.(request);
      if (pipelineState.failure) throw pipelineState.failure;
      return {
        file: { key: request.file.key, location: `s3://backups/${request.file.key}`, sizeBytes: 123_456, checksum: 'a'.repeat(64) },
        catalogFile: { key: request.catalogKey, location: `s3://backups/${request.catalogKey}`, sizeBytes: 789, checksum: 'c'.repeat(64) },
        catalog: CATALOG,
        serverVersion: '16.4',
        toolVersion: 'pg_dump 16.4',
      };
    },
  };
  const deleted: unknown[] = [];
  const files = { delete: async (file: unknown) => void deleted.push(file) };
  const registrationsRead: string[] = [];
  const databases = {
    getIncludingDeleted: async (id: string) => {
      registrationsRead.push(id);
      return registration;
    },
    connectionTarget: async (entity: Registration) => (entity === registration ? TARGET : null),
  };
  const engines = { get: (name: string) => (name === 'postgres' ? POSTGRES : { name, dumpExtension: 'sql' }) };
  const config = { backupTimeoutMs: options.timeoutMs ?? 60_000 };
  const retentionQueue = new RecordingQueue();
  const queues = new JobQueues({} as JobSettings, new Map([[QueueNames.retention, retentionQueue as unknown as Queue]]));
  const finished: string[] = [];
  const events = { finished: async (id: string) => void finished.push(id) };
  const stored: Array<{ engine: string; bytes: number; seconds: number }> = [];
  const metrics = { backupStored: (engine: string, bytes: number, seconds: number) => void stored.push({ engine, bytes, seconds }) };
  const runner = new BackupRunner(
    { fenced: table } as unknown as BackupsRepository,
    pipeline as unknown as BackupPipeline,
    files as unknown as StoredBackupFiles,
    databases as unknown as DatabasesService,
    engines as unknown as EngineRegistry,
    config as AppConfig,
    queues,
    events as unknown as BackupEvents,
    metrics as unknown as WorkerMetrics,
  );
  return { runner, table, requests, pipelineState, deleted, registrationsRead, retentionQueue, finished, stored };
}

describe('BackupRunner', () => {
  const warnings = keptWarnings();

  it('runs a claimed backup through the pipeline with the registration’s settings and target', async () => {
    const { runner, requests } = setUp();
    await runner.run('7', { retriesLeft: true });
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request!.engine).toBe(POSTGRES);
    expect(request!.target).toBe(TARGET);
    expect(request!.file).toEqual({ storageTargetId: '5', compression: 'zstd', encrypted: true, key: expect.stringMatching(FILE_KEY) });
    expect(request!.catalogKey).toMatch(CATALOG_KEY);
    // The dump and its catalog are stamped with the same instant.
    expect(request!.catalogKey.slice(0, 21)).toBe(request!.file.key.slice(0, 21));
    expect(request!.signal.aborted).toBe(false);
  });

  it('records success with the file, its size and checksum, the catalog sidecar, manifest, warnings and versions', async () => {
    const { runner, table, requests, finished, stored } = setUp();
    await expect(runner.run('7', { retriesLeft: true })).resolves.toBeUndefined();
    const { file, catalogKey } = requests[0]!;
    expect(table.rows.get('7')).toEqual({
      id: '7',
      status: 'success',
      attempt: 1,
      database_id: '3',
      engine: 'postgres',
      startedAt: NOW,
      finishedAt: NOW,
      error: null,
      storageKey: file.key,
      storageTargetId: '5',
      fileLocation: `s3://backups/${file.key}`,
      sizeBytes: '123456',
      checksum: 'a'.repeat(64),
      compression: 'zstd',
      encrypted: true,
      serverVersion: '16.4',
      toolVersion: 'pg_dump 16.4',
      catalogKey,
      catalogSizeBytes: '789',
      catalogChecksum: 'c'.repeat(64),
      manifest: MANIFEST,
      warnings: ['public.album.price: float4'],
      progressPhase: null,
      progressBytes: null,
    });
    expect(table.announced).toEqual(['backup:7']);
    expect(finished).toEqual(['7']);
    expect(stored).toEqual([{ engine: 'postgres', bytes: 123_456, seconds: expect.any(Number) }]);
    expect(warnings).toEqual(['Backup 7 warnings: public.album.price: float4']);
  });

  it('shows its phase on the row while it runs', async () => {
    const { runner, table, pipelineState } = setUp();
    const seen: unknown[] = [];
    pipelineState.during = async () => {
      await new Promise((resolve) => setImmediate(resolve));
      const row = table.rows.get('7')!;
      const { status, progressPhase, compression, encrypted, storageTargetId } = row;
      seen.push({ status, progressPhase, compression, encrypted, storageTargetId });
    };
    await runner.run('7', { retriesLeft: true });
    expect(seen).toEqual([{ status: 'running', progressPhase: 'dumping', compression: 'zstd', encrypted: true, storageTargetId: '5' }]);
  });

  it('requests the database’s retention after a success', async () => {
    const { runner, retentionQueue } = setUp();
    await runner.run('7', { retriesLeft: true });
    expect(retentionQueue.jobs).toEqual([{ name: 'enforce-retention', data: { databaseId: '3' }, jobId: 'retention-3' }]);
  });

  it('a retention request Redis refuses is only logged: the backup stays a success', async () => {
    const { runner, table, retentionQueue } = setUp();
    retentionQueue.down = true;
    await expect(runner.run('7', { retriesLeft: true })).resolves.toBeUndefined();
    expect(table.rows.get('7')?.status).toBe('success');
    expect(warnings).toContain('Could not request retention for database 3: Connection is closed.');
  });

  it('an attempt that lost its claim records nothing and removes the file and catalog it stored', async () => {
    const { runner, table, requests, pipelineState, deleted, retentionQueue, finished, stored } = setUp();
    // Another worker took the job over while this one was dumping (a stalled lock, a redelivery).
    pipelineState.during = async () => {
      await new Promise((resolve) => setImmediate(resolve));
      await table.claim('7');
    };
    await expect(runner.run('7', { retriesLeft: true })).resolves.toBeUndefined();
    const { file, catalogKey } = requests[0]!;
    expect(deleted).toEqual([
      { storageTargetId: '5', storageKey: file.key },
      { storageTargetId: '5', storageKey: catalogKey },
    ]);
    expect(table.rows.get('7')).toEqual({
      id: '7',
      status: 'running',
      attempt: 2,
      database_id: '3',
      engine: 'postgres',
      startedAt: NOW,
      finishedAt: null,
      compression: 'zstd',
      encrypted: true,
      storageTargetId: '5',
      progressPhase: 'dumping',
      progressBytes: '0',
    });
    expect(table.announced).toEqual([]);
    expect(finished).toEqual([]);
    expect(stored).toEqual([]);
    expect(retentionQueue.jobs).toEqual([]);
    expect(warnings).toEqual(['Backup 7 attempt 1 lost its claim; removing its file']);
  });

  it('a transient failure with retries left puts the row back to queued with the reason and rethrows the error', async () => {
    const { runner, table, pipelineState, deleted, retentionQueue, finished } = setUp();
    const error = new TargetDatabaseError('could not connect to server: Connection refused', true);
    pipelineState.failure = error;
    await expect(runner.run('7', { retriesLeft: true })).rejects.toBe(error);
    expect(table.rows.get('7')).toEqual({
      id: '7',
      status: 'queued',
      attempt: 1,
      database_id: '3',
      engine: 'postgres',
      startedAt: NOW,
      finishedAt: null,
      error: 'Attempt 1 failed, retrying: could not connect to server: Connection refused',
      compression: 'zstd',
      encrypted: true,
      storageTargetId: '5',
      progressPhase: 'dumping',
      progressBytes: '0',
    });
    expect(table.announced).toEqual([]);
    expect(finished).toEqual([]);
    expect(deleted).toEqual([]);
    expect(retentionQueue.jobs).toEqual([]);
  });

  it('a storage server error is transient as well', async () => {
    const { runner, table, pipelineState } = setUp();
    const error = new StorageWriteError('Writing the backup file failed: We encountered an internal error', {
      cause: Object.assign(new Error('We encountered an internal error'), { $metadata: { httpStatusCode: 500 } }),
    });
    pipelineState.failure = error;
    await expect(runner.run('7', { retriesLeft: true })).rejects.toBe(error);
    expect(table.rows.get('7')).toMatchObject({
      status: 'queued',
      error: 'Attempt 1 failed, retrying: Writing the backup file failed: We encountered an internal error',
    });
  });

  it('a permanent failure fails the row and throws AttemptFailedError', async () => {
    const { runner, table, pipelineState, retentionQueue, finished, stored } = setUp();
    pipelineState.failure = new TargetDatabaseError('password authentication failed for user "backup"', false);
    const thrown = await runner.run('7', { retriesLeft: true }).catch((error: unknown) => error);
    expect(thrown).toEqual(new AttemptFailedError('password authentication failed for user "backup"'));
    expect(thrown).toBeInstanceOf(AttemptFailedError);
    expect(table.rows.get('7')).toEqual({
      id: '7',
      status: 'failed',
      attempt: 1,
      database_id: '3',
      engine: 'postgres',
      startedAt: NOW,
      finishedAt: NOW,
      error: 'password authentication failed for user "backup"',
      compression: 'zstd',
      encrypted: true,
      storageTargetId: '5',
      progressPhase: 'dumping',
      progressBytes: '0',
    });
    expect(table.announced).toEqual(['backup:7']);
    expect(finished).toEqual(['7']);
    expect(stored).toEqual([]);
    expect(retentionQueue.jobs).toEqual([]);
  });

  it('a transient failure on the last attempt fails the row for good', async () => {
    const { runner, table, pipelineState } = setUp();
    pipelineState.failure = new TargetDatabaseError('could not connect to server: Connection refused', true);
    await expect(runner.run('7', { retriesLeft: false })).rejects.toEqual(new AttemptFailedError('could not connect to server: Connection refused'));
    expect(table.rows.get('7')).toMatchObject({ status: 'failed', finishedAt: NOW, error: 'could not connect to server: Connection refused' });
    expect(table.announced).toEqual(['backup:7']);
  });

  it('a dump past BACKUP_TIMEOUT_SECONDS is aborted and fails for good, whatever the pipeline threw', async () => {
    const { runner, table, requests, pipelineState } = setUp({ timeoutMs: 50 });
    pipelineState.during = async (request) => {
      await aborted(request.signal);
      throw new TargetDatabaseError('could not receive data from server: Connection timed out', true);
    };
    await expect(runner.run('7', { retriesLeft: true })).rejects.toEqual(new AttemptFailedError('Backup timed out after 0.05 s'));
    expect(requests[0]!.signal.aborted).toBe(true);
    expect(table.rows.get('7')).toMatchObject({ status: 'failed', error: 'Backup timed out after 0.05 s' });
  });

  it('on shutdown, aborts the dump, puts the row back to queued and throws JobInterruptedError', async () => {
    const { runner, table, requests, pipelineState, finished } = setUp();
    const shutdown = new AbortController();
    pipelineState.during = async (request) => {
      shutdown.abort();
      await aborted(request.signal);
      throw new Error('pg_dump was stopped');
    };
    await expect(runner.run('7', { retriesLeft: true, signal: shutdown.signal })).rejects.toBeInstanceOf(JobInterruptedError);
    expect(requests[0]!.signal.aborted).toBe(true);
    expect(table.rows.get('7')).toMatchObject({ status: 'queued', attempt: 1, startedAt: null, error: null });
    expect(table.announced).toEqual([]);
    expect(finished).toEqual([]);
  });

  it('a deleted registration fails the backup for good without dumping', async () => {
    const { runner, table, requests } = setUp({ registration: { deletedAt: new Date('2024-09-12T12:00:00Z') } });
    await expect(runner.run('7', { retriesLeft: true })).rejects.toEqual(new AttemptFailedError('The database registration was deleted'));
    expect(requests).toEqual([]);
    expect(table.rows.get('7')).toMatchObject({ status: 'failed', error: 'The database registration was deleted' });
  });

  it('a registration whose engine changed since the request fails the backup for good without dumping', async () => {
    const { runner, table, requests } = setUp({ registration: { engine: 'mariadb' } });
    const message = 'The backup was requested for a postgres database; the registration now says mariadb';
    await expect(runner.run('7', { retriesLeft: true })).rejects.toEqual(new AttemptFailedError(message));
    expect(requests).toEqual([]);
    expect(table.rows.get('7')).toMatchObject({ status: 'failed', error: message });
  });

  it('does nothing for a backup that is already finished or gone', async () => {
    const { runner, table, requests, registrationsRead, retentionQueue } = setUp({ row: { status: 'success', attempt: 1 } });
    await expect(runner.run('7', { retriesLeft: true })).resolves.toBeUndefined();
    await expect(runner.run('8', { retriesLeft: true })).resolves.toBeUndefined();
    expect(table.rows.get('7')).toEqual({ id: '7', status: 'success', attempt: 1, database_id: '3', engine: 'postgres' });
    expect(requests).toEqual([]);
    expect(registrationsRead).toEqual([]);
    expect(table.announced).toEqual([]);
    expect(retentionQueue.jobs).toEqual([]);
  });
});
