import { Injectable, Logger } from '@nestjs/common';
import { QueueUnavailableError } from '../backups/backups.errors.js';
import { BackupsRepository } from '../backups/backups.repository.js';
import { finishedEventKey } from '../core/database/fenced-records.js';
import { FinishedListener } from '../core/database/finished-listener.js';
import { isUniqueViolation } from '../core/database/postgres-errors.js';
import { isValidId } from '../core/http/id-param.js';
import { CANCELLED_BY_REQUEST } from '../core/process/attempt-progress.js';
import { JobQueues } from '../core/queue/job-queues.js';
import { Jobs } from '../core/queue/job-registry.js';
import { DatabasesService } from '../databases/databases.service.js';
import type { EngineName } from '../engines/engine-name.js';
import { ENGINES } from '../engines/engine-name.js';
import { engineFamily } from '../restores/restore-engine-family.js';
import type { DrillEntity, DrillTrigger } from './drill.entity.js';
import type { DrillProbe } from './drill-probe.js';
import { DrillsRepository } from './drills.repository.js';
import { DrillAlreadyFinishedError, DrillInProgressError, DrillNotFoundError, NoBackupToDrillError, NoSandboxError, SandboxEngineMismatchError, TickAlreadyDrilledError } from './drills.errors.js';
import type { SandboxEntity } from './sandbox.entity.js';
import { SandboxesRepository } from './sandboxes.repository.js';
import { SandboxesService } from './sandboxes.service.js';

/** What a drill is asked with (POST /databases/:id/drills, or a drill schedule's tick). */
export interface DrillRequest {
  sandboxId?: string;
  probe: DrillProbe | null;
  trigger: DrillTrigger;
  /** A drill schedule's tick: at most one drill per (scheduleId, scheduledFor). */
  scheduleId?: string;
  scheduledFor?: Date;
}

const ONE_PER_TICK_INDEX = 'drills_one_per_tick_idx';

@Injectable()
export class DrillsService {
  private readonly logger = new Logger(DrillsService.name);

  constructor(
    private readonly drills: DrillsRepository,
    private readonly sandboxRows: SandboxesRepository,
    private readonly sandboxes: SandboxesService,
    private readonly backups: BackupsRepository,
    private readonly databases: DatabasesService,
    private readonly queues: JobQueues,
    private readonly finished: FinishedListener,
  ) {}

  /**
   * Queues a drill of the database's newest successful backup (chosen again when the drill starts) on the given
   * sandbox, or on the first sandbox of the backup's engine family. One unfinished drill per database.
   */
  async request(databaseId: string, request: DrillRequest): Promise<DrillEntity> {
    const database = await this.databases.get(databaseId);
    const backup = await this.backups.newestSuccessful(database.id);
    if (!backup) throw new NoBackupToDrillError();
    const sandbox = await this.sandboxFor(backup.engine, request.sandboxId);
    const drill = await this.insertQueued(database.id, sandbox.id, request);
    try {
      await this.queues.enqueue(Jobs.runDrill, { drillId: drill.id });
    } catch (error) {
      this.logger.warn(`Could not enqueue drill ${drill.id}: ${(error as Error).message}`);
      await this.drills.deleteQueued(drill.id).catch(() => undefined);
      throw new QueueUnavailableError();
    }
    return drill;
  }

  /**
   * Ends a queued or running drill at once as `failed` with the error "Cancelled by request". A queued one's job is
   * removed. A running one's worker finds its row no longer its own at its next progress write (within a second):
   * it kills the restore tool and drops the scratch database. A finished drill is not cancelled.
   */
  async cancel(drillId: string): Promise<DrillEntity> {
    const drill = await this.get(drillId);
    const previous = await this.drills.cancelUnfinished(drill.id, CANCELLED_BY_REQUEST);
    if (!previous) throw new DrillAlreadyFinishedError((await this.get(drillId)).status);
    this.logger.log(`Drill ${drill.id} (${previous}) cancelled by request`);
    if (previous === 'queued') await this.queues.removeIfIdle(Jobs.runDrill, Jobs.runDrill.jobId({ drillId: drill.id }));
    await this.drills.announceFinished(drill.id).catch((error: Error) => this.logger.warn(`Could not announce drill ${drill.id}: ${error.message}`));
    return this.get(drillId);
  }

  /** Returns once the drill is success or failed, or after `seconds`. */
  async waitUntilFinished(drillId: string, seconds: number): Promise<void> {
    await this.finished.waitFor(finishedEventKey('Drill', drillId), seconds * 1000, async () => {
      const drill = await this.get(drillId);
      return drill.status === 'success' || drill.status === 'failed';
    });
  }

  /** Newest first, at most 1000; of one database when given. */
  list(databaseId?: string): Promise<DrillEntity[]> {
    return this.drills.listNewest(1000, databaseId);
  }

  async get(drillId: string): Promise<DrillEntity> {
    const drill = isValidId(drillId) ? await this.drills.findById(drillId) : null;
    if (!drill) throw new DrillNotFoundError();
    return drill;
  }

  private async sandboxFor(engine: EngineName, sandboxId: string | undefined): Promise<SandboxEntity> {
    if (sandboxId !== undefined) {
      const sandbox = await this.sandboxes.get(sandboxId);
      if (engineFamily(sandbox.engine) !== engineFamily(engine)) throw new SandboxEngineMismatchError(engine, sandbox.engine);
      return sandbox;
    }
    const family = ENGINES.filter((candidate) => engineFamily(candidate) === engineFamily(engine));
    const sandbox = await this.sandboxRows.firstOf(family);
    if (!sandbox) throw new NoSandboxError(engine);
    return sandbox;
  }

  private async insertQueued(databaseId: string, sandboxId: string, request: DrillRequest): Promise<DrillEntity> {
    try {
      const { trigger, probe, scheduleId, scheduledFor } = request;
      return await this.drills.insertQueued({ databaseId, sandboxId, trigger, probe, scheduleId, scheduledFor });
    } catch (error) {
      if (isUniqueViolation(error, ONE_PER_TICK_INDEX)) throw new TickAlreadyDrilledError();
      if (isUniqueViolation(error)) throw new DrillInProgressError();
      throw error;
    }
  }
}
