import { describe, expect, it } from '@jest/globals';
import type { Queue } from 'bullmq';
import { QueryFailedError } from 'typeorm';
import { JobQueues } from '../core/queue/job-queues.js';
import { type BackupJobData, type JobSettings, QueueNames } from '../core/queue/job-registry.js';
import type { DatabaseEntity } from '../databases/database.entity.js';
import { DatabaseNotFoundError } from '../databases/databases.errors.js';
import type { DatabasesService } from '../databases/databases.service.js';
import type { BackupEntity } from './backup.entity.js';
import { BackupRequests } from './backup-requests.service.js';
import type { BackupsRepository, InsertedManualBackup, NewBackup } from './backups.repository.js';
import { BackupInProgressError, QueueUnavailableError, TickAlreadyBackedUpError } from './backups.errors.js';

type Registration = Pick<DatabaseEntity, 'id' | 'engine' | 'compression' | 'encrypted' | 'storageTargetId' | 'deletedAt'>;
type StoredBackup = NewBackup & { id: string; status: BackupEntity['status'] };

function uniqueViolation(constraint: string): QueryFailedError {
  return new QueryFailedError('INSERT INTO backups …', [], Object.assign(new Error('duplicate key'), { code: '23505', constraint }));
}

/** The backups table in memory, with its two unique indexes: one unfinished backup per database, one per tick. */
class InMemoryBackups {
  readonly rows: StoredBackup[] = [];
  readonly batches: string[][] = [];
  private nextId = 100;
  constructor(private readonly registrations: Map<string, Registration>) {}

  private unfinishedOf(databaseId: string) {
    return this.rows.find((row) => row.databaseId === databaseId && (row.status === 'queued' || row.status === 'running'));
  }

  private add(values: NewBackup): StoredBackup {
    const row = { ...values, id: String(this.nextId++), status: 'queued' as const };
    this.rows.push(row);
    return row;
  }

  async insertManualBatch(databaseIds: string[]): Promise<InsertedManualBackup[]> {
    this.batches.push(databaseIds);
    const inserted: InsertedManualBackup[] = [];
    for (const databaseId of databaseIds) {
      const registration = this.registrations.get(databaseId);
      if (!registration || registration.deletedAt || this.unfinishedOf(databaseId)) continue;
      const row = this.add({ databaseId, trigger: 'manual', engine: registration.engine, compression: registration.compression, encrypted: registration.encrypted, storageTargetId: registration.storageTargetId });
      inserted.push({ id: row.id, status: row.status, database_id: databaseId });
    }
    return inserted;
  }

  async insertQueued(values: NewBackup): Promise<BackupEntity> {
    if (values.scheduleId && this.rows.some((row) => row.scheduleId === values.scheduleId && row.scheduledFor?.getTime() === values.scheduledFor?.getTime())) {
      throw uniqueViolation('backups_one_per_tick_idx');
    }
    if (this.unfinishedOf(values.databaseId)) throw uniqueViolation('backups_one_unfinished_per_database_idx');
    return this.add(values) as unknown as BackupEntity;
  }

  async deleteQueued(ids: string[]): Promise<void> {
    for (const id of ids) {
      const index = this.rows.findIndex((row) => row.id === id && row.status === 'queued');
      if (index >= 0) this.rows.splice(index, 1);
    }
  }

  async findUnfinishedId(databaseId: string): Promise<string | null> {
    return this.unfinishedOf(databaseId)?.id ?? null;
  }
}

/** add/addBulk as BullMQ takes them; `down` makes Redis refuse. */
class RecordingQueue {
  readonly jobs: Array<{ name: string; data: BackupJobData; jobId?: string }> = [];
  bulkCalls = 0;
  down = false;
  async add(name: string, data: BackupJobData, opts: { jobId?: string }) {
    if (this.down) throw new Error('Connection is closed.');
    this.jobs.push({ name, data, jobId: opts.jobId });
    return { id: opts.jobId };
  }
  async addBulk(jobs: Array<{ name: string; data: BackupJobData; opts: { jobId?: string } }>) {
    this.bulkCalls += 1;
    if (this.down) throw new Error('Connection is closed.');
    for (const job of jobs) this.jobs.push({ name: job.name, data: job.data, jobId: job.opts.jobId });
  }
}

function setUp() {
  const registrations = new Map<string, Registration>([
    ['1', { id: '1', engine: 'postgres', compression: 'zstd', encrypted: false, storageTargetId: null, deletedAt: null }],
    ['2', { id: '2', engine: 'mariadb', compression: 'gzip', encrypted: true, storageTargetId: '5', deletedAt: null }],
    ['3', { id: '3', engine: 'postgres', compression: 'zstd', encrypted: false, storageTargetId: null, deletedAt: new Date() }],
  ]);
  const backups = new InMemoryBackups(registrations);
  const queue = new RecordingQueue();
  const databases = {
    get: async (id: string) => {
      const registration = registrations.get(id);
      if (!registration || registration.deletedAt) throw new DatabaseNotFoundError();
      return registration;
    },
  };
  const requests = new BackupRequests(
    backups as unknown as BackupsRepository,
    new JobQueues({} as JobSettings, new Map([[QueueNames.backups, queue as unknown as Queue]])),
    databases as unknown as DatabasesService,
  );
  return { backups, queue, requests };
}

describe('BackupRequests', () => {
  it('a manual request records a queued backup with the registration’s settings and enqueues its id', async () => {
    const { backups, queue, requests } = setUp();
    await expect(requests.requestManual('2')).resolves.toEqual({ id: '100', status: 'queued' });
    expect(backups.rows).toEqual([
      { id: '100', status: 'queued', databaseId: '2', trigger: 'manual', engine: 'mariadb', compression: 'gzip', encrypted: true, storageTargetId: '5' },
    ]);
    expect(queue.jobs).toEqual([{ name: 'run-backup', data: { backupId: '100' }, jobId: 'backup-100' }]);
  });

  it('concurrent manual requests share one insert and one addBulk, each getting its own backup', async () => {
    const { backups, queue, requests } = setUp();
    const answers = await Promise.all([requests.requestManual('1'), requests.requestManual('2')]);
    expect(backups.batches).toEqual([['1', '2']]);
    expect(queue.bulkCalls).toBe(1);
    expect(answers).toEqual([
      { id: '100', status: 'queued' },
      { id: '101', status: 'queued' },
    ]);
    expect(queue.jobs.map((job) => job.jobId)).toEqual(['backup-100', 'backup-101']);
  });

  it('a second request while one is unfinished answers BackupInProgressError naming it', async () => {
    const { requests } = setUp();
    await requests.requestManual('1');
    await expect(requests.requestManual('1')).rejects.toEqual(new BackupInProgressError('100'));
  });

  it('the same database twice in one batch: the first gets the backup, the second the conflict', async () => {
    const { backups, requests } = setUp();
    const answers = await Promise.allSettled([requests.requestManual('1'), requests.requestManual('1')]);
    expect(answers).toEqual([
      { status: 'fulfilled', value: { id: '100', status: 'queued' } },
      { status: 'rejected', reason: new BackupInProgressError('100') },
    ]);
    expect(backups.rows).toHaveLength(1);
  });

  it('an unknown, deleted or malformed database answers DatabaseNotFoundError and records nothing', async () => {
    const { backups, queue, requests } = setUp();
    await expect(requests.requestManual('9')).rejects.toBeInstanceOf(DatabaseNotFoundError);
    await expect(requests.requestManual('3')).rejects.toBeInstanceOf(DatabaseNotFoundError);
    await expect(requests.requestManual('x1')).rejects.toBeInstanceOf(DatabaseNotFoundError);
    expect(backups.rows).toEqual([]);
    expect(queue.jobs).toEqual([]);
  });

  it('when Redis refuses, the batch’s rows are removed and every request of the batch gets QueueUnavailableError', async () => {
    const { backups, queue, requests } = setUp();
    queue.down = true;
    const answers = await Promise.allSettled([requests.requestManual('1'), requests.requestManual('2')]);
    expect(answers).toEqual([
      { status: 'rejected', reason: new QueueUnavailableError() },
      { status: 'rejected', reason: new QueueUnavailableError() },
    ]);
    expect(backups.rows).toEqual([]);
  });

  it('a schedule tick records the schedule and tick time on its backup', async () => {
    const { backups, queue, requests } = setUp();
    const scheduledFor = new Date('2024-09-12T12:00:00Z');
    const backup = await requests.request('1', { trigger: 'schedule', scheduleId: '4', scheduledFor });
    expect(backup.id).toBe('100');
    expect(backups.rows).toEqual([
      { id: '100', status: 'queued', databaseId: '1', trigger: 'schedule', scheduleId: '4', scheduledFor, engine: 'postgres', compression: 'zstd', encrypted: false, storageTargetId: null },
    ]);
    expect(queue.jobs).toEqual([{ name: 'run-backup', data: { backupId: '100' }, jobId: 'backup-100' }]);
  });

  it('a redelivered tick answers TickAlreadyBackedUpError and makes no second backup', async () => {
    const { backups, requests } = setUp();
    const scheduledFor = new Date('2024-09-12T12:00:00Z');
    await requests.request('1', { trigger: 'schedule', scheduleId: '4', scheduledFor });
    backups.rows[0]!.status = 'success';
    await expect(requests.request('1', { trigger: 'schedule', scheduleId: '4', scheduledFor })).rejects.toBeInstanceOf(TickAlreadyBackedUpError);
    expect(backups.rows).toHaveLength(1);
  });

  it('a one-by-one request whose enqueue fails removes its row and answers QueueUnavailableError', async () => {
    const { backups, queue, requests } = setUp();
    queue.down = true;
    await expect(requests.request('2')).rejects.toEqual(new QueueUnavailableError());
    expect(backups.rows).toEqual([]);
  });

  it('a one-by-one request refused by an unfinished backup names it', async () => {
    const { requests } = setUp();
    await requests.request('2');
    await expect(requests.request('2')).rejects.toEqual(new BackupInProgressError('100'));
  });
});
