import { Logger } from '@nestjs/common';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { BackupsRepository } from '../backups/backups.repository.js';
import type { AppConfig } from '../core/config/app-config.js';
import { AttemptFailedError, type Claim } from '../core/database/fenced-records.js';
import { CANCELLED_BY_REQUEST } from '../core/process/attempt-progress.js';
import type { DatabasesService } from '../databases/databases.service.js';
import type { BackupCatalog, BackupManifest } from '../engines/backup-catalog.js';
import type { ConnectionTarget, RestorePlan } from '../engines/engine.js';
import type { EngineRegistry } from '../engines/engine-registry.js';
import type { ReplayOptions, RestorePipeline } from '../pipeline/restore-pipeline.js';
import type { StoredBackupFiles } from '../pipeline/stored-backup-files.js';
import { InMemoryFencedTable } from '../../test/support/in-memory-fenced-table.js';
import type { DrillEntity } from './drill.entity.js';
import type { DrillEvents } from './drill-events.service.js';
import { DrillRunner } from './drill-runner.service.js';
import type { DrillsRepository } from './drills.repository.js';
import type { SandboxesRepository } from './sandboxes.repository.js';
import type { SandboxesService } from './sandboxes.service.js';

const REQUESTED_AT = new Date('2024-09-12T12:00:00Z');
/** Drill 5's scratch database for attempt 1 (REQUESTED_AT is m0z8m800 in base 36). */
const SCRATCH_1 = 'dbbackup_drill_5_m0z8m800_1';
const SANDBOX: ConnectionTarget = { host: 'sandbox.internal', port: 5432, database: 'postgres', username: 'drills', password: 'x' };
const MANIFEST: BackupManifest = { tables: { 'public.t': 100 }, objects: { table: 1 }, sequences: {}, consistency: 'snapshot' };
const CATALOG: BackupCatalog = { format: 1, engine: 'postgres', manifest: MANIFEST, warnings: [], details: {} };
const PROBE = { sql: 'select count(*) from t', expect: { op: '=', value: 100 } };

type Row = Record<string, unknown>;

function setUp(row: Row = {}) {
  const log: string[] = [];
  const table = new InMemoryFencedTable<DrillEntity>();
  table.rows.set('5', { id: '5', status: 'queued', attempt: 0, database_id: '3', sandbox_id: '2', requested_at: REQUESTED_AT, probe: PROBE, ...row });
  const progressWrites: Array<[string | null, number | null]> = [];
  const drills = {
    fenced: table,
    writeProgress: async (claim: Claim, phase: string | null, bytes: number | null) => {
      progressWrites.push([phase, bytes]);
      const current = table.rows.get(claim.id)!;
      return current.status === 'running' && current.attempt === claim.attempt;
    },
    markScratchDropped: async (id: string, name: string) => void log.push(`scratch ${name} of drill ${id} dropped`),
  };
  const backup = { id: '7', engine: 'postgres', sizeBytes: '4096', catalogKey: 'db-3/backup-7.catalog.json', storageTargetId: '1' };
  const pipeline = {
    during: undefined as ((signal: AbortSignal, progress?: (bytes: number) => void) => Promise<void>) | undefined,
    replay: async (_engine: unknown, plan: RestorePlan, _file: unknown, signal: AbortSignal, options?: ReplayOptions) => {
      log.push(`replay into ${plan.freshDatabase}`);
      await pipeline.during?.(signal, options?.progress);
      return 'pg_restore 16.4';
    },
  };
  const engine = {
    preflight: async () => void log.push('preflight'),
    dropServiceDatabase: async (_target: ConnectionTarget, name: string) => void log.push(`drop ${name}`),
    createFreshDatabase: async (plan: RestorePlan) => void log.push(`create ${plan.freshDatabase}`),
    measure: async () => MANIFEST,
    runProbe: async () => {
      log.push('probe');
      return '100';
    },
  };
  const finished: string[] = [];
  const runner = new DrillRunner(
    drills as unknown as DrillsRepository,
    { newestSuccessful: async () => backup } as unknown as BackupsRepository,
    { findById: async () => ({ id: '2', engine: 'postgres' }) } as unknown as SandboxesRepository,
    { connectionTarget: () => SANDBOX } as unknown as SandboxesService,
    { getIncludingDeleted: async () => ({ id: '3', deletedAt: null }) } as unknown as DatabasesService,
    { get: () => engine } as unknown as EngineRegistry,
    pipeline as unknown as RestorePipeline,
    { readDocument: async () => Buffer.from(JSON.stringify(CATALOG)) } as unknown as StoredBackupFiles,
    { backupTimeoutMs: 60_000 } as AppConfig,
    { finished: async (id: string) => void finished.push(id) } as unknown as DrillEvents,
  );
  return { runner, table, log, pipeline, progressWrites, finished };
}

describe('DrillRunner', () => {
  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('writes each phase as it starts (downloading, restoring, checking, probing), the whole file read once replayed, and clears them on success', async () => {
    const { runner, table, progressWrites, log } = setUp();
    await runner.run('5', { retriesLeft: true });
    expect(progressWrites).toEqual([
      ['downloading', 0],
      ['restoring', 0],
      ['checking', 4096],
      ['probing', 4096],
    ]);
    expect(log).toEqual(['preflight', `drop ${SCRATCH_1}`, `create ${SCRATCH_1}`, `replay into ${SCRATCH_1}`, 'probe', `drop ${SCRATCH_1}`, `scratch ${SCRATCH_1} of drill 5 dropped`]);
    expect(table.rows.get('5')).toMatchObject({ status: 'success', progressPhase: null, progressBytes: null, probeResult: { passed: true, value: '100', reason: null } });
  });

  it('has no probing phase without a probe', async () => {
    const { runner, progressWrites } = setUp({ probe: null });
    await runner.run('5', { retriesLeft: true });
    expect(progressWrites.map(([phase]) => phase)).toEqual(['downloading', 'restoring', 'checking']);
  });

  it('a cancel seen by the next progress write stops the restore tool, drops the scratch database, and leaves the row as the cancel wrote it', async () => {
    const { runner, table, log, pipeline, finished } = setUp();
    pipeline.during = async (signal, progress) => {
      progress?.(1024);
      Object.assign(table.rows.get('5')!, { status: 'failed', error: CANCELLED_BY_REQUEST });
      // The tool runs until the worker, at its next progress write (every second), finds the row cancelled.
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      log.push('restore tool killed');
      throw new Error('pg_restore was killed');
    };
    await expect(runner.run('5', { retriesLeft: true })).rejects.toBeInstanceOf(AttemptFailedError);
    expect(log.slice(-3)).toEqual(['restore tool killed', `drop ${SCRATCH_1}`, `scratch ${SCRATCH_1} of drill 5 dropped`]);
    expect(log).not.toContain('probe');
    expect(table.rows.get('5')).toMatchObject({ status: 'failed', error: CANCELLED_BY_REQUEST, attempt: 1 });
    expect(finished).toEqual([]);
  });
});
