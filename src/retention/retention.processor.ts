import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { AppConfig } from '../core/config/app-config.js';
import {
  RETENTION_JOB_OPTIONS,
  RETENTION_QUEUE,
  RETENTION_SWEEP_SCHEDULER_ID,
  RetentionJobs,
  type RetentionJobData,
} from '../core/queue/queue.constants.js';
import { RetentionEnforcer } from './retention-enforcer.service.js';

/**
 * Enforces retention: for one database after each of its successful backups (and on POST …/retention/enforce),
 * and for all of them every RETENTION_SWEEP_INTERVAL_SECONDS through one BullMQ job scheduler that every worker
 * upserts at start (same id, so still one sweep per interval).
 */
@Processor(RETENTION_QUEUE)
export class RetentionProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(RetentionProcessor.name);

  constructor(
    private readonly enforcer: RetentionEnforcer,
    @InjectQueue(RETENTION_QUEUE) private readonly queue: Queue<RetentionJobData>,
    private readonly config: AppConfig,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.queue
      .upsertJobScheduler(
        RETENTION_SWEEP_SCHEDULER_ID,
        { every: this.config.retentionSweepIntervalMs },
        { name: RetentionJobs.sweep, data: {}, opts: RETENTION_JOB_OPTIONS },
      )
      .catch((error: Error) => this.logger.warn(`Could not schedule the retention sweep: ${error.message}`));
  }

  async process(job: Job<RetentionJobData>): Promise<void> {
    if (job.name === RetentionJobs.sweep) return this.enforcer.enforceAll();
    if (job.name === RetentionJobs.enforce && job.data.databaseId) {
      await this.enforcer.enforce(job.data.databaseId);
      return;
    }
    this.logger.warn(`Ignoring unknown job ${job.name}`);
  }
}
