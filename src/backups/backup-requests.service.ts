import { Injectable, Logger } from '@nestjs/common';
import { type BatchOutcome, MicroBatcher } from '../core/database/micro-batcher.js';
import { isUniqueViolation } from '../core/database/postgres-errors.js';
import { JobQueues } from '../core/queue/job-queues.js';
import { Jobs } from '../core/queue/job-registry.js';
import { isValidId } from '../core/http/id-param.js';
import { DatabaseNotFoundError } from '../databases/databases.errors.js';
import type { DatabaseEntity } from '../databases/database.entity.js';
import { DatabasesService } from '../databases/databases.service.js';
import type { BackupEntity } from './backup.entity.js';
import { BackupsRepository } from './backups.repository.js';
import { BackupInProgressError, QueueUnavailableError, TickAlreadyBackedUpError } from './backups.errors.js';

/** Who asked for a backup: a person through the API, or a schedule's cron tick. */
export type BackupOrigin = { trigger: 'manual' } | { trigger: 'schedule'; scheduleId: string; scheduledFor: Date };

export type QueuedBackup = Pick<BackupEntity, 'id' | 'status'>;

const MANUAL: BackupOrigin = { trigger: 'manual' };
/** Migration 1764200000000: one backup per (schedule, tick). */
const ONE_PER_TICK_INDEX = 'backups_one_per_tick_idx';
/** Each retry means an unfinished backup finished within one round trip: a handful is already unlikely. */
const MAX_INSERT_TRIES = 20;

/** The one path that creates backups, manual or scheduled: record it as queued, then hand its id to the workers. */
@Injectable()
export class BackupRequests {
  private readonly logger = new Logger(BackupRequests.name);

  constructor(
    private readonly backups: BackupsRepository,
    private readonly queues: JobQueues,
    private readonly databases: DatabasesService,
  ) {}

  private readonly manualBatch = new MicroBatcher<string, QueuedBackup | undefined>((ids) => this.insertAndEnqueueMany(ids));

  /**
   * A manual backup (POST /backups). Concurrent requests share one INSERT and one Redis round trip; a request the
   * batch could not serve (unknown database, backup already unfinished) takes the one-by-one path for its answer.
   */
  async requestManual(databaseId: string): Promise<QueuedBackup> {
    if (!isValidId(databaseId)) throw new DatabaseNotFoundError();
    return (await this.manualBatch.add(databaseId)) ?? this.request(databaseId);
  }

  /**
   * One INSERT for the whole batch (rows only for registered, non-deleted databases without an unfinished backup),
   * then one addBulk. A 202 still means both: if Redis refuses, the batch's rows are removed and each of its
   * requests gets 503. Items without a row get undefined.
   */
  private async insertAndEnqueueMany(databaseIds: string[]): Promise<Array<BatchOutcome<QueuedBackup | undefined>>> {
    const inserted = await this.backups.insertManualBatch(databaseIds);
    if (inserted.length > 0) {
      try {
        await this.queues.enqueueMany(Jobs.runBackup, inserted.map((row) => ({ backupId: row.id })));
      } catch (error) {
        this.logger.warn(`Could not enqueue ${inserted.length} backup(s): ${(error as Error).message}`);
        const ids = inserted.map((row) => row.id);
        // A job that did reach Redis finds no row and ends as a no-op.
        await this.backups.deleteQueued(ids).catch(() => undefined);
        return databaseIds.map((id) =>
          inserted.some((row) => row.database_id === id) ? { error: new QueueUnavailableError() } : { value: undefined },
        );
      }
    }
    const byDatabase = new Map(inserted.map((row) => [row.database_id, row]));
    return databaseIds.map((id) => {
      const row = byDatabase.get(id);
      byDatabase.delete(id); // The same database twice in a batch: only the first request got the row.
      return { value: row && { id: row.id, status: row.status } };
    });
  }

  /**
   * One unfinished backup per database: a second request while one is queued or running throws
   * BackupInProgressError with its id. If the queue is down nothing is left behind (QueueUnavailableError).
   */
  async request(databaseId: string, origin: BackupOrigin = MANUAL): Promise<BackupEntity> {
    const database = await this.databases.get(databaseId);
    const backup = await this.insertQueued(database, origin);
    try {
      await this.queues.enqueue(Jobs.runBackup, { backupId: backup.id });
    } catch (error) {
      this.logger.warn(`Could not enqueue backup ${backup.id}: ${(error as Error).message}`);
      // A job that did reach Redis finds no row and ends as a no-op.
      await this.backups.deleteQueued([backup.id]).catch(() => undefined);
      throw new QueueUnavailableError();
    }
    return backup;
  }

  /**
   * Inserts the queued row, with the registration's settings. When another unfinished backup holds the database,
   * answers BackupInProgressError naming it; if that one finished between the refused insert and the look-up,
   * the insert is tried again, so a 409 always names the backup in the way.
   */
  private async insertQueued(database: DatabaseEntity, origin: BackupOrigin): Promise<BackupEntity> {
    for (let tries = 1; ; tries++) {
      const inserted = await this.tryInsertQueued(database, origin);
      if (inserted) return inserted;
      const unfinished = await this.backups.findUnfinishedId(database.id);
      if (unfinished) throw new BackupInProgressError(unfinished);
      if (tries >= MAX_INSERT_TRIES) throw new Error(`Backup of database ${database.id} kept conflicting with backups that finished`);
    }
  }

  /** The new row, or null when an unfinished backup of the database is in the way. */
  private async tryInsertQueued(database: DatabaseEntity, origin: BackupOrigin): Promise<BackupEntity | null> {
    const scheduled = origin.trigger === 'schedule' ? { scheduleId: origin.scheduleId, scheduledFor: origin.scheduledFor } : {};
    try {
      return await this.backups.insertQueued({
        databaseId: database.id,
        trigger: origin.trigger,
        engine: database.engine,
        compression: database.compression,
        encrypted: database.encrypted,
        storageTargetId: database.storageTargetId,
        ...scheduled,
      });
    } catch (error) {
      if (isUniqueViolation(error, ONE_PER_TICK_INDEX)) throw new TickAlreadyBackedUpError();
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }
}
