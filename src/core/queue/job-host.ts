import { Processor, WorkerHost } from '@nestjs/bullmq';
import { type BeforeApplicationShutdown, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import type { AppConfig } from '../config/app-config.js';
import { AttemptFailedError, JobInterruptedError } from '../database/fenced-records.js';
import { retriesLeft } from './job-attempts.js';
import { type JobData, type JobDefinition, QUEUE_SETTINGS, type QueueName } from './job-registry.js';

/** How soon another worker may pick up a job this worker handed back on shutdown. */
const HAND_BACK_DELAY_MS = 1_000;

/** Jobs this process took whose outcome the queue has not recorded yet ("<queue> job <id>"). */
const unsettledJobs = new Set<string>();

/** The jobs a stop now would leave active in Redis, for the log of a shutdown cut short. */
export function jobsNotSettled(): string[] {
  return [...unsettledJobs].sort();
}

/** What a handler knows of the attempt it runs. */
export interface JobAttempt {
  /** The BullMQ job, for what its data does not say (its id, when it was due). */
  job: Readonly<Pick<Job, 'id' | 'timestamp' | 'delay'>>;
  /** Whether a failure of this attempt may still be retried by BullMQ. */
  retriesLeft: boolean;
  /** Aborted SHUTDOWN_GRACE_SECONDS after the worker was asked to stop; the job is then handed back. */
  shutdown: AbortSignal;
}

export interface JobHandler {
  job: JobDefinition;
  run: (data: never, attempt: JobAttempt) => Promise<unknown>;
}

/** Pairs a job definition with the code that runs it, typed by the job's data. */
export function handle<J extends JobDefinition>(job: J, run: (data: JobData<J>, attempt: JobAttempt) => Promise<unknown>): JobHandler {
  return { job, run: run as JobHandler['run'] };
}

/** Runs a job attempt with log bindings on every line it writes, and counts how it ended (WorkerMetrics). */
export interface JobTracker {
  track(job: Job, bindings: Record<string, string>, work: () => Promise<void>, counted: boolean): Promise<void>;
}

/**
 * The consumer of one queue. A subclass lists its handlers (`handle(Jobs.x, …)`); the host registers the BullMQ
 * worker once, with the queue's options from the registry, and for every job: dispatches on its name, works out
 * the attempt, binds the job's ids to its log lines, counts it, and hands it back on shutdown. For the queues of
 * long jobs (QUEUE_SETTINGS.handsBackOnShutdown), on SIGTERM it stops taking jobs at once, lets running ones finish
 * for SHUTDOWN_GRACE_SECONDS, then aborts them through `attempt.shutdown` and moves them back to the queue without
 * spending an attempt. @nestjs/bullmq's own shutdown hook then closes the worker once no job is active.
 */
export abstract class JobHost extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  protected readonly logger = new Logger(this.constructor.name);
  private readonly shutdown = new AbortController();
  private byName?: Map<string, JobHandler>;

  constructor(
    private readonly queueName: QueueName,
    protected readonly config: AppConfig,
    private readonly tracker: JobTracker,
  ) {
    super();
    // @nestjs/bullmq creates the BullMQ worker from the @Processor metadata once every provider is constructed:
    // declaring it here, rather than as a decorator, lets the worker options come from the validated configuration.
    Processor(queueName, QUEUE_SETTINGS[queueName].worker(config))(new.target);
  }

  /** The jobs of this queue that this host runs. */
  protected abstract handlers(): JobHandler[];

  private get handsBack(): boolean {
    return QUEUE_SETTINGS[this.queueName].handsBackOnShutdown;
  }

  onApplicationBootstrap(): void {
    if (!this.handsBack) return;
    this.worker.on('active', (job) => unsettledJobs.add(this.describe(job)));
    this.worker.on('completed', (job) => unsettledJobs.delete(this.describe(job)));
    this.worker.on('failed', (job) => job && unsettledJobs.delete(this.describe(job)));
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.handsBack) return;
    await this.worker.pause(true);
    const grace = setTimeout(() => this.shutdown.abort(), this.config.shutdownGraceMs);
    grace.unref();
    this.worker.once('closed', () => clearTimeout(grace));
  }

  /** Runs the job's handler; what it returns becomes the job's BullMQ return value (JobQueues.resultOf). */
  async process(job: Job, token?: string): Promise<unknown> {
    const handler = this.handlerOf(job.name);
    if (!handler) {
      this.logger.warn(`Ignoring unknown job ${job.name}`);
      return undefined;
    }
    const attempt: JobAttempt = {
      job,
      retriesLeft: retriesLeft(job),
      shutdown: this.shutdown.signal,
    };
    let result: unknown;
    const run = async () => {
      result = await handler.run(job.data as never, attempt);
    };
    await this.tracker.track(job, logBindings(job.data), () => this.handBackIfInterrupted(job, token, run), handler.job.counted);
    return result;
  }

  private handlerOf(name: string): JobHandler | undefined {
    this.byName ??= new Map(this.handlers().map((handler) => [handler.job.name, this.ofThisQueue(handler)]));
    return this.byName.get(name);
  }

  private ofThisQueue(handler: JobHandler): JobHandler {
    if (handler.job.queue !== this.queueName) throw new Error(`Job ${handler.job.name} belongs to queue ${handler.job.queue}, not ${this.queueName}`);
    return handler;
  }

  /**
   * Runs `work`; if the shutdown interrupted it, moves the job back to the queue for another worker. An attempt
   * that failed for good becomes BullMQ's UnrecoverableError, so no attempt is left to retry it.
   */
  private async handBackIfInterrupted(job: Job, token: string | undefined, work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (error instanceof AttemptFailedError) throw new UnrecoverableError(error.message);
      if (!(error instanceof JobInterruptedError)) throw error;
      this.logger.warn(`Job ${job.id} interrupted by shutdown; handing it back to the queue`);
      await job.moveToDelayed(Date.now() + HAND_BACK_DELAY_MS, token);
      unsettledJobs.delete(this.describe(job));
      throw new DelayedError();
    }
  }

  private describe(job: Job): string {
    return `${this.queueName} job ${job.id}`;
  }
}

/** Job data holds ids only: every one of them goes on the job's log lines (backupId, restoreId, …). */
function logBindings(data: unknown): Record<string, string> {
  if (!data || typeof data !== 'object') return {};
  return Object.fromEntries(Object.entries(data).map(([key, value]) => [key, String(value)]));
}
