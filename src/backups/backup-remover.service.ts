import { Injectable } from '@nestjs/common';
import { isValidId } from '../core/http/id-param.js';
import { JobQueues } from '../core/queue/job-queues.js';
import { Jobs } from '../core/queue/job-registry.js';
import { StoredBackupFiles } from '../pipeline/stored-backup-files.js';
import { BackupsRepository } from './backups.repository.js';
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
    private readonly backups: BackupsRepository,
    private readonly queues: JobQueues,
    private readonly files: StoredBackupFiles,
  ) {}

  /**
   * Deletes the stored file, then the record. A running backup is refused (409): its worker holds the row.
   * The row is locked meanwhile, so a worker cannot claim a queued backup that is being deleted, and two deleters
   * of the same backup run one after the other (the second finds no row: BackupNotFoundError). If the storage
   * refuses, the record stays, with the reason in `error`, rather than leaving an orphan file.
   */
  async remove(backupId: string): Promise<void> {
    if (!isValidId(backupId)) throw new BackupNotFoundError();
    const outcome = await this.backups.lockForDeletion(backupId, async (locked) => {
      if (!locked) throw new BackupNotFoundError();
      const { backup } = locked;
      if (backup.status === 'running') throw new BackupRunningError();
      if (await locked.isBeingRestored()) throw new BackupRestoringError();
      try {
        await this.files.delete(backup);
        await this.files.delete({ storageTargetId: backup.storageTargetId, storageKey: backup.catalogKey });
      } catch (error) {
        const reason = (error as Error).message;
        await locked.recordError(`Deleting the file failed: ${reason}`);
        return { deleted: false as const, reason };
      }
      await locked.delete();
      return { deleted: true as const, wasQueued: backup.status === 'queued' };
    });
    if (!outcome.deleted) throw new BackupFileNotDeletedError(outcome.reason);
    if (outcome.wasQueued) await this.queues.removeIfIdle(Jobs.runBackup, Jobs.runBackup.jobId!({ backupId }));
  }
}
