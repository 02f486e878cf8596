import { Injectable, Logger } from '@nestjs/common';
import { JobInterruptedError } from '../core/database/fenced-records.js';
import { FinishedListener } from '../core/database/finished-listener.js';
import type { JobAttempt } from '../core/queue/job-host.js';
import { EngineRegistry } from '../engines/engine-registry.js';
import { StoredBackupFiles } from '../pipeline/stored-backup-files.js';
import { readBackupCatalog } from './backup-catalog-file.js';
import type { BackupEntity } from './backup.entity.js';
import { BackupsRepository } from './backups.repository.js';
import { verificationCancelledKey, verificationDoneKey, VERIFY_TIMEOUT_MS } from './backup-verification.js';

/**
 * Worker side of POST /backups/:id/verify: re-reads the stored file (size, sha256, decryption) and has the engine
 * read the whole archive (pg_restore for PostgreSQL), then records the verdict on the backup and announces it to
 * the waiting request. Stopped for a request whose client went away: no verdict on the file, nothing recorded.
 */
@Injectable()
export class BackupVerifier {
  private readonly logger = new Logger(BackupVerifier.name);

  constructor(
    private readonly backups: BackupsRepository,
    private readonly files: StoredBackupFiles,
    private readonly engines: EngineRegistry,
    private readonly listener: FinishedListener,
  ) {}

  async verify(backupId: string, attempt: JobAttempt): Promise<void> {
    const jobId = attempt.job.id!;
    const cancelled = new AbortController();
    const unsubscribe = this.listener.subscribe(verificationCancelledKey(jobId), () => cancelled.abort());
    try {
      const backup = await this.backups.findById(backupId);
      if (backup?.status === 'success' && backup.storageKey) {
        const signal = AbortSignal.any([AbortSignal.timeout(VERIFY_TIMEOUT_MS), cancelled.signal, attempt.shutdown]);
        const failure = await this.checkArchive(backup, signal);
        if (attempt.shutdown.aborted) throw new JobInterruptedError();
        if (cancelled.signal.aborted) {
          this.logger.log(`Verification of backup ${backupId} stopped: its requester went away`);
          return;
        }
        await this.backups.recordVerification(backup.id, failure);
      }
      await this.backups.announce(verificationDoneKey(jobId)).catch((error: Error) =>
        this.logger.warn(`Could not announce the verification of backup ${backupId}: ${error.message}`),
      );
    } finally {
      unsubscribe();
    }
  }

  /** The reason the stored backup is not sound, or null. */
  private async checkArchive(backup: BackupEntity, signal: AbortSignal): Promise<string | null> {
    try {
      await this.files.verifyArchive(this.engines.get(backup.engine), backup, signal);
      // The catalog sidecar must be intact too: every restore is checked against its manifest.
      await readBackupCatalog(this.files, backup, signal);
      return null;
    } catch (error) {
      return (error as Error).message;
    }
  }
}
