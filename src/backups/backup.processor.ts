import { Processor, WorkerHost } from '@nestjs/bullmq';
import { BeforeApplicationShutdown, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, type Job } from 'bullmq';
import { AppConfig } from '../core/config/app-config.js';
import { BACKUP_QUEUE, BACKUP_WORKER_OPTIONS, BackupJobs, type BackupJobData } from '../core/queue/queue.constants.js';
import { BackupInterruptedError, BackupRunner } from './backup-runner.service.js';

/** How soon another worker may pick up a backup this worker handed back on shutdown. */
const HAND_BACK_DELAY_MS = 1_000;

@Processor(BACKUP_QUEUE, BACKUP_WORKER_OPTIONS)
export class BackupProcessor extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(BackupProcessor.name);
  private readonly shutdown = new AbortController();

  constructor(
    private readonly runner: BackupRunner,
    private readonly config: AppConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.workerConcurrency;
  }

  /**
   * Stops taking jobs at once; running dumps get SHUTDOWN_GRACE_SECONDS to finish, then are aborted and handed
   * back. @nestjs/bullmq's own shutdown hook then closes the worker once no job is active.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.worker.pause(true);
    const grace = setTimeout(() => this.shutdown.abort(), this.config.shutdownGraceMs);
    grace.unref();
    this.worker.once('closed', () => clearTimeout(grace));
  }

  async process(job: Job<BackupJobData>, token?: string): Promise<void> {
    if (job.name !== BackupJobs.run) {
      this.logger.warn(`Ignoring unknown job ${job.name}`);
      return;
    }
    const maxAttempts = job.opts.attempts ?? 1;
    try {
      await this.runner.run(job.data.backupId, {
        retriesLeft: job.attemptsMade + 1 < maxAttempts,
        signal: this.shutdown.signal,
      });
    } catch (error) {
      if (!(error instanceof BackupInterruptedError)) throw error;
      this.logger.warn(`Backup ${job.data.backupId} interrupted by shutdown; handing it back to the queue`);
      await job.moveToDelayed(Date.now() + HAND_BACK_DELAY_MS, token);
      throw new DelayedError();
    }
  }
}
