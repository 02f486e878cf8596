import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import { DataSource, In, Repository } from 'typeorm';
import { finishedEventKey } from '../core/database/fenced-records.js';
import { isUniqueViolation } from '../core/database/postgres-errors.js';
import { FinishedListener } from '../core/database/finished-listener.js';
import { isValidId } from '../core/http/id-param.js';
import { BACKUP_JOB_OPTIONS, BACKUP_QUEUE, BackupJobs, backupJobId, type BackupJobData } from '../core/queue/queue.constants.js';
import { enqueue, enqueueMany } from '../core/queue/enqueue.js';
import { type BatchOutcome, MicroBatcher } from '../core/database/micro-batcher.js';
import { DatabaseNotFoundError } from '../databases/databases.errors.js';
import { DatabasesService } from '../databases/databases.service.js';
import { EngineRegistry } from '../engines/engine-registry.js';
import { BackupFiles, BackupIntegrityError } from '../storage/backup-files.js';
import type { Readable } from 'node:stream';
import { decodeCursor, encodeCursor } from './backup-cursor.js';
import { type BackupListQuery, type BackupListRow, backupPageSql } from './backup-listing.js';
import { BackupEntity } from './backup.entity.js';
import type { BackupSummaryDto } from './dto/backup-response.dto.js';
import {
  BackupFileCorruptError,
  BackupFileNotDeletedError,
  BackupHasNoFileError,
  BackupInProgressError,
  BackupNotFoundError,
  BackupRestoringError,
  BackupRunningError,
  BackupVerificationFailedError,
  InvalidCursorError,
  QueueUnavailableError,
} from './backups.errors.js';

/** A verification reads the whole file; past this it counts as failed. */
const VERIFY_TIMEOUT_MS = 30 * 60 * 1000;

export type QueuedBackup = Pick<BackupEntity, 'id' | 'status'>;

export interface BackupPage {
  items: BackupSummaryDto[];
  /** Cursor of the next page; undefined on the last one. */
  next: string | undefined;
}

function toSummary(row: BackupListRow): BackupSummaryDto {
  return {
    backupId: row.id,
    databaseId: row.database_id,
    databaseName: row.database_name,
    status: row.status,
    timestamp: row.timestamp,
  };
}

export interface BackupWithDatabaseName {
  backup: BackupEntity;
  databaseName: string;
}

@Injectable()
export class BackupsService {
  private readonly logger = new Logger(BackupsService.name);

  constructor(
    @InjectRepository(BackupEntity) private readonly backups: Repository<BackupEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(BACKUP_QUEUE) private readonly queue: Queue<BackupJobData>,
    private readonly files: BackupFiles,
    private readonly databases: DatabasesService,
    private readonly engines: EngineRegistry,
    private readonly finished: FinishedListener,
  ) {}

  /**
   * Records a queued backup, then hands its id to the workers. If the queue is down nothing is left behind.
   * One unfinished backup per database: a second request while one is queued or running gets 409 with its id.
   * Concurrent requests share one INSERT and one Redis round trip (see insertAndEnqueueMany); a request the
   * batch could not serve (unknown database, backup already unfinished) takes the one-by-one path for its answer.
   */
  async trigger(databaseId: string): Promise<QueuedBackup> {
    if (!isValidId(databaseId)) throw new DatabaseNotFoundError();
    return (await this.triggers.add(databaseId)) ?? this.triggerOne(databaseId);
  }

  private readonly triggers = new MicroBatcher<string, QueuedBackup | undefined>((ids) => this.insertAndEnqueueMany(ids));

  /**
   * One INSERT for the whole batch (rows only for registered, non-deleted databases without an unfinished backup),
   * then one addBulk. A 202 still means both: if Redis refuses, the batch's rows are removed and each of its
   * requests gets 503. Items without a row get undefined.
   */
  private async insertAndEnqueueMany(databaseIds: string[]): Promise<Array<BatchOutcome<QueuedBackup | undefined>>> {
    const inserted: Array<QueuedBackup & { database_id: string }> = await this.dataSource.query(
      `INSERT INTO backups (database_id, status, trigger, requested_at)
       SELECT d.id, 'queued', 'manual', now()
       FROM unnest($1::bigint[]) WITH ORDINALITY AS r (id, position) JOIN databases d ON d.id = r.id AND d.deleted_at IS NULL
       ORDER BY r.position
       ON CONFLICT (database_id) WHERE status IN ('queued', 'running') DO NOTHING
       RETURNING id::text AS id, status, database_id::text AS database_id`,
      [databaseIds],
    );
    if (inserted.length > 0) {
      try {
        await enqueueMany(this.queue, inserted.map((row) => this.backupJob(row.id)));
      } catch (error) {
        this.logger.warn(`Could not enqueue ${inserted.length} backup(s): ${(error as Error).message}`);
        const ids = inserted.map((row) => row.id);
        // A job that did reach Redis finds no row and ends as a no-op.
        await this.dataSource.query(`DELETE FROM backups WHERE id = ANY($1::bigint[]) AND status = 'queued'`, [ids]).catch(() => undefined);
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

  /** The one-by-one path, which also names the reason when there is no row to insert (404 or 409). */
  private async triggerOne(databaseId: string): Promise<QueuedBackup> {
    const backup = await this.insertQueued(databaseId);
    try {
      await this.enqueue(backup.id);
    } catch (error) {
      this.logger.warn(`Could not enqueue backup ${backup.id}: ${(error as Error).message}`);
      // A job that did reach Redis finds no row and ends as a no-op.
      await this.backups.delete({ id: backup.id, status: 'queued' }).catch(() => undefined);
      throw new QueueUnavailableError();
    }
    return backup;
  }

  /** The row is inserted only if the database is registered and not deleted; the partial unique index refuses a
   * second unfinished backup. */
  private async insertQueued(databaseId: string): Promise<QueuedBackup> {
    let inserted: QueuedBackup[];
    try {
      inserted = await this.dataSource.query(
        `INSERT INTO backups (database_id, status, trigger, requested_at)
         SELECT id, 'queued', 'manual', now() FROM databases WHERE id = $1 AND deleted_at IS NULL
         RETURNING id::text AS id, status`,
        [databaseId],
      );
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const unfinished = await this.backups.findOne({ where: { databaseId, status: In(['queued', 'running']) }, select: { id: true } });
      throw new BackupInProgressError(unfinished?.id);
    }
    if (!inserted[0]) throw new DatabaseNotFoundError();
    return inserted[0];
  }

  private backupJob(backupId: string) {
    return { name: BackupJobs.run, data: { backupId }, opts: { ...BACKUP_JOB_OPTIONS, jobId: backupJobId(backupId) } };
  }

  private async enqueue(backupId: string): Promise<void> {
    const job = this.backupJob(backupId);
    await enqueue(this.queue, job.name, job.data, job.opts);
  }

  /** Returns once the backup is success or failed, or after `seconds`. */
  async waitUntilFinished(backupId: string, seconds: number): Promise<void> {
    await this.finished.waitFor(finishedEventKey('Backup', backupId), seconds * 1000, async () => {
      const { backup } = await this.get(backupId);
      return backup.status === 'success' || backup.status === 'failed';
    });
  }

  /**
   * One page of backups, newest first (requested_at, then id), and the cursor of the next page when there may be
   * one. Keyset pagination: the cost of a page does not grow with its depth.
   */
  async list(query: Omit<BackupListQuery, 'after'> & { cursor?: string }): Promise<BackupPage> {
    const { cursor, ...rest } = query;
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    if (cursor !== undefined && !after) throw new InvalidCursorError();
    const { sql, parameters } = backupPageSql({ ...rest, after });
    const rows: BackupListRow[] = await this.dataSource.query(sql, parameters);
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toSummary),
      next: rows.length > query.limit && last ? encodeCursor({ requestedAt: last.sort_key, id: last.id }) : undefined,
    };
  }

  async get(backupId: string): Promise<BackupWithDatabaseName> {
    if (!isValidId(backupId)) throw new BackupNotFoundError();
    const { entities, raw } = await this.withDatabaseName()
      .where('b.id = :backupId', { backupId })
      .getRawAndEntities<{ database_name: string }>();
    if (!entities[0]) throw new BackupNotFoundError();
    return { backup: entities[0], databaseName: raw[0]!.database_name };
  }

  /**
   * Deletes the stored file, then the record. A running backup is refused (409): its worker holds the row.
   * The row is locked meanwhile, so a worker cannot claim a queued backup that is being deleted. If the storage
   * refuses, the record stays, with the reason in `error`, rather than leaving an orphan file.
   */
  async remove(backupId: string): Promise<void> {
    if (!isValidId(backupId)) throw new BackupNotFoundError();
    const outcome = await this.dataSource.transaction(async (manager) => {
      const backup = await manager.findOne(BackupEntity, { where: { id: backupId }, lock: { mode: 'pessimistic_write' } });
      if (!backup) throw new BackupNotFoundError();
      if (backup.status === 'running') throw new BackupRunningError();
      const [restoring] = await manager.query(
        "SELECT 1 FROM restores WHERE backup_id = $1 AND status IN ('queued', 'running') LIMIT 1",
        [backupId],
      );
      if (restoring) throw new BackupRestoringError();
      try {
        await this.files.delete(backup);
      } catch (error) {
        const reason = (error as Error).message;
        await manager.update(BackupEntity, { id: backupId }, { error: `Deleting the file failed: ${reason}` });
        return { deleted: false as const, reason };
      }
      await manager.delete(BackupEntity, { id: backupId });
      return { deleted: true as const, wasQueued: backup.status === 'queued' };
    });
    if (!outcome.deleted) throw new BackupFileNotDeletedError(outcome.reason);
    if (outcome.wasQueued) await this.queue.remove(backupJobId(backupId)).catch(() => undefined);
  }

  /**
   * Re-reads the stored file (size, sha256, decryption) and has the engine read the whole archive
   * (pg_restore for PostgreSQL). The outcome is recorded on the backup; a failure answers 422.
   */
  async verify(backupId: string): Promise<BackupWithDatabaseName> {
    const { backup } = await this.get(backupId);
    if (backup.status !== 'success' || !backup.storageKey) throw new BackupHasNoFileError(backup.status);
    const failure = await this.checkArchive(backup);
    await this.backups.update(
      { id: backup.id },
      { verifiedAt: () => 'now()', verificationStatus: failure ? 'failed' : 'passed', verificationError: failure },
    );
    if (failure) throw new BackupVerificationFailedError(failure);
    return this.get(backup.id);
  }

  /** The stored bytes, after a size check; the stream fails at its end if their sha256 is not the recorded one. */
  async openDownload(backupId: string): Promise<{ backup: BackupEntity; databaseName: string; stream: Readable }> {
    const { backup, databaseName } = await this.get(backupId);
    if (backup.status !== 'success' || !backup.storageKey) throw new BackupHasNoFileError(backup.status);
    await this.files.checkSize(backup).catch((error: Error) => {
      throw error instanceof BackupIntegrityError ? new BackupFileCorruptError(error.message) : error;
    });
    const verifier = this.files.checksumVerifier(backup, true);
    const stored = await this.files.openStored(backup);
    stored.once('error', (error) => verifier.destroy(error));
    const stream = stored.pipe(verifier);
    return { backup, databaseName, stream };
  }

  private async checkArchive(backup: BackupEntity): Promise<string | null> {
    const signal = AbortSignal.timeout(VERIFY_TIMEOUT_MS);
    try {
      await this.files.checkSize(backup);
      const source = await this.databases.getIncludingDeleted(backup.databaseId);
      const dump = await this.files.openDump(backup, signal);
      const [archive, integrity] = await Promise.allSettled([
        this.engines.get(source.engine).validateArchive(dump.output, signal),
        dump.completed,
      ]);
      // A changed or undecryptable file explains a broken archive, so its reason comes first.
      if (integrity.status === 'rejected') return (integrity.reason as Error).message;
      if (archive.status === 'rejected') return (archive.reason as Error).message;
      return null;
    } catch (error) {
      return (error as Error).message;
    }
  }

  private withDatabaseName() {
    return this.backups
      .createQueryBuilder('b')
      .innerJoin('b.database', 'd')
      .withDeleted()
      .addSelect('d.name', 'database_name');
  }
}
