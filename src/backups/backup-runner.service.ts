import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppConfig } from '../core/config/app-config.js';
import { type AttemptOptions, type Claim, FencedRecords } from '../core/database/fenced-records.js';
import { AttemptSignal } from '../core/process/attempt-signal.js';
import { DatabasesService } from '../databases/databases.service.js';
import type { DumpSession } from '../engines/engine.js';
import { EngineRegistry } from '../engines/engine-registry.js';
import { backupFileExtension, type BackupFilePlan, BackupFiles, type StoredBackupFile } from '../storage/backup-files.js';
import { BackupEntity } from './backup.entity.js';

interface DumpOutcome {
  file: StoredBackupFile;
  plan: BackupFilePlan;
  serverVersion: string;
  toolVersion: string;
}

/** A failure no retry can fix. */
class PermanentBackupError extends Error {}

/** Where a backup's file goes, named from server-side ids only. */
export interface BackupKeyParts {
  backupId: string;
  databaseId: string;
  attempt: number;
}

export function storageKeyFor(claim: BackupKeyParts, extension: string, at = new Date()): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  return `db-${claim.databaseId}/${stamp}-backup-${claim.backupId}-a${claim.attempt}.${extension}`;
}

/** Runs one backup on a worker: claim the row, stream the dump to storage, record the outcome (fenced). */
@Injectable()
export class BackupRunner {
  private readonly logger = new Logger(BackupRunner.name);
  private readonly records: FencedRecords<BackupEntity>;

  constructor(
    @InjectRepository(BackupEntity) backups: Repository<BackupEntity>,
    private readonly files: BackupFiles,
    private readonly databases: DatabasesService,
    private readonly engines: EngineRegistry,
    private readonly config: AppConfig,
  ) {
    this.records = new FencedRecords(backups, this.logger, 'Backup');
  }

  async run(backupId: string, options: AttemptOptions): Promise<void> {
    const claim = await this.records.claim(backupId);
    if (!claim) {
      this.logger.log(`Backup ${backupId} is finished or deleted; nothing to do`);
      return;
    }
    const parts = { backupId, databaseId: String(claim.row.database_id), attempt: claim.attempt };
    let outcome: DumpOutcome;
    try {
      outcome = await this.dumpToStorage(parts, options.signal);
    } catch (error) {
      return this.records.settleFailure(claim, error as Error, options);
    }
    await this.recordSuccess(claim, outcome);
  }

  private async dumpToStorage(parts: BackupKeyParts, shutdown?: AbortSignal): Promise<DumpOutcome> {
    const registration = await this.databases.getIncludingDeleted(parts.databaseId);
    if (registration.deletedAt) throw new PermanentBackupError('The database registration was deleted');
    const target = this.databases.connectionTarget(registration);

    const attempt = new AttemptSignal(this.config.backupTimeoutMs, shutdown);
    const { signal } = attempt;
    const engine = this.engines.get(registration.engine);
    const plan: BackupFilePlan = {
      storageTargetId: registration.storageTargetId,
      compression: registration.compression,
      encrypted: registration.encrypted,
      key: storageKeyFor(parts, backupFileExtension(engine.dumpExtension, registration.compression, registration.encrypted)),
    };
    let session: DumpSession | undefined;
    const startDump = async (): Promise<DumpSession> => {
      const started = performance.now();
      session = await engine.startDump(target, signal);
      this.logger.debug(`Backup ${parts.backupId}: ${registration.engine} dump started in ${Math.round(performance.now() - started)} ms`);
      return session;
    };
    try {
      const file = await this.files.store(startDump, plan, signal);
      this.logger.debug(`Backup ${parts.backupId}: stored ${file.sizeBytes} bytes`);
      return { file, plan, serverVersion: session!.serverVersion, toolVersion: session!.toolVersion };
    } catch (error) {
      attempt.abort();
      await session?.completed.catch(() => undefined);
      if (attempt.timedOut) throw new PermanentBackupError(`Backup timed out after ${this.config.backupTimeoutMs / 1000} s`);
      throw error;
    }
  }

  private async recordSuccess(claim: Claim, { file, plan, serverVersion, toolVersion }: DumpOutcome): Promise<void> {
    const owned = await this.records.succeed(claim, {
      storageKey: file.key,
      storageTargetId: plan.storageTargetId,
      fileLocation: file.location,
      sizeBytes: String(file.sizeBytes),
      checksum: file.checksum,
      compression: plan.compression,
      encrypted: plan.encrypted,
      serverVersion,
      toolVersion,
    });
    if (owned) {
      this.logger.log(`Backup ${claim.id} succeeded: ${file.sizeBytes} bytes at ${file.location}`);
      return;
    }
    this.logger.warn(`Backup ${claim.id} attempt ${claim.attempt} lost its claim; removing its file`);
    await this.files.delete({ storageTargetId: plan.storageTargetId, storageKey: file.key });
  }
}
