import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { isValidId } from '../core/http/id-param.js';
import { JobQueues } from '../core/queue/job-queues.js';
import { Jobs } from '../core/queue/job-registry.js';
import { BackupFiles } from '../storage/backup-files.js';
import { BackupEntity } from './backup.entity.js';
import {
  BackupFileNotDeletedError,
  BackupNotFoundError,
  BackupRestoringError,
  BackupRunningError,
} from './backups.errors.js';

/** Deletes backups, file first: used by DELETE /backups/:id and by retention. */
@Injectable()
export class BackupRemover {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queues: JobQueues,
    private readonly files: BackupFiles,
  ) {}

  /**
   * Deletes the stored file, then the record. A running backup is refused (409): its worker holds the row.
   * The row is locked meanwhile, so a worker cannot claim a queued backup that is being deleted, and two deleters
   * of the same backup run one after the other (the second finds no row: BackupNotFoundError). If the storage
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
        await this.files.delete({ storageTargetId: backup.storageTargetId, storageKey: backup.catalogKey });
      } catch (error) {
        const reason = (error as Error).message;
        await manager.update(BackupEntity, { id: backupId }, { error: `Deleting the file failed: ${reason}` });
        return { deleted: false as const, reason };
      }
      await manager.delete(BackupEntity, { id: backupId });
      return { deleted: true as const, wasQueued: backup.status === 'queued' };
    });
    if (!outcome.deleted) throw new BackupFileNotDeletedError(outcome.reason);
    if (outcome.wasQueued) await this.queues.removeIfIdle(Jobs.runBackup, Jobs.runBackup.jobId!({ backupId }));
  }
}
