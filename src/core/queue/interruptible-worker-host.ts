import { Processor, WorkerHost } from '@nestjs/bullmq';
import { type BeforeApplicationShutdown, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import type { AppConfig } from '../config/app-config.js';
import { AttemptFailedError, JobInterruptedError } from '../database/fenced-records.js';
import { workerOptions } from './queue.constants.js';

/** How soon another worker may pick up a job this worker handed back on shutdown. */
const HAND_BACK_DELAY_MS = 1_000;

/** Jobs this process took whose outcome the queue has not recorded yet ("<queue> job <id>"). */
const unsettledJobs = new Set<string>();

/** The jobs a stop now would leave active in Redis, for the log of a shutdown cut short. */
export function jobsNotSettled(): string[] {
  return [...unsettledJobs].sort();
}

/**
 * A queue consumer that shuts down cleanly: on SIGTERM it stops taking jobs at once, lets running ones finish for
 * SHUTDOWN_GRACE_SECONDS, then aborts them through `signal` and hands them back to the queue without spending an
 * attempt. @nestjs/bullmq's own shutdown hook then closes the worker once no job is active.
 */
export abstract class InterruptibleWorkerHost extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  protected readonly logger = new Logger(this.constructor.name);
  private readonly shutdown = new AbortController();

  constructor(
    protected readonly config: AppConfig,
    private readonly queueName: string,
  ) {
    super();
    // @nestjs/bullmq creates the BullMQ worker from the @Processor metadata once every provider is constructed:
    // declaring it here, rather than as a decorator, lets the lock duration come from the validated configuration.
    Processor(queueName, workerOptions(config.workerLockSeconds))(new.target);
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.workerConcurrency;
    this.worker.on('active', (job) => unsettledJobs.add(this.describe(job)));
    this.worker.on('completed', (job) => unsettledJobs.delete(this.describe(job)));
    this.worker.on('failed', (job) => job && unsettledJobs.delete(this.describe(job)));
  }

  private describe(job: Job): string {
    return `${this.queueName} job ${job.id}`;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.worker.pause(true);
    const grace = setTimeout(() => this.shutdown.abort(), this.config.shutdownGraceMs);
    grace.unref();
    this.worker.once('closed', () => clearTimeout(grace));
  }

  /**
   * Runs `work`; if the shutdown interrupted it, moves the job back to the queue for another worker. An attempt
   * that failed for good becomes BullMQ's UnrecoverableError, so no attempt is left to retry it.
   */
  protected async handBackIfInterrupted(job: Job, token: string | undefined, work: (signal: AbortSignal) => Promise<void>) {
    try {
      await work(this.shutdown.signal);
    } catch (error) {
      if (error instanceof AttemptFailedError) throw new UnrecoverableError(error.message);
      if (!(error instanceof JobInterruptedError)) throw error;
      this.logger.warn(`Job ${job.id} interrupted by shutdown; handing it back to the queue`);
      await job.moveToDelayed(Date.now() + HAND_BACK_DELAY_MS, token);
      unsettledJobs.delete(this.describe(job));
      throw new DelayedError();
    }
  }

  /** Whether a failure of this attempt may still be retried by BullMQ. */
  protected retriesLeft(job: Job): boolean {
    return job.attemptsMade + 1 < (job.opts.attempts ?? 1);
  }
}
