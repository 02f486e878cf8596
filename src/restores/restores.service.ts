import { Injectable, Logger } from '@nestjs/common';
import { BackupsService } from '../backups/backups.service.js';
import { isUniqueViolation } from '../core/database/postgres-errors.js';
import { finishedEventKey } from '../core/database/fenced-records.js';
import { FinishedListener } from '../core/database/finished-listener.js';
import { isValidId } from '../core/http/id-param.js';
import { CANCELLED_BY_REQUEST } from '../core/process/attempt-progress.js';
import { JobQueues } from '../core/queue/job-queues.js';
import { Jobs } from '../core/queue/job-registry.js';
import { QueueUnavailableError } from '../backups/backups.errors.js';
import { DatabaseNotFoundError } from '../databases/databases.errors.js';
import type { DatabaseEntity } from '../databases/database.entity.js';
import { DatabasesService } from '../databases/databases.service.js';
import type { RestoreOptions, TableSelection } from '../engines/engine.js';
import { type CreateRestoreDto, restoreOptionsOf, tableSelectionOf } from './dto/create-restore.dto.js';
import { engineFamily } from './restore-engine-family.js';
import type { RestoreEntity } from './restore.entity.js';
import { RestoresRepository } from './restores.repository.js';
import { TableRestoreChecks } from './table-restore-checks.service.js';
import {
  BackupNotRestorableError,
  ConfirmationRequiredError,
  EngineMismatchError,
  NoAsideDatabaseError,
  RestoreAlreadyFinishedError,
  RestoreInProgressError,
  RestoreNotFoundError,
  RestoreSwitchingError,
  SourceDatabaseNotFoundError,
  TargetDatabaseNotFoundError,
} from './restores.errors.js';

/** Replaces a DatabaseNotFoundError by the restore's own, which says which database; anything else passes. */
function rethrowNotFound(replacement: () => Error): (error: unknown) => never {
  return (error: unknown) => {
    throw error instanceof DatabaseNotFoundError ? replacement() : error;
  };
}

@Injectable()
export class RestoresService {
  private readonly logger = new Logger(RestoresService.name);

  constructor(
    private readonly restores: RestoresRepository,
    private readonly queues: JobQueues,
    private readonly backups: BackupsService,
    private readonly databases: DatabasesService,
    private readonly finished: FinishedListener,
    private readonly tableChecks: TableRestoreChecks,
  ) {}

  /**
   * Queues a restore of a stored backup into a registered database of the same engine family. The backup's source
   * registration may have been deleted. A target that is physically the source (same resolved host, port and
   * database, whichever registration names it) needs `confirm`; one unfinished restore per physical target.
   */
  async request(backupId: string, dto: CreateRestoreDto): Promise<RestoreEntity> {
    const { backup } = await this.backups.get(backupId);
    if (backup.status !== 'success' || !backup.storageKey) throw new BackupNotRestorableError(backup.status);
    const target = await this.target(dto.targetDatabaseId, backup.databaseId);
    const source = await this.databases.getIncludingDeleted(backup.databaseId).catch(rethrowNotFound(() => new SourceDatabaseNotFoundError()));
    const [sourceKey, targetKey] = await Promise.all([this.databases.physicalKey(source), this.databases.physicalKey(target)]);
    const tables = tableSelectionOf(dto);
    // A partial restore adds tables the target lacks, replacing nothing: no confirmation needed.
    if (sourceKey === targetKey && dto.confirm !== true && !tables) throw new ConfirmationRequiredError();
    if (engineFamily(backup.engine) !== engineFamily(target.engine)) throw new EngineMismatchError(backup.engine, target.engine);
    if (tables) await this.tableChecks.check(backup, target, tables);

    const restore = await this.insertQueued(backup.id, source.id, target.id, targetKey, restoreOptionsOf(dto), tables);
    try {
      await this.queues.enqueue(Jobs.runRestore, { restoreId: restore.id });
    } catch (error) {
      this.logger.warn(`Could not enqueue restore ${restore.id}: ${(error as Error).message}`);
      await this.restores.deleteQueued(restore.id).catch(() => undefined);
      throw new QueueUnavailableError();
    }
    return restore;
  }

  /** The registered database a restore writes into: the one named, else the backup's source. */
  private target(targetDatabaseId: string | undefined, sourceDatabaseId: string): Promise<DatabaseEntity> {
    const id = targetDatabaseId ?? sourceDatabaseId;
    // Only an id that can name a row is repeated in the message.
    const shown = isValidId(id) ? id : null;
    return this.databases.get(id).catch(rethrowNotFound(() => new TargetDatabaseNotFoundError(shown, targetDatabaseId !== undefined)));
  }

  /**
   * Has a worker drop the database this restore set aside, now instead of when it expires. The record keeps its
   * name; `asideDroppedAt` tells when it is gone.
   */
  async dropAside(restoreId: string): Promise<RestoreEntity> {
    const restore = await this.get(restoreId);
    if (!restore.asideDatabase || restore.asideDroppedAt) throw new NoAsideDatabaseError(restore.asideDatabase);
    await this.restores.expireAsideNow(restore.id);
    try {
      await this.queues.enqueue(Jobs.dropAside, { restoreId });
    } catch (error) {
      // The expiry is recorded: the workers' periodic sweep drops it anyway.
      this.logger.warn(`Could not enqueue the drop of ${restore.asideDatabase}: ${(error as Error).message}`);
    }
    return this.get(restoreId);
  }

  /**
   * Ends a queued or running restore at once as `failed` with the error "Cancelled by request". A queued one's job
   * is removed. A running one's worker finds its row no longer its own at its next progress write (within a
   * second): it kills the restore tool and drops the fresh database, and the target is never switched. A restore
   * already switching its checked copy in, or finished, is not cancelled.
   */
  async cancel(restoreId: string): Promise<RestoreEntity> {
    const restore = await this.get(restoreId);
    const previous = await this.restores.cancelUnfinished(restore.id, CANCELLED_BY_REQUEST);
    if (!previous) throw this.whyNotCancelled(await this.get(restoreId));
    this.logger.log(`Restore ${restore.id} (${previous}) cancelled by request`);
    if (previous === 'queued') await this.queues.removeIfIdle(Jobs.runRestore, Jobs.runRestore.jobId({ restoreId: restore.id }));
    await this.restores.announceFinished(restore.id).catch((error: Error) => this.logger.warn(`Could not announce restore ${restore.id}: ${error.message}`));
    return this.get(restoreId);
  }

  private whyNotCancelled(restore: RestoreEntity): Error {
    if (restore.status === 'success' || restore.status === 'failed') return new RestoreAlreadyFinishedError(restore.status);
    return new RestoreSwitchingError();
  }

  /** Returns once the restore is success or failed, or after `seconds`. */
  async waitUntilFinished(restoreId: string, seconds: number): Promise<void> {
    await this.finished.waitFor(finishedEventKey('Restore', restoreId), seconds * 1000, async () => {
      const restore = await this.get(restoreId);
      return restore.status === 'success' || restore.status === 'failed';
    });
  }

  /** Newest first. */
  list(): Promise<RestoreEntity[]> {
    return this.restores.listNewest(1000);
  }

  async get(restoreId: string): Promise<RestoreEntity> {
    const restore = isValidId(restoreId) ? await this.restores.findById(restoreId) : null;
    if (!restore) throw new RestoreNotFoundError();
    return restore;
  }

  /** A unique index allows one unfinished restore per physical target (`targetKey`). */
  private async insertQueued(
    backupId: string,
    sourceId: string,
    targetId: string,
    targetKey: string,
    options: RestoreOptions,
    tables: TableSelection | null,
  ): Promise<RestoreEntity> {
    try {
      return await this.restores.insertQueued({ backupId, sourceDatabaseId: sourceId, targetDatabaseId: targetId, targetKey, options, tables });
    } catch (error) {
      if (isUniqueViolation(error)) throw new RestoreInProgressError();
      throw error;
    }
  }
}
