import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bullmq';
import { AppConfig } from '../core/config/app-config.js';
import { BACKUP_QUEUE, BACKUP_WORKER_OPTIONS, BackupJobs, type BackupJobData } from '../core/queue/queue.constants.js';
import { BackupRunner } from './backup-runner.service.js';

@Processor(BACKUP_QUEUE, BACKUP_WORKER_OPTIONS)
export class BackupProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(BackupProcessor.name);

  constructor(
    private readonly runner: BackupRunner,
    private readonly config: AppConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.workerConcurrency;
  }

  async process(job: Job<BackupJobData>): Promise<void> {
    if (job.name !== BackupJobs.run) {
      this.logger.warn(`Ignoring unknown job ${job.name}`);
      return;
    }
    const maxAttempts = job.opts.attempts ?? 1;
    await this.runner.run(job.data.backupId, { retriesLeft: job.attemptsMade + 1 < maxAttempts });
  }
}
