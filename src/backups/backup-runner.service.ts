import { Injectable, Logger, Optional } from '@nestjs/common';
import { AppConfig } from '../core/config/app-config.js';
import { type AttemptOptions, type Claim, FencedRecords } from '../core/database/fenced-records.js';
import { AttemptSignal } from '../core/process/attempt-signal.js';
import { JobQueues } from '../core/queue/job-queues.js';
import { requestRetention } from '../core/queue/retention-requests.js';
import type { EngineName } from '../engines/engine-name.js';
import { DatabasesService } from '../databases/databases.service.js';
import type { BackupCatalog } from '../engines/backup-catalog.js';
import { EngineRegistry } from '../engines/engine-registry.js';
import { backupFileExtension, type BackupFilePlan, ENCRYPTED_EXTENSION, type StoredBackupFile } from '../pipeline/backup-file.js';
import { BackupPipeline } from '../pipeline/backup-pipeline.js';
import { StoredBackupFiles } from '../pipeline/stored-backup-files.js';
import { WorkerMetrics } from '../core/metrics/worker-metrics.service.js';
import type { BackupEntity } from './backup.entity.js';
import { BackupsRepository } from './backups.repository.js';
import { BackupEvents } from './backup-events.service.js';
import { BackupProgress } from './backup-progress.js';
import { BackupAnomalyCheck } from './backup-anomaly-check.service.js';

interface DumpOutcome {
  file: StoredBackupFile;
  catalogFile: StoredBackupFile;
  catalog: BackupCatalog;
  engine: string;
  seconds: number;
  plan: BackupFilePlan;
  serverVersion: string;
  toolVersion: string;
}

/** A failure no retry can fix. */
class PermanentBackupError extends Error {
  readonly transient = false;
}

/** Where a backup's file goes, named from server-side ids only. */
export interface BackupKeyParts {
  backupId: string;
  databaseId: string;
  attempt: number;
}

/** The catalog sidecar's extension: JSON, encrypted like the dump. */
export function catalogFileExtension(encrypted: boolean): string {
  return `catalog.json${encrypted ? ENCRYPTED_EXTENSION : ''}`;
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
    backups: BackupsRepository,
    private readonly pipeline: BackupPipeline,
    private readonly files: StoredBackupFiles,
    private readonly databases: DatabasesService,
    private readonly engines: EngineRegistry,
    private readonly config: AppConfig,
    private readonly queues: JobQueues,
    events: BackupEvents,
    private readonly metrics: WorkerMetrics,
    @Optional() private readonly anomalyCheck?: BackupAnomalyCheck,
  ) {
    this.records = new FencedRecords(backups.fenced, this.logger, 'Backup', (claim) => events.finished(claim.id));
  }

  async run(backupId: string, options: AttemptOptions): Promise<void> {
    const claim = await this.records.claim(backupId);
    if (!claim) {
      this.logger.log(`Backup ${backupId} is finished or deleted; nothing to do`);
      return;
    }
    const parts = { backupId, databaseId: String(claim.row.database_id), attempt: claim.attempt };
    const progress = new BackupProgress((phase, bytes) =>
      this.records.update(claim, { progressPhase: phase, progressBytes: String(bytes) }),
    );
    let outcome: DumpOutcome;
    try {
      outcome = await this.dumpToStorage(claim, parts, progress, options.signal);
    } catch (error) {
      await progress.stop();
      return this.records.settleFailure(claim, error as Error, options);
    }
    await progress.stop();
    await this.recordSuccess(claim, outcome);
  }

  private async dumpToStorage(claim: Claim, parts: BackupKeyParts, progress: BackupProgress, shutdown?: AbortSignal): Promise<DumpOutcome> {
    progress.enter('connecting');
    const registration = await this.databases.getIncludingDeleted(parts.databaseId);
    if (registration.deletedAt) throw new PermanentBackupError('The database registration was deleted');
    const backupEngine = String(claim.row.engine) as EngineName;
    if (backupEngine !== registration.engine) {
      throw new PermanentBackupError(`The backup was requested for a ${backupEngine} database; the registration now says ${registration.engine}`);
    }
    const target = await this.databases.connectionTarget(registration);

    const attempt = new AttemptSignal(this.config.backupTimeoutMs, shutdown);
    const { signal } = attempt;
    const started = performance.now();
    const engine = this.engines.get(backupEngine);
    const requestedAt = new Date();
    const plan: BackupFilePlan = {
      storageTargetId: registration.storageTargetId,
      compression: registration.compression,
      encrypted: registration.encrypted,
      key: storageKeyFor(parts, backupFileExtension(engine.dumpExtension, registration.compression, registration.encrypted), requestedAt),
    };
    // The settings this attempt uses (the registration's now), shown on the backup even if it fails.
    await this.records.update(claim, { compression: plan.compression, encrypted: plan.encrypted, storageTargetId: plan.storageTargetId });
    const catalogKey = storageKeyFor(parts, catalogFileExtension(registration.encrypted), requestedAt);
    const onDumpStarted = () => {
      progress.enter('dumping');
      this.logger.debug(`Backup ${parts.backupId}: ${backupEngine} dump started after ${Math.round(performance.now() - started)} ms`);
    };
    try {
      const stored = await this.pipeline.run({ engine, target, file: plan, catalogKey, signal, onDumpStarted, progress: progress.bytes });
      this.logger.debug(`Backup ${parts.backupId}: stored ${stored.file.sizeBytes} bytes in ${Math.round(performance.now() - started)} ms`);
      const seconds = (performance.now() - started) / 1000;
      return { ...stored, plan, engine: backupEngine, seconds };
    } catch (error) {
      attempt.abort();
      if (attempt.timedOut) throw new PermanentBackupError(`Backup timed out after ${this.config.backupTimeoutMs / 1000} s`);
      throw error;
    }
  }

  /** Best effort: the periodic sweep enforces the policy anyway. */
  private async enforceRetention(databaseId: string): Promise<void> {
    await requestRetention(this.queues, databaseId).catch((error: Error) =>
      this.logger.warn(`Could not request retention for database ${databaseId}: ${error.message}`),
    );
  }

  private async recordSuccess(claim: Claim, outcome: DumpOutcome): Promise<void> {
    const { file, catalogFile, catalog, plan, engine, seconds, serverVersion, toolVersion } = outcome;
    const anomalies = (await this.anomalyCheck?.anomaliesOf(claim.id, file.sizeBytes)) ?? [];
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
      catalogKey: catalogFile.key,
      catalogSizeBytes: String(catalogFile.sizeBytes),
      catalogChecksum: catalogFile.checksum,
      manifest: catalog.manifest as never,
      warnings: catalog.warnings as never,
      ...(anomalies.length > 0 && { anomalies: anomalies as never }),
      progressPhase: null,
      progressBytes: null,
    });
    if (owned) {
      this.metrics.backupStored(engine, file.sizeBytes, seconds);
      if (catalog.warnings.length) this.logger.warn(`Backup ${claim.id} warnings: ${catalog.warnings.join('; ')}`);
      for (const anomaly of anomalies) this.logger.warn(`Backup ${claim.id} anomaly: ${anomaly.message}`);
      this.logger.log(`Backup ${claim.id} succeeded: ${file.sizeBytes} bytes at ${file.location}`);
      await this.enforceRetention(String(claim.row.database_id));
      return;
    }
    this.logger.warn(`Backup ${claim.id} attempt ${claim.attempt} lost its claim; removing its file`);
    await this.files.delete({ storageTargetId: plan.storageTargetId, storageKey: file.key });
    await this.files.delete({ storageTargetId: plan.storageTargetId, storageKey: catalogFile.key });
  }
}
