import { Injectable, Logger } from '@nestjs/common';
import type { BackupEntity } from '../backups/backup.entity.js';
import { BackupsRepository } from '../backups/backups.repository.js';
import { AppConfig } from '../core/config/app-config.js';
import { type AttemptOptions, type Claim, FencedRecords } from '../core/database/fenced-records.js';
import { AttemptProgress } from '../core/process/attempt-progress.js';
import { AttemptSignal } from '../core/process/attempt-signal.js';
import { DatabasesService } from '../databases/databases.service.js';
import { type ManifestComparison, describeDifferences } from '../engines/backup-catalog.js';
import { type DatabaseEngine, DEFAULT_RESTORE_OPTIONS, type RestoreOptions, type RestorePlan } from '../engines/engine.js';
import { EngineRegistry } from '../engines/engine-registry.js';
import { RestorePipeline } from '../pipeline/restore-pipeline.js';
import { StoredBackupFiles } from '../pipeline/stored-backup-files.js';
import { compareWithManifest, PermanentRestoreError, readCheckedCatalog, replayChecked } from '../restores/fresh-copy.js';
import { engineFamily } from '../restores/restore-engine-family.js';
import type { DrillEntity } from './drill.entity.js';
import { DrillEvents } from './drill-events.service.js';
import { type DrillIdentity, scratchDatabaseName } from './drill-names.js';
import { type DrillProbe, judgeProbe, type ProbeResult } from './drill-probe.js';
import type { DrillPhase, DrillProgress } from './drill-progress.js';
import { DrillsRepository } from './drills.repository.js';
import type { SandboxEntity } from './sandbox.entity.js';
import { SandboxesRepository } from './sandboxes.repository.js';
import { SandboxesService } from './sandboxes.service.js';

/**
 * A sandbox lacks the source's roles and accounts: objects are owned by the sandbox's user and carry no grants, and
 * missing definers become that user. The manifest still counts every row and object.
 */
const DRILL_RESTORE_OPTIONS: RestoreOptions = {
  ...DEFAULT_RESTORE_OPTIONS,
  ownership: 'restoring-user',
  rewriteMissingDefiners: true,
};

/** How long a probe may run. */
const PROBE_TIMEOUT_MS = 30_000;

/** A progress write or a fenced write found the row no longer running under this attempt. */
const LOST_CLAIM = 'This attempt lost its claim on the drill: it was cancelled, or another worker runs it';

/** What every step of one attempt works under. */
interface DrillRun {
  attempt: AttemptSignal;
  progress: DrillProgress;
  claim: Claim;
}

interface DrillOutcome {
  toolVersion: string;
  verification: ManifestComparison;
  restoreTimeSeconds: number;
  probeResult: ProbeResult | null;
}

/**
 * Runs one restore drill on a worker: the database's newest successful backup is restored into a scratch database
 * on a sandbox through the restore pipeline (catalog and file checked, fresh database, restore tool), timed,
 * compared with the manifest, probed if asked, and the scratch database is dropped whatever happened.
 */
@Injectable()
export class DrillRunner {
  private readonly logger = new Logger(DrillRunner.name);
  private readonly records: FencedRecords<DrillEntity>;

  constructor(
    private readonly drills: DrillsRepository,
    private readonly backups: BackupsRepository,
    private readonly sandboxRows: SandboxesRepository,
    private readonly sandboxes: SandboxesService,
    private readonly databases: DatabasesService,
    private readonly engines: EngineRegistry,
    private readonly pipeline: RestorePipeline,
    private readonly files: StoredBackupFiles,
    private readonly config: AppConfig,
    events: DrillEvents,
  ) {
    this.records = new FencedRecords(drills.fenced, this.logger, 'Drill', (claim) => events.finished(claim.id));
  }

  async run(drillId: string, options: AttemptOptions): Promise<void> {
    const claim = await this.records.claim(drillId);
    if (!claim) return;
    const progress = this.progressOf(claim);
    let outcome: DrillOutcome;
    try {
      outcome = await this.drill(claim, progress, options.signal);
    } catch (error) {
      await progress.stop();
      // A tool killed because the row was cancelled is no failure to retry: the row already says why it ended.
      const failure = progress.lost.aborted ? new PermanentRestoreError(LOST_CLAIM) : (error as Error);
      return this.records.settleFailure(claim, failure, options);
    }
    await progress.stop();
    const owned = await this.records.succeed(claim, {
      toolVersion: outcome.toolVersion,
      verification: outcome.verification as never,
      restoreTimeSeconds: outcome.restoreTimeSeconds,
      probeResult: outcome.probeResult as never,
      progressPhase: null,
      progressBytes: null,
    });
    if (owned) this.logger.log(`Drill ${drillId} succeeded: restored in ${outcome.restoreTimeSeconds.toFixed(1)} s`);
  }

  private async drill(claim: Claim, progress: DrillProgress, shutdown?: AbortSignal): Promise<DrillOutcome> {
    const backup = await this.backupToDrill(String(claim.row.database_id));
    const sandbox = await this.sandboxFor(claim, backup);
    // A cancel (or a takeover) found by a progress write stops the attempt's tools as a shutdown would.
    const attempt = new AttemptSignal(this.config.backupTimeoutMs, AbortSignal.any([progress.lost, ...(shutdown ? [shutdown] : [])]));
    const engine = this.engines.get(sandbox.engine);
    const plan: RestorePlan = {
      target: this.sandboxes.connectionTarget(sandbox),
      freshDatabase: scratchDatabaseName(identityOf(claim), claim.attempt),
      asideDatabase: '',
      catalog: await readCheckedCatalog(this.files, backup, attempt.signal),
      options: DRILL_RESTORE_OPTIONS,
    };
    await this.own(claim, { backupId: backup.id, scratchDatabase: plan.freshDatabase, scratchDroppedAt: null });
    await engine.preflight(plan);
    await this.dropEarlierAttempts(engine, plan, claim);
    try {
      return await this.restoreAndCheck(engine, plan, backup, { attempt, progress, claim });
    } finally {
      await this.dropScratch(engine, plan, claim.id);
    }
  }

  /** The drill's phase and bytes read, written to its row at once and then every second, fenced. */
  private progressOf(claim: Claim): DrillProgress {
    const progress = new AttemptProgress<DrillPhase>('downloading', (phase, bytes) => this.drills.writeProgress(claim, phase, bytes));
    void progress.enter('downloading');
    return progress;
  }

  /** Writes a new phase; stops the attempt if its row was cancelled or taken over meanwhile. */
  private async enterOwned(progress: DrillProgress, phase: DrillPhase): Promise<void> {
    if (!(await progress.enter(phase))) throw new PermanentRestoreError(LOST_CLAIM);
  }

  private async restoreAndCheck(engine: DatabaseEngine, plan: RestorePlan, backup: BackupEntity, run: DrillRun): Promise<DrillOutcome> {
    const { attempt, progress, claim } = run;
    const started = performance.now();
    await engine.createFreshDatabase(plan);
    await this.enterOwned(progress, 'restoring');
    const toolVersion = await replayChecked(this.pipeline, engine, plan, backup, attempt, this.config.backupTimeoutMs, { progress: progress.bytes });
    const restoreTimeSeconds = Math.round(performance.now() - started) / 1000;
    // The read offset is sampled; once replayed and checksummed, the whole file was read.
    progress.bytes(Number(backup.sizeBytes));
    await this.enterOwned(progress, 'checking');
    const verification = await compareWithManifest(engine, plan);
    await this.own(claim, { toolVersion, restoreTimeSeconds, verification: verification as never });
    if (verification.status === 'failed') {
      throw new PermanentRestoreError(`The restored copy does not match the backup's manifest: ${describeDifferences(verification.differences)}`);
    }
    const probeResult = await this.probe(engine, plan, run);
    return { toolVersion, verification, restoreTimeSeconds, probeResult };
  }

  /** Runs the drill's probe on the scratch copy, records its result; a probe that errors or does not hold fails. */
  private async probe(engine: DatabaseEngine, plan: RestorePlan, { claim, progress }: DrillRun): Promise<ProbeResult | null> {
    const probe = claim.row.probe as DrillProbe | null;
    if (!probe) return null;
    await this.enterOwned(progress, 'probing');
    const value = await engine.runProbe(plan.target, plan.freshDatabase, probe.sql, PROBE_TIMEOUT_MS);
    const result = judgeProbe(probe, value);
    await this.own(claim, { probeResult: result as never });
    if (!result.passed) throw new PermanentRestoreError(`The probe did not hold: ${result.reason}`);
    return result;
  }

  private async backupToDrill(databaseId: string): Promise<BackupEntity> {
    const registration = await this.databases.getIncludingDeleted(databaseId);
    if (registration.deletedAt) throw new PermanentRestoreError('The database registration was deleted');
    const backup = await this.backups.newestSuccessful(registration.id);
    if (!backup) throw new PermanentRestoreError('The database has no successful backup to drill');
    return backup;
  }

  private async sandboxFor(claim: Claim, backup: BackupEntity): Promise<SandboxEntity> {
    const sandboxId = claim.row.sandbox_id;
    const sandbox = sandboxId ? await this.sandboxRows.findById(String(sandboxId)) : null;
    if (!sandbox) throw new PermanentRestoreError('The sandbox of this drill was removed');
    if (engineFamily(backup.engine) !== engineFamily(sandbox.engine)) {
      throw new PermanentRestoreError(`A ${backup.engine} backup cannot be drilled on a ${sandbox.engine} sandbox`);
    }
    return sandbox;
  }

  private async own(claim: Claim, values: Parameters<FencedRecords<DrillEntity>['update']>[1]): Promise<void> {
    if (!(await this.records.update(claim, values))) {
      throw new PermanentRestoreError('This attempt lost its claim on the drill; another worker runs it');
    }
  }

  /** Scratch databases of earlier attempts of this drill, left by a worker that died. */
  private async dropEarlierAttempts(engine: DatabaseEngine, plan: RestorePlan, claim: Claim): Promise<void> {
    for (let attempt = 1; attempt <= claim.attempt; attempt++) {
      await engine.dropServiceDatabase(plan.target, scratchDatabaseName(identityOf(claim), attempt));
    }
  }

  /** Always, success or failure; a drop that fails is left to the scratch sweeper. */
  private async dropScratch(engine: DatabaseEngine, plan: RestorePlan, drillId: string): Promise<void> {
    try {
      await engine.dropServiceDatabase(plan.target, plan.freshDatabase);
      await this.drills.markScratchDropped(drillId, plan.freshDatabase);
    } catch (error) {
      this.logger.warn(`Could not drop ${plan.freshDatabase} (drill ${drillId}); the sweeper will: ${(error as Error).message}`);
    }
  }
}

function identityOf(claim: Claim): DrillIdentity {
  return { id: claim.id, requestedAt: new Date(claim.row.requested_at as Date) };
}
