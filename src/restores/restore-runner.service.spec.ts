import { describe, expect, it } from '@jest/globals';
import type { BackupEntity } from '../backups/backup.entity.js';
import type { BackupsRepository } from '../backups/backups.repository.js';
import type { AppConfig } from '../core/config/app-config.js';
import {
  AttemptFailedError,
  type Claim,
  JobInterruptedError,
  NOW,
} from '../core/database/fenced-records.js';
import type { DatabaseEntity } from '../databases/database.entity.js';
import type { DatabasesService } from '../databases/databases.service.js';
import type { BackupCatalog, BackupManifest } from '../engines/backup-catalog.js';
import { type ConnectionTarget, type DatabaseEngine, type RestorePlan, RestoreSwitchError, TargetDatabaseError } from '../engines/engine.js';
import type { EngineRegistry } from '../engines/engine-registry.js';
import { BackupIntegrityError, type BackupFileRecord } from '../pipeline/backup-file.js';
import type { ReplayOptions, RestorePipeline } from '../pipeline/restore-pipeline.js';
import type { StoredBackupFiles } from '../pipeline/stored-backup-files.js';
import type { RestoreEntity } from './restore.entity.js';
import type { RestoreEvents } from './restore-events.service.js';
import type { TableRestorer } from './table-restorer.service.js';
import { RestoreRunner } from './restore-runner.service.js';
import type { RestoresRepository } from './restores.repository.js';
import { InMemoryFencedTable } from '../../test/support/in-memory-fenced-table.js';
import { aborted, keptWarnings } from '../../test/support/worker-spec-helpers.js';

type Row = Record<string, unknown>;


type Registration = Pick<DatabaseEntity, 'id' | 'engine' | 'deletedAt'>;
type StoredBackup = Pick<
  BackupEntity,
  | 'id'
  | 'status'
  | 'engine'
  | 'storageTargetId'
  | 'storageKey'
  | 'sizeBytes'
  | 'checksum'
  | 'compression'
  | 'encrypted'
  | 'catalogKey'
  | 'catalogSizeBytes'
  | 'catalogChecksum'
>;

const REQUESTED_AT = new Date('2024-09-12T12:00:00Z');
/** The databases restore 40 (requested at REQUESTED_AT, m0z8m800 in base 36) makes. */
const FRESH_1 = 'dbbackup_restore_40_m0z8m800_1';
const ASIDE = 'dbbackup_aside_40_m0z8m800';
const KEEP_ASIDE_MS = 3_600_000;

const TARGET: ConnectionTarget = { host: 'db.internal', port: 5432, database: 'shop', username: 'restorer', password: 's3cret' };
const MANIFEST: BackupManifest = {
  tables: { 'public.album': 347, 'public.artist': 275 },
  objects: { table: 2, sequence: 1 },
  sequences: { 'public.album_id_seq': '347' },
  consistency: 'snapshot',
};
const CATALOG: BackupCatalog = { format: 1, engine: 'postgres', manifest: MANIFEST, warnings: [], details: { encoding: 'UTF8' } };
const PASSED = {
  status: 'passed',
  tables: 2,
  rows: 622,
  objects: 3,
  sequences: 1,
  consistency: 'snapshot',
  differences: [],
};

/** A PostgreSQL engine that records each phase it is asked for, in order, in `log`. */
class RecordingEngine {
  readonly name = 'postgres';
  readonly plans: RestorePlan[] = [];
  measured: BackupManifest = MANIFEST;
  switchFailure?: Error;
  setAside = true;

  constructor(
    private readonly log: string[],
    private readonly table: InMemoryFencedTable<RestoreEntity>,
  ) {}

  async preflight(plan: RestorePlan) {
    this.plans.push(plan);
    this.log.push('preflight');
  }
  async dropServiceDatabase(target: ConnectionTarget, name: string) {
    this.log.push(`drop ${target.host}/${name}`);
  }
  async createFreshDatabase(plan: RestorePlan) {
    this.log.push(`create ${plan.freshDatabase}`);
  }
  async measure(plan: RestorePlan) {
    this.log.push(`measure ${plan.freshDatabase}`);
    return this.measured;
  }
  async switchIn(plan: RestorePlan) {
    const verification = this.table.rows.get('40')?.verification as { status: string } | undefined;
    this.log.push(`switch ${plan.freshDatabase} in as ${plan.target.database} (verification ${verification?.status ?? 'not recorded'})`);
    if (this.switchFailure) throw this.switchFailure;
    return { setAside: this.setAside };
  }
}

function setUp(options: { row?: Row; backup?: Partial<StoredBackup> | null; registration?: Partial<Registration>; timeoutMs?: number } = {}) {
  const log: string[] = [];
  const table = new InMemoryFencedTable<RestoreEntity>();
  table.rows.set('40', {
    id: '40',
    status: 'queued',
    attempt: 0,
    backup_id: '7',
    target_database_id: '3',
    requested_at: REQUESTED_AT,
    options: { terminateConnections: true },
    ...options.row,
  });
  const backup: StoredBackup | null =
    options.backup === null
      ? null
      : {
          id: '7',
          status: 'success',
          engine: 'postgres',
          storageTargetId: '5',
          storageKey: 'db-1/20240912T110000Z-backup-7-a1.dump.zst',
          sizeBytes: '123456',
          checksum: 'a'.repeat(64),
          compression: 'zstd',
          encrypted: false,
          catalogKey: 'db-1/20240912T110000Z-backup-7-a1.catalog.json',
          catalogSizeBytes: '789',
          catalogChecksum: 'c'.repeat(64),
          ...options.backup,
        };
  const backups = { findById: async (id: string) => (id === '7' ? backup : null) };
  const files = {
    catalogFailure: undefined as Error | undefined,
    readDocument: async (file: Omit<BackupFileRecord, 'compression'>) => {
      log.push(`read catalog ${file.storageKey} (${file.sizeBytes} bytes, sha256 ${String(file.checksum).slice(0, 4)}…)`);
      if (files.catalogFailure) throw files.catalogFailure;
      return Buffer.from(JSON.stringify(CATALOG));
    },
  };
  const replayed: Array<{ file: BackupFileRecord; signal: AbortSignal }> = [];
  const pipeline = {
    during: undefined as ((signal: AbortSignal, progress?: (bytes: number) => void) => Promise<void>) | undefined,
    failure: undefined as Error | undefined,
    replay: async (_engine: DatabaseEngine, plan: RestorePlan, file: BackupFileRecord, signal: AbortSignal, replayOptions?: ReplayOptions) => {
      replayed.push({ file, signal });
      log.push(`replay ${file.storageKey} into ${plan.freshDatabase}`);
      await pipeline.during?.(signal, replayOptions?.progress);
      if (pipeline.failure) throw pipeline.failure;
      return 'pg_restore 16.4';
    },
  };
  const registration: Registration = { id: '3', engine: 'postgres', deletedAt: null, ...options.registration };
  const databases = {
    getIncludingDeleted: async (id: string) => {
      if (id !== '3') throw new Error(`unexpected registration ${id}`);
      return registration;
    },
    connectionTarget: async (entity: Registration) => (entity === registration ? TARGET : null),
  };
  const engine = new RecordingEngine(log, table);
  const enginesAsked: string[] = [];
  const engines = {
    get: (name: string) => {
      enginesAsked.push(name);
      return engine;
    },
  };
  const config = { backupTimeoutMs: options.timeoutMs ?? 60_000, restoreAsideKeepMs: KEEP_ASIDE_MS };
  const finished: string[] = [];
  const events = { finished: async (id: string) => void finished.push(id) };
  // Progress writes are fenced like the table's own writes, and kept apart so the rows above stay as they were.
  const progressWrites: Array<[string | null, number | null]> = [];
  const writeProgress = async (claim: Claim, phase: string | null, bytes: number | null) => {
    progressWrites.push([phase, bytes]);
    const row = table.rows.get(claim.id);
    return row?.status === 'running' && row.attempt === claim.attempt;
  };
  const runner = new RestoreRunner(
    { fenced: table, writeProgress } as unknown as RestoresRepository,
    backups as unknown as BackupsRepository,
    pipeline as unknown as RestorePipeline,
    files as unknown as StoredBackupFiles,
    databases as unknown as DatabasesService,
    engines as unknown as EngineRegistry,
    config as AppConfig,
    {} as unknown as TableRestorer,
    events as unknown as RestoreEvents,
  );
  return { runner, table, log, engine, enginesAsked, files, pipeline, replayed, finished, backup, progressWrites };
}

/** The phases every restore goes through before the restore tool runs, for attempt 1. */
const BEFORE_REPLAY = [
  'read catalog db-1/20240912T110000Z-backup-7-a1.catalog.json (789 bytes, sha256 cccc…)',
  'preflight',
  `drop db.internal/${FRESH_1}`,
  `create ${FRESH_1}`,
];
const REPLAY = `replay db-1/20240912T110000Z-backup-7-a1.dump.zst into ${FRESH_1}`;

describe('RestoreRunner', () => {
  const warnings = keptWarnings();

  it('reads the catalog, pre-flights, restores into a fresh database, checks it against the manifest, then switches it in', async () => {
    const { runner, log } = setUp();
    await runner.run('40', { retriesLeft: true });
    expect(log).toEqual([
      ...BEFORE_REPLAY,
      REPLAY,
      `measure ${FRESH_1}`,
      `switch ${FRESH_1} in as shop (verification passed)`,
    ]);
  });

  it('gives the engine one plan: the registered target, the fresh and aside names, the catalog and the request’s options', async () => {
    const { runner, engine, enginesAsked, replayed, backup } = setUp();
    await runner.run('40', { retriesLeft: true });
    expect(enginesAsked).toEqual(['postgres']);
    expect(engine.plans).toEqual([
      {
        target: TARGET,
        freshDatabase: FRESH_1,
        asideDatabase: ASIDE,
        catalog: CATALOG,
        options: { ownership: 'preserve', createMissingRoles: false, rewriteMissingDefiners: false, terminateConnections: true },
      },
    ]);
    expect(replayed.map(({ file }) => file)).toEqual([backup]);
  });

  it('records success with the tool version, the verification and the database set aside, kept for RESTORE_ASIDE_KEEP_SECONDS', async () => {
    const { runner, table, finished } = setUp();
    const before = Date.now();
    await expect(runner.run('40', { retriesLeft: true })).resolves.toBeUndefined();
    const after = Date.now();
    const row = table.rows.get('40')!;
    expect(row).toEqual({
      id: '40',
      status: 'success',
      attempt: 1,
      backup_id: '7',
      target_database_id: '3',
      requested_at: REQUESTED_AT,
      options: { terminateConnections: true },
      startedAt: NOW,
      finishedAt: NOW,
      error: null,
      toolVersion: 'pg_restore 16.4',
      verification: PASSED,
      asideDatabase: ASIDE,
      asideExpiresAt: expect.any(Date),
    });
    const expiresAt = (row.asideExpiresAt as Date).getTime();
    expect(expiresAt).toBeGreaterThanOrEqual(before + KEEP_ASIDE_MS);
    expect(expiresAt).toBeLessThanOrEqual(after + KEEP_ASIDE_MS);
    expect(table.announced).toEqual(['restore:40']);
    expect(finished).toEqual(['40']);
  });

  it('records no aside database when the target did not exist before', async () => {
    const { runner, table, engine } = setUp();
    engine.setAside = false;
    await runner.run('40', { retriesLeft: true });
    expect(table.rows.get('40')).toMatchObject({ status: 'success', asideDatabase: null, asideExpiresAt: null });
  });

  it('a redelivered attempt first drops the fresh databases its earlier attempts left', async () => {
    const { runner, log } = setUp({ row: { status: 'running', attempt: 2 } });
    await runner.run('40', { retriesLeft: true });
    expect(log.slice(1, 6)).toEqual([
      'preflight',
      'drop db.internal/dbbackup_restore_40_m0z8m800_1',
      'drop db.internal/dbbackup_restore_40_m0z8m800_2',
      'drop db.internal/dbbackup_restore_40_m0z8m800_3',
      'create dbbackup_restore_40_m0z8m800_3',
    ]);
  });

  it('a copy that differs from the manifest fails the restore, drops the fresh database and leaves the target untouched', async () => {
    const { runner, table, log, engine, finished } = setUp();
    engine.measured = { ...MANIFEST, tables: { ...MANIFEST.tables, 'public.album': 346 }, sequences: {} };
    const message =
      "The restored copy does not match the backup's manifest, so it was not switched in: public.album rows: expected 347, found 346; " +
      'sequence public.album_id_seq: expected 347, found none';
    // Not worth a retry, even with attempts left.
    await expect(runner.run('40', { retriesLeft: true })).rejects.toEqual(new AttemptFailedError(message));
    expect(log).toEqual([...BEFORE_REPLAY, REPLAY, `measure ${FRESH_1}`, `drop db.internal/${FRESH_1}`]);
    expect(table.rows.get('40')).toEqual({
      id: '40',
      status: 'failed',
      attempt: 1,
      backup_id: '7',
      target_database_id: '3',
      requested_at: REQUESTED_AT,
      options: { terminateConnections: true },
      startedAt: NOW,
      finishedAt: NOW,
      error: message,
      verification: {
        ...PASSED,
        status: 'failed',
        differences: [
          { kind: 'rows', name: 'public.album', expected: 347, actual: 346 },
          { kind: 'sequence', name: 'public.album_id_seq', expected: '347', actual: null },
        ],
      },
    });
    expect(table.announced).toEqual(['restore:40']);
    expect(finished).toEqual(['40']);
  });

  it('a failed replay drops the fresh database; nothing is measured or switched in', async () => {
    const { runner, table, log, pipeline } = setUp();
    pipeline.failure = new TargetDatabaseError('pg_restore: error: could not execute query: ERROR:  out of shared memory', false);
    await expect(runner.run('40', { retriesLeft: true })).rejects.toEqual(
      new AttemptFailedError('pg_restore: error: could not execute query: ERROR:  out of shared memory'),
    );
    expect(log).toEqual([...BEFORE_REPLAY, REPLAY, `drop db.internal/${FRESH_1}`]);
    expect(table.rows.get('40')).toMatchObject({
      status: 'failed',
      finishedAt: NOW,
      error: 'pg_restore: error: could not execute query: ERROR:  out of shared memory',
    });
    expect(table.rows.get('40')).not.toHaveProperty('verification');
  });

  it('a transient replay failure with retries left drops the fresh database, queues the row again and rethrows', async () => {
    const { runner, table, log, pipeline, finished } = setUp();
    const error = new TargetDatabaseError('could not connect to server: Connection refused', true);
    pipeline.failure = error;
    await expect(runner.run('40', { retriesLeft: true })).rejects.toBe(error);
    expect(log).toEqual([...BEFORE_REPLAY, REPLAY, `drop db.internal/${FRESH_1}`]);
    expect(table.rows.get('40')).toMatchObject({
      status: 'queued',
      attempt: 1,
      finishedAt: null,
      error: 'Attempt 1 failed, retrying: could not connect to server: Connection refused',
    });
    expect(table.announced).toEqual([]);
    expect(finished).toEqual([]);
  });

  it('a stored dump that differs from its record fails for good, as a verification failure', async () => {
    const { runner, table, log, pipeline } = setUp();
    pipeline.failure = new BackupIntegrityError('Backup file checksum does not match the record (altered)');
    const message = 'Backup file failed verification: Backup file checksum does not match the record (altered)';
    await expect(runner.run('40', { retriesLeft: true })).rejects.toEqual(new AttemptFailedError(message));
    expect(log).toEqual([...BEFORE_REPLAY, REPLAY, `drop db.internal/${FRESH_1}`]);
    expect(table.rows.get('40')).toMatchObject({ status: 'failed', error: message });
  });

  it('a refused switch drops the fresh database and fails, the target keeping its content', async () => {
    const { runner, table, log, engine } = setUp();
    engine.switchFailure = new RestoreSwitchError('Database shop has 2 other sessions; allow terminateConnections or end them');
    await expect(runner.run('40', { retriesLeft: true })).rejects.toEqual(
      new AttemptFailedError('Database shop has 2 other sessions; allow terminateConnections or end them'),
    );
    expect(log.slice(-2)).toEqual([`switch ${FRESH_1} in as shop (verification passed)`, `drop db.internal/${FRESH_1}`]);
    expect(table.rows.get('40')).toMatchObject({ status: 'failed', verification: PASSED });
    expect(table.rows.get('40')).not.toHaveProperty('asideDatabase');
  });

  it('a fresh database that cannot be dropped is logged; the restore’s own error is what is recorded', async () => {
    const { runner, table, log, engine, pipeline } = setUp();
    pipeline.failure = new TargetDatabaseError('pg_restore: error: input file appears to be a text format dump', false);
    const drop = engine.dropServiceDatabase.bind(engine);
    // The server goes away during the replay: the drop of earlier attempts before it went through.
    engine.dropServiceDatabase = async (target, name) => {
      if (log.includes(REPLAY)) throw new Error('connection lost');
      await drop(target, name);
    };
    await expect(runner.run('40', { retriesLeft: true })).rejects.toEqual(
      new AttemptFailedError('pg_restore: error: input file appears to be a text format dump'),
    );
    expect(log).toEqual([...BEFORE_REPLAY, REPLAY]);
    expect(warnings).toEqual([
      `Could not drop ${FRESH_1}: connection lost`,
      'Restore 40 attempt 1 failed: pg_restore: error: input file appears to be a text format dump',
    ]);
    expect(table.rows.get('40')).toMatchObject({ status: 'failed', error: 'pg_restore: error: input file appears to be a text format dump' });
  });

  it('a backup without a catalog fails for good before anything is written', async () => {
    const { runner, table, log } = setUp({ backup: { catalogKey: null, catalogSizeBytes: null, catalogChecksum: null } });
    const message =
      'Backup 7 has no manifest (it was taken before manifests were recorded), so a restore of it cannot be checked; ' +
      'take a new backup, or download this one and restore it by hand';
    await expect(runner.run('40', { retriesLeft: true })).rejects.toEqual(new AttemptFailedError(message));
    expect(log).toEqual([]);
    expect(table.rows.get('40')).toMatchObject({ status: 'failed', finishedAt: NOW, error: message });
  });

  it('a catalog that differs from its record fails for good before anything is written', async () => {
    const { runner, table, log, files } = setUp();
    files.catalogFailure = new BackupIntegrityError('Backup file size does not match the record (truncated)');
    const message = 'Backup file failed verification: Backup file size does not match the record (truncated)';
    await expect(runner.run('40', { retriesLeft: true })).rejects.toEqual(new AttemptFailedError(message));
    expect(log).toEqual([BEFORE_REPLAY[0]]);
    expect(table.rows.get('40')).toMatchObject({ status: 'failed', error: message });
  });

  it('a backup deleted since the request fails for good without touching the target', async () => {
    const { runner, table, log } = setUp({ backup: null });
    await expect(runner.run('40', { retriesLeft: true })).rejects.toEqual(new AttemptFailedError('The backup was deleted or has no file'));
    expect(log).toEqual([]);
    expect(table.rows.get('40')).toMatchObject({ status: 'failed', error: 'The backup was deleted or has no file' });
  });

  it('a backup of another engine family fails for good without touching the target', async () => {
    const { runner, table, log } = setUp({ backup: { engine: 'mariadb' } });
    const message = 'Cannot restore a mariadb backup into a postgres database';
    await expect(runner.run('40', { retriesLeft: true })).rejects.toEqual(new AttemptFailedError(message));
    expect(log).toEqual([]);
    expect(table.rows.get('40')).toMatchObject({ status: 'failed', error: message });
  });

  it('a deleted target registration fails for good without touching the target', async () => {
    const { runner, table, log } = setUp({ registration: { deletedAt: new Date('2024-09-12T12:30:00Z') } });
    const message = 'The target database registration was deleted';
    await expect(runner.run('40', { retriesLeft: true })).rejects.toEqual(new AttemptFailedError(message));
    expect(log).toEqual([]);
    expect(table.rows.get('40')).toMatchObject({ status: 'failed', error: message });
  });

  it('an attempt that lost its claim during the replay stops before the switch, drops its copy and records nothing', async () => {
    const { runner, table, log, pipeline, finished } = setUp();
    // Another worker took the job over while this one was restoring (a stalled lock, a redelivery).
    pipeline.during = async () => void (await table.claim('40'));
    await expect(runner.run('40', { retriesLeft: true })).rejects.toEqual(
      new AttemptFailedError('This attempt lost its claim on the restore; another worker runs it'),
    );
    expect(log).toEqual([...BEFORE_REPLAY, REPLAY, `measure ${FRESH_1}`, `drop db.internal/${FRESH_1}`]);
    expect(table.rows.get('40')).toEqual({
      id: '40',
      status: 'running',
      attempt: 2,
      backup_id: '7',
      target_database_id: '3',
      requested_at: REQUESTED_AT,
      options: { terminateConnections: true },
      startedAt: NOW,
      finishedAt: null,
    });
    expect(table.announced).toEqual([]);
    expect(finished).toEqual([]);
  });

  it('an attempt that lost its claim during the switch records nothing', async () => {
    const { runner, table, engine, finished } = setUp();
    const switchIn = engine.switchIn.bind(engine);
    engine.switchIn = async (plan) => {
      await table.claim('40');
      return switchIn(plan);
    };
    await expect(runner.run('40', { retriesLeft: true })).resolves.toBeUndefined();
    expect(table.rows.get('40')).toMatchObject({ status: 'running', attempt: 2, verification: PASSED });
    expect(table.rows.get('40')).not.toHaveProperty('toolVersion');
    expect(table.announced).toEqual([]);
    expect(finished).toEqual([]);
  });

  it('on shutdown, stops the restore tool, drops the fresh database, queues the row again and throws JobInterruptedError', async () => {
    const { runner, table, log, pipeline, replayed, finished } = setUp();
    const shutdown = new AbortController();
    pipeline.during = async (signal) => {
      shutdown.abort();
      await aborted(signal);
      throw new Error('pg_restore was stopped');
    };
    await expect(runner.run('40', { retriesLeft: true, signal: shutdown.signal })).rejects.toBeInstanceOf(JobInterruptedError);
    expect(replayed[0]!.signal.aborted).toBe(true);
    expect(log).toEqual([...BEFORE_REPLAY, REPLAY, `drop db.internal/${FRESH_1}`]);
    expect(table.rows.get('40')).toMatchObject({ status: 'queued', attempt: 1, startedAt: null, error: null });
    expect(table.announced).toEqual([]);
    expect(finished).toEqual([]);
  });

  it('a restore past BACKUP_TIMEOUT_SECONDS is aborted and fails for good', async () => {
    const { runner, table, log, pipeline, replayed } = setUp({ timeoutMs: 50 });
    pipeline.during = async (signal) => {
      await aborted(signal);
      throw new TargetDatabaseError('could not receive data from server: Connection timed out', true);
    };
    await expect(runner.run('40', { retriesLeft: true })).rejects.toEqual(new AttemptFailedError('Restore timed out after 0.05 s'));
    expect(replayed[0]!.signal.aborted).toBe(true);
    expect(log).toEqual([...BEFORE_REPLAY, REPLAY, `drop db.internal/${FRESH_1}`]);
    expect(table.rows.get('40')).toMatchObject({ status: 'failed', error: 'Restore timed out after 0.05 s' });
  });

  it('does nothing for a restore that is already finished or gone', async () => {
    const { runner, table, log, replayed } = setUp({ row: { status: 'failed', attempt: 1 } });
    await expect(runner.run('40', { retriesLeft: true })).resolves.toBeUndefined();
    await expect(runner.run('41', { retriesLeft: true })).resolves.toBeUndefined();
    expect(table.rows.get('40')).toEqual({
      id: '40',
      status: 'failed',
      attempt: 1,
      backup_id: '7',
      target_database_id: '3',
      requested_at: REQUESTED_AT,
      options: { terminateConnections: true },
    });
    expect(log).toEqual([]);
    expect(replayed).toEqual([]);
    expect(table.announced).toEqual([]);
  });

  describe('progress and cancellation', () => {
    it('writes each phase as it starts, with the bytes the pipeline reports, and clears them once it succeeded', async () => {
      const { runner, pipeline, progressWrites } = setUp();
      pipeline.during = async (_signal, progress) => progress?.(65_536);
      await runner.run('40', { retriesLeft: true });
      expect(progressWrites).toEqual([
        ['downloading', 0],
        ['restoring', 0],
        ['checking', 65_536],
        ['switching', 65_536],
        [null, null],
      ]);
    });

    it('a restore cancelled during the replay stops its tool within a second, drops the fresh database and never switches', async () => {
      const { runner, table, log, pipeline, replayed, finished } = setUp();
      pipeline.during = async (signal) => {
        // POST /restores/40/cancel: the row ends at once; the worker finds out at its next progress write.
        Object.assign(table.rows.get('40')!, { status: 'failed', error: 'Cancelled by request' });
        await aborted(signal);
        throw new Error('pg_restore was stopped');
      };
      await expect(runner.run('40', { retriesLeft: true })).rejects.toEqual(
        new AttemptFailedError('This attempt lost its claim on the restore: it was cancelled, or another worker runs it'),
      );
      expect(replayed[0]!.signal.aborted).toBe(true);
      expect(log).toEqual([...BEFORE_REPLAY, REPLAY, `drop db.internal/${FRESH_1}`]);
      expect(table.rows.get('40')).toMatchObject({ status: 'failed', error: 'Cancelled by request', attempt: 1 });
      expect(table.announced).toEqual([]);
      expect(finished).toEqual([]);
    });

    it('a restore cancelled while its copy was measured is not switched in', async () => {
      const { runner, table, log, engine } = setUp();
      const measure = engine.measure.bind(engine);
      engine.measure = async (plan) => {
        Object.assign(table.rows.get('40')!, { status: 'failed', error: 'Cancelled by request' });
        return measure(plan);
      };
      await expect(runner.run('40', { retriesLeft: true })).rejects.toBeInstanceOf(AttemptFailedError);
      expect(log).toEqual([...BEFORE_REPLAY, REPLAY, `measure ${FRESH_1}`, `drop db.internal/${FRESH_1}`]);
      expect(table.rows.get('40')).toMatchObject({ status: 'failed', error: 'Cancelled by request' });
    });
  });
});
