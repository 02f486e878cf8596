import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import { In, Repository } from 'typeorm';
import { isUniqueViolation } from '../core/database/postgres-errors.js';
import { enqueue } from '../core/queue/enqueue.js';
import { BACKUP_JOB_OPTIONS, BACKUP_QUEUE, BackupJobs, backupJobId, type BackupJobData } from '../core/queue/queue.constants.js';
import { DatabasesService } from '../databases/databases.service.js';
import { BackupEntity } from './backup.entity.js';
import { BackupInProgressError, QueueUnavailableError, TickAlreadyBackedUpError } from './backups.errors.js';

/** Who asked for a backup: a person through the API, or a schedule's cron tick. */
export type BackupOrigin = { trigger: 'manual' } | { trigger: 'schedule'; scheduleId: string; scheduledFor: Date };

const MANUAL: BackupOrigin = { trigger: 'manual' };
/** Migration 1764200000000: one backup per (schedule, tick). */
const ONE_PER_TICK_INDEX = 'backups_one_per_tick_idx';

/** The one path that creates backups, manual or scheduled: record it as queued, then hand its id to the workers. */
@Injectable()
export class BackupRequests {
  private readonly logger = new Logger(BackupRequests.name);

  constructor(
    @InjectRepository(BackupEntity) private readonly backups: Repository<BackupEntity>,
    @InjectQueue(BACKUP_QUEUE) private readonly queue: Queue<BackupJobData>,
    private readonly databases: DatabasesService,
  ) {}

  /**
   * One unfinished backup per database: a second request while one is queued or running throws
   * BackupInProgressError with its id. If the queue is down nothing is left behind (QueueUnavailableError).
   */
  async request(databaseId: string, origin: BackupOrigin = MANUAL): Promise<BackupEntity> {
    const database = await this.databases.get(databaseId);
    const backup = await this.insertQueued(database.id, origin);
    try {
      await enqueue(this.queue, BackupJobs.run, { backupId: backup.id }, { ...BACKUP_JOB_OPTIONS, jobId: backupJobId(backup.id) });
    } catch (error) {
      this.logger.warn(`Could not enqueue backup ${backup.id}: ${(error as Error).message}`);
      // A job that did reach Redis finds no row and ends as a no-op.
      await this.backups.delete({ id: backup.id, status: 'queued' }).catch(() => undefined);
      throw new QueueUnavailableError();
    }
    return backup;
  }

  private async insertQueued(databaseId: string, origin: BackupOrigin): Promise<BackupEntity> {
    const scheduled = origin.trigger === 'schedule' ? { scheduleId: origin.scheduleId, scheduledFor: origin.scheduledFor } : {};
    try {
      return await this.backups.save(
        this.backups.create({ databaseId, status: 'queued', trigger: origin.trigger, requestedAt: new Date(), ...scheduled }),
      );
    } catch (error) {
      if (isUniqueViolation(error, ONE_PER_TICK_INDEX)) throw new TickAlreadyBackedUpError();
      if (!isUniqueViolation(error)) throw error;
      const unfinished = await this.backups.findOne({ where: { databaseId, status: In(['queued', 'running']) }, select: { id: true } });
      throw new BackupInProgressError(unfinished?.id);
    }
  }
}
