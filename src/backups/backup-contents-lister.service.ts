import { Injectable, Logger } from '@nestjs/common';
import { JobInterruptedError } from '../core/database/fenced-records.js';
import { FinishedListener } from '../core/database/finished-listener.js';
import type { JobAttempt } from '../core/queue/job-host.js';
import { EngineRegistry } from '../engines/engine-registry.js';
import { BackupIntegrityError } from '../pipeline/backup-file.js';
import { StoredBackupFiles } from '../pipeline/stored-backup-files.js';
import { readBackupCatalog } from './backup-catalog-file.js';
import { CONTENTS_TIMEOUT_MS, type ContentsJobResult, contentsCancelledKey, contentsListedKey, describeContents } from './backup-contents.js';
import type { BackupEntity } from './backup.entity.js';
import { BackupsRepository } from './backups.repository.js';

/**
 * Worker side of GET /backups/:id/contents: reads the stored file as a restore would (size, sha256, decryption,
 * decompression, all streamed), has the engine list the objects it holds (pg_restore --list, or a scan of a MySQL
 * dump), adds each table's row count from the catalog's manifest, and returns the list as the job's result, then
 * announces it to the waiting request. Stopped when that request's client went away. Records nothing.
 */
@Injectable()
export class BackupContentsLister {
  private readonly logger = new Logger(BackupContentsLister.name);

  constructor(
    private readonly backups: BackupsRepository,
    private readonly files: StoredBackupFiles,
    private readonly engines: EngineRegistry,
    private readonly listener: FinishedListener,
  ) {}

  async list(backupId: string, attempt: JobAttempt): Promise<ContentsJobResult> {
    const jobId = attempt.job.id!;
    const cancelled = new AbortController();
    const unsubscribe = this.listener.subscribe(contentsCancelledKey(jobId), () => cancelled.abort());
    try {
      const signal = AbortSignal.any([AbortSignal.timeout(CONTENTS_TIMEOUT_MS), cancelled.signal, attempt.shutdown]);
      const result = await this.listOf(backupId, signal);
      if (attempt.shutdown.aborted) throw new JobInterruptedError();
      if (cancelled.signal.aborted) this.logger.log(`Listing the contents of backup ${backupId} stopped: its requester went away`);
      await this.backups.announce(contentsListedKey(jobId)).catch((error: Error) =>
        this.logger.warn(`Could not announce the contents of backup ${backupId}: ${error.message}`),
      );
      return result;
    } finally {
      unsubscribe();
    }
  }

  private async listOf(backupId: string, signal: AbortSignal): Promise<ContentsJobResult> {
    const backup = await this.backups.findById(backupId);
    if (!backup || backup.status !== 'success' || !backup.storageKey) return { outcome: 'no-file', status: backup?.status ?? 'deleted' };
    try {
      return { outcome: 'listed', objects: await this.read(backup, signal) };
    } catch (error) {
      return { outcome: 'unreadable', reason: (error as Error).message, corrupt: error instanceof BackupIntegrityError };
    }
  }

  private async read(backup: BackupEntity, signal: AbortSignal) {
    const objects = await this.files.listContents(this.engines.get(backup.engine), backup, signal);
    const catalog = await readBackupCatalog(this.files, backup, signal);
    return describeContents(objects, catalog?.manifest ?? null);
  }
}
