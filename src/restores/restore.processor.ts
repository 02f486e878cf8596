import { Processor } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { AppConfig } from '../core/config/app-config.js';
import { WorkerMetrics } from '../core/metrics/worker-metrics.service.js';
import { InterruptibleWorkerHost } from '../core/queue/interruptible-worker-host.js';
import { RESTORE_QUEUE, RestoreJobs, type RestoreJobData } from '../core/queue/queue.constants.js';
import { AsideDatabaseSweeper } from './aside-database-sweeper.service.js';
import { RestoreRunner } from './restore-runner.service.js';

@Processor(RESTORE_QUEUE)
export class RestoreProcessor extends InterruptibleWorkerHost {
  constructor(
    private readonly runner: RestoreRunner,
    config: AppConfig,
    private readonly metrics: WorkerMetrics,
    private readonly asides: AsideDatabaseSweeper,
  ) {
    super(config, RESTORE_QUEUE);
  }

  async process(job: Job<RestoreJobData>, token?: string): Promise<void> {
    if (job.name === RestoreJobs.dropAside) {
      await this.asides.sweep();
      return;
    }
    if (job.name !== RestoreJobs.run) {
      this.logger.warn(`Ignoring unknown job ${job.name}`);
      return;
    }
    await this.metrics.track(job, { restoreId: job.data.restoreId }, () =>
      this.handBackIfInterrupted(job, token, (signal) =>
        this.runner.run(job.data.restoreId, { retriesLeft: this.retriesLeft(job), signal }),
      ),
    );
  }
}
