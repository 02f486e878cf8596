import { Injectable, Logger } from '@nestjs/common';
import type { BackupEntity } from '../backups/backup.entity.js';
import { BackupsRepository } from '../backups/backups.repository.js';
import { AppConfig } from '../core/config/app-config.js';
import { type AttemptOptions, type Claim, FencedRecords } from '../core/database/fenced-records.js';
import { AttemptProgress } from '../core/process/attempt-progress.js';
import { AttemptSignal } from '../core/process/attempt-signal.js';
import { DatabasesService } from '../databases/databases.service.js';
import { type BackupCatalog, type ManifestComparison, describeDifferences } from '../engines/backup-catalog.js';
import { type DatabaseEngine, DEFAULT_RESTORE_OPTIONS, type RestorePlan, type TableSelection } from '../engines/engine.js';
import { EngineRegistry } from '../engines/engine-registry.js';
import { RestorePipeline } from '../pipeline/restore-pipeline.js';
import { StoredBackupFiles } from '../pipeline/stored-backup-files.js';
import type { RestoreEntity } from './restore.entity.js';
import { RestoresRepository } from './restores.repository.js';
import { RestoreEvents } from './restore-events.service.js';
import type { RestorePhase, RestoreProgress } from './restore-progress.js';
import { engineFamily } from './restore-engine-family.js';
import { asideDatabaseName, freshDatabaseName, type RestoreIdentity } from './restore-names.js';
import { TableRestorer } from './table-restorer.service.js';
import { compareWithManifest, PermanentRestoreError, readCheckedCatalog, replayChecked } from './fresh-copy.js';

/** A progress write or the switch found the row no longer running under this attempt. */
const LOST_CLAIM = 'This attempt lost its claim on the restore: it was cancelled, or another worker runs it';

interface RestoreOutcome {
  toolVersion: string;
  verification: ManifestComparison;
  asideDatabase: string | null;
}

/**
 * Runs one restore on a worker, so that a restore that says `success` has produced a faithful copy and a failed one
 * leaves its target as it was:
 * 1. the stored dump and its catalog are checked (size, sha256) before anything is written;
 * 2. the engine's pre-flight checks the target server has what the backup needs (roles, definer accounts, packet
 *    size), or creates it where the request allows;
 * 3. the dump is restored into a fresh, empty database named from server-side ids, with the backup's database
 *    properties;
 * 4. that copy is measured and compared with the backup's manifest: a difference fails the restore;
 * 5. only then the copy is switched in under the target's name; the database that had it goes aside, kept until
 *    RESTORE_ASIDE_KEEP_SECONDS or DELETE /restores/:id/aside removes it.
 * Any failure before the switch drops the fresh database; the switch itself is all or nothing.
 * A restore of named tables (see TableRestorer) skips 3 and 5: the tables go into the target itself, beside the rest.
 */
@Injectable()
export class RestoreRunner {
  private readonly logger = new Logger(RestoreRunner.name);
  private readonly records: FencedRecords<RestoreEntity>;

  constructor(
    private readonly restores: RestoresRepository,
    private readonly backups: BackupsRepository,
    private readonly pipeline: RestorePipeline,
    private readonly files: StoredBackupFiles,
    private readonly databases: DatabasesService,
    private readonly engines: EngineRegistry,
    private readonly config: AppConfig,
    private readonly tableRestorer: TableRestorer,
    events: RestoreEvents,
  ) {
    this.records = new FencedRecords(restores.fenced, this.logger, 'Restore', (claim) => events.finished(claim.id));
  }

  async run(restoreId: string, options: AttemptOptions): Promise<void> {
    const claim = await this.records.claim(restoreId);
    if (!claim) return;
    const progress = this.progressOf(claim);
    let outcome: RestoreOutcome;
    try {
      outcome = await this.restore(claim, progress, options.signal);
    } catch (error) {
      await progress.stop();
      return this.records.settleFailure(claim, error as Error, options);
    }
    await progress.stop();
    // Cosmetic (only a running restore shows progress): a failed clear must not fail a restore switched in.
    await this.restores.writeProgress(claim, null, null).catch(() => false);
    const asideExpiresAt = outcome.asideDatabase ? new Date(Date.now() + this.config.restoreAsideKeepMs) : null;
    const owned = await this.records.succeed(claim, {
      toolVersion: outcome.toolVersion,
      verification: outcome.verification as never,
      asideDatabase: outcome.asideDatabase,
      asideExpiresAt,
    });
    if (owned) this.logger.log(`Restore ${restoreId} succeeded${outcome.asideDatabase ? `; previous content kept as ${outcome.asideDatabase}` : ''}`);
  }

  private async restore(claim: Claim, progress: RestoreProgress, shutdown?: AbortSignal): Promise<RestoreOutcome> {
    const backup = await this.backups.findById(String(claim.row.backup_id ?? '0'));
    if (!backup || backup.status !== 'success') throw new PermanentRestoreError('The backup was deleted or has no file');
    const registration = await this.databases.getIncludingDeleted(String(claim.row.target_database_id));
    if (registration.deletedAt) throw new PermanentRestoreError('The target database registration was deleted');
    if (engineFamily(backup.engine) !== engineFamily(registration.engine)) {
      throw new PermanentRestoreError(`Cannot restore a ${backup.engine} backup into a ${registration.engine} database`);
    }

    // A cancel (or a takeover) found by a progress write stops the attempt's tools as a shutdown would.
    const attempt = new AttemptSignal(this.config.backupTimeoutMs, AbortSignal.any([progress.lost, ...(shutdown ? [shutdown] : [])]));
    const lap = this.phaseLog(claim.id);
    const catalog = await this.readCatalog(backup, attempt.signal);
    lap('catalog read');
    const engine = this.engines.get(registration.engine);
    const plan: RestorePlan = {
      target: await this.databases.connectionTarget(registration),
      freshDatabase: freshDatabaseName(identityOf(claim), claim.attempt),
      asideDatabase: asideDatabaseName(identityOf(claim)),
      catalog,
      options: { ...DEFAULT_RESTORE_OPTIONS, ...(claim.row.options as object | null) },
    };
    const selection = claim.row.tables as TableSelection | null;
    if (selection) {
      // A restore under other names may have left a scratch database (its fresh one) in an attempt that died.
      if (selection.rename) await this.dropEarlierAttempts(engine, plan, claim);
      const restored = await this.tableRestorer.restore(engine, plan, backup, selection, attempt, progress);
      lap('named tables restored and counted');
      return { ...restored, asideDatabase: null };
    }

    await engine.preflight(plan);
    await this.dropEarlierAttempts(engine, plan, claim);
    await engine.createFreshDatabase(plan);
    lap('pre-flight and fresh database');
    try {
      await this.enterOwned(progress, 'restoring');
      const toolVersion = await this.replay(engine, plan, backup, attempt, progress);
      lap('restore tool');
      await progress.enter('checking');
      const verification = await this.verify(engine, plan, claim);
      lap('manifest check');
      // Fenced, before the switch: a cancel that came first stops it here; once written, a cancel is refused.
      await this.enterOwned(progress, 'switching');
      const { setAside } = await engine.switchIn(plan);
      lap('switch');
      return { toolVersion, verification, asideDatabase: setAside ? plan.asideDatabase : null };
    } catch (error) {
      await engine
        .dropServiceDatabase(plan.target, plan.freshDatabase)
        .catch((dropError: Error) => this.logger.warn(`Could not drop ${plan.freshDatabase}: ${dropError.message}`));
      throw error;
    }
  }

  /** The restore's phase and bytes read, written to its row at once and then every second, fenced. */
  private progressOf(claim: Claim): RestoreProgress {
    const progress = new AttemptProgress<RestorePhase>('downloading', (phase, bytes) => this.restores.writeProgress(claim, phase, bytes));
    void progress.enter('downloading');
    return progress;
  }

  /** Writes a new phase; stops the attempt if its row was cancelled or taken over meanwhile. */
  private async enterOwned(progress: RestoreProgress, phase: RestorePhase): Promise<void> {
    if (!(await progress.enter(phase))) throw new PermanentRestoreError(LOST_CLAIM);
  }

  /** Logs, at debug level, how long each phase of a restore took (BENCH_TRACE=1 prints them). */
  private phaseLog(restoreId: string): (phase: string) => void {
    let last = performance.now();
    return (phase) => {
      const now = performance.now();
      this.logger.debug(`Restore ${restoreId}: ${phase} in ${Math.round(now - last)} ms`);
      last = now;
    };
  }

  /** The catalog sidecar, checked like the dump. A backup without one cannot be verified after restore. */
  private readCatalog(backup: BackupEntity, signal: AbortSignal): Promise<BackupCatalog> {
    return readCheckedCatalog(this.files, backup, signal);
  }

  /** Fresh databases of earlier attempts of this restore, left by a worker that died. */
  private async dropEarlierAttempts(engine: DatabaseEngine, plan: RestorePlan, claim: Claim): Promise<void> {
    for (let attempt = 1; attempt <= claim.attempt; attempt++) {
      await engine.dropServiceDatabase(plan.target, freshDatabaseName(identityOf(claim), attempt));
    }
  }

  /** Feeds the stored dump to the restore tool (see RestorePipeline.replay); returns the tool's version. */
  private async replay(engine: DatabaseEngine, plan: RestorePlan, backup: BackupEntity, attempt: AttemptSignal, progress: RestoreProgress): Promise<string> {
    try {
      return await replayChecked(this.pipeline, engine, plan, backup, attempt, this.config.backupTimeoutMs, { progress: progress.bytes });
    } catch (error) {
      if (progress.lost.aborted) throw new PermanentRestoreError(LOST_CLAIM);
      throw error;
    }
  }

  /** Measures the restored copy against the backup's manifest and records the comparison; a difference fails. */
  private async verify(engine: DatabaseEngine, plan: RestorePlan, claim: Claim): Promise<ManifestComparison> {
    const verification = await compareWithManifest(engine, plan);
    const owned = await this.records.update(claim, { verification: verification as never });
    if (!owned) throw new PermanentRestoreError('This attempt lost its claim on the restore; another worker runs it');
    if (verification.status === 'failed') {
      throw new PermanentRestoreError(
        `The restored copy does not match the backup's manifest, so it was not switched in: ${describeDifferences(verification.differences)}`,
      );
    }
    return verification;
  }
}

function identityOf(claim: Claim): RestoreIdentity {
  return { id: claim.id, requestedAt: new Date(claim.row.requested_at as Date) };
}
