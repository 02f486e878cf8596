import { Processor } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { AppConfig } from '../core/config/app-config.js';
import { WorkerMetrics } from '../core/metrics/worker-metrics.service.js';
import { InterruptibleWorkerHost } from '../core/queue/interruptible-worker-host.js';
import { BACKUP_QUEUE, BackupJobs, type BackupJobData } from '../core/queue/queue.constants.js';
import { BackupRunner } from './backup-runner.service.js';

@Processor(BACKUP_QUEUE)
export class BackupProcessor extends InterruptibleWorkerHost {
  constructor(
    private readonly runner: BackupRunner,
    config: AppConfig,
    private readonly metrics: WorkerMetrics,
  ) {
    super(config, BACKUP_QUEUE);
  }

  async process(job: Job<BackupJobData>, token?: string): Promise<void> {
    if (job.name !== BackupJobs.run) {
      this.logger.warn(`Ignoring unknown job ${job.name}`);
      return;
    }
    await this.metrics.track(job, { backupId: job.data.backupId }, () =>
      this.handBackIfInterrupted(job, token, (signal) =>
        this.runner.run(job.data.backupId, { retriesLeft: this.retriesLeft(job), signal }),
      ),
    );
  }
}
