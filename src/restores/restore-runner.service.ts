import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { BackupEntity } from '../backups/backup.entity.js';
import { AppConfig } from '../core/config/app-config.js';
import { type AttemptOptions, type Claim, FencedRecords } from '../core/database/fenced-records.js';
import { AttemptSignal } from '../core/process/attempt-signal.js';
import { feedStdin } from '../core/process/feed-stdin.js';
import { DatabasesService } from '../databases/databases.service.js';
import { EngineRegistry } from '../engines/engine-registry.js';
import { BackupFiles, BackupIntegrityError } from '../storage/backup-files.js';
import { RestoreEntity } from './restore.entity.js';
import { RestoreEvents } from './restore-events.service.js';

class PermanentRestoreError extends Error {}

/**
 * Runs one restore on a worker: verify the stored file (size, sha256) before touching the target, then stream it
 * decrypted and decompressed into the engine's restore tool.
 */
@Injectable()
export class RestoreRunner {
  private readonly logger = new Logger(RestoreRunner.name);
  private readonly records: FencedRecords<RestoreEntity>;

  constructor(
    @InjectRepository(RestoreEntity) restores: Repository<RestoreEntity>,
    @InjectRepository(BackupEntity) private readonly backups: Repository<BackupEntity>,
    private readonly files: BackupFiles,
    private readonly databases: DatabasesService,
    private readonly engines: EngineRegistry,
    private readonly config: AppConfig,
    events: RestoreEvents,
  ) {
    this.records = new FencedRecords(restores, this.logger, 'Restore', (claim) => events.finished(claim.id));
  }

  async run(restoreId: string, options: AttemptOptions): Promise<void> {
    const claim = await this.records.claim(restoreId);
    if (!claim) return;
    let toolVersion: string;
    try {
      toolVersion = await this.restore(claim, options.signal);
    } catch (error) {
      return this.records.settleFailure(claim, error as Error, options);
    }
    if (await this.records.succeed(claim, { toolVersion })) this.logger.log(`Restore ${restoreId} succeeded`);
  }

  private async restore(claim: Claim, shutdown?: AbortSignal): Promise<string> {
    const backup = await this.backups.findOneBy({ id: String(claim.row.backup_id ?? '0') });
    if (!backup || backup.status !== 'success') throw new PermanentRestoreError('The backup was deleted or has no file');
    const registration = await this.databases.getIncludingDeleted(String(claim.row.target_database_id));
    if (registration.deletedAt) throw new PermanentRestoreError('The target database registration was deleted');

    await this.files.verifyIntegrity(backup).catch((error: Error) => {
      throw error instanceof BackupIntegrityError ? new PermanentRestoreError(`Backup file failed verification: ${error.message}`) : error;
    });

    const attempt = new AttemptSignal(this.config.backupTimeoutMs, shutdown);
    const { signal } = attempt;
    const session = await this.engines.get(registration.engine).startRestore(await this.databases.connectionTarget(registration), signal);
    try {
      const dump = await this.files.openDump(backup, signal);
      // The restore tool's exit status is the verdict; if it stops reading early, the rest is drained.
      await Promise.all([feedStdin(dump.output, session.stdin), dump.completed, session.completed]);
      return session.toolVersion;
    } catch (error) {
      attempt.abort();
      await session.completed.catch(() => undefined);
      if (attempt.timedOut) throw new PermanentRestoreError(`Restore timed out after ${this.config.backupTimeoutMs / 1000} s`);
      if (error instanceof BackupIntegrityError) throw new PermanentRestoreError(`Backup file failed verification: ${error.message}`);
      throw error;
    }
  }
}
