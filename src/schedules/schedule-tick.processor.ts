import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Job } from 'bullmq';
import { Repository } from 'typeorm';
import { BackupRequests } from '../backups/backup-requests.service.js';
import { BackupInProgressError, TickAlreadyBackedUpError } from '../backups/backups.errors.js';
import { AppConfig } from '../core/config/app-config.js';
import { handle, JobHost } from '../core/queue/job-host.js';
import { Jobs, QueueNames } from '../core/queue/job-registry.js';
import { WorkerMetrics } from '../core/metrics/worker-metrics.service.js';
import { DatabaseNotFoundError } from '../databases/databases.errors.js';
import {
  DrillInProgressError,
  NoBackupToDrillError,
  NoSandboxError,
  SandboxEngineMismatchError,
  SandboxNotFoundError,
  TickAlreadyDrilledError,
} from '../drills/drills.errors.js';
import { DrillsService } from '../drills/drills.service.js';
import { ScheduleEntity } from './schedule.entity.js';

/** The tick a job scheduler's job stands for: its id is `repeat:<scheduler id>:<tick millis>`. */
export function tickTimeOf(job: Pick<Job, 'id' | 'timestamp' | 'delay'>): Date {
  const millis = /:(\d+)$/.exec(job.id ?? '')?.[1];
  return new Date(millis ? Number(millis) : job.timestamp + job.delay);
}

/** Why a drill schedule's tick makes no drill: it is skipped, logged, and the schedule shows as missed. */
function cannotDrillNow(error: unknown): error is Error {
  return [DrillInProgressError, NoBackupToDrillError, NoSandboxError, SandboxNotFoundError, SandboxEngineMismatchError].some((type) => error instanceof type);
}

/**
 * Turns a schedule tick into a backup (or, for a drill schedule, a restore drill) through the same path as POST /backups, with trigger "schedule". The tick time
 * is stored on the backup under a unique index, so a redelivered tick job cannot make a second backup. A tick that
 * finds a backup of the database still queued or running is skipped and logged.
 */
@Injectable()
export class ScheduleTickProcessor extends JobHost {
  constructor(
    @InjectRepository(ScheduleEntity) private readonly schedules: Repository<ScheduleEntity>,
    private readonly requests: BackupRequests,
    private readonly drills: DrillsService,
    config: AppConfig,
    metrics: WorkerMetrics,
  ) {
    super(QueueNames.schedules, config, metrics);
  }

  protected handlers() {
    return [handle(Jobs.scheduleTick, ({ scheduleId }, attempt) => this.tick(scheduleId, tickTimeOf(attempt.job)))];
  }

  async tick(scheduleId: string, scheduledFor: Date): Promise<void> {
    const schedule = await this.schedules.findOneBy({ id: scheduleId });
    const at = scheduledFor.toISOString();
    if (!schedule?.enabled) {
      this.logger.log(`Schedule ${scheduleId} is deleted or disabled; tick ${at} ignored`);
      return;
    }
    if (schedule.kind === 'drill') return this.drillTick(schedule, scheduledFor);
    try {
      const backup = await this.requests.request(schedule.databaseId, { trigger: 'schedule', scheduleId, scheduledFor });
      this.logger.log(`Schedule ${scheduleId} tick ${at}: backup ${backup.id} of database ${schedule.databaseId} queued`);
    } catch (error) {
      if (error instanceof TickAlreadyBackedUpError) {
        this.logger.log(`Schedule ${scheduleId} tick ${at} already has its backup`);
      } else if (error instanceof BackupInProgressError) {
        this.logger.warn(`Schedule ${scheduleId} tick ${at} skipped: ${error.message}`);
      } else if (error instanceof DatabaseNotFoundError) {
        this.logger.log(`Schedule ${scheduleId} tick ${at} ignored: its database was deleted`);
      } else {
        throw error;
      }
    }
  }

  /** A drill schedule's tick: one drill, trigger "schedule"; a tick that cannot drill now is skipped and shows as missed. */
  private async drillTick(schedule: ScheduleEntity, scheduledFor: Date): Promise<void> {
    const at = scheduledFor.toISOString();
    try {
      const drill = await this.drills.request(schedule.databaseId, {
        trigger: 'schedule',
        sandboxId: schedule.drillSandboxId ?? undefined,
        probe: schedule.drillProbe,
        scheduleId: schedule.id,
        scheduledFor,
      });
      this.logger.log(`Drill schedule ${schedule.id} tick ${at}: drill ${drill.id} of database ${schedule.databaseId} queued`);
    } catch (error) {
      if (error instanceof TickAlreadyDrilledError) {
        this.logger.log(`Drill schedule ${schedule.id} tick ${at} already has its drill`);
      } else if (cannotDrillNow(error)) {
        this.logger.warn(`Drill schedule ${schedule.id} tick ${at} skipped: ${error.message}`);
      } else if (error instanceof DatabaseNotFoundError) {
        this.logger.log(`Drill schedule ${schedule.id} tick ${at} ignored: its database was deleted`);
      } else {
        throw error;
      }
    }
  }
}
