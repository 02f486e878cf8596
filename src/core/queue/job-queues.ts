import { Logger } from '@nestjs/common';
import type { Job, JobsOptions, Queue } from 'bullmq';
import { type JobData, type JobDefinition, type JobSettings, type QueueName } from './job-registry.js';
import { REDIS_COMMAND_TIMEOUT_MS } from './queue.constants.js';
import { withTimeout } from './with-timeout.js';

/** Redis down must not hang a request: past this, enqueueing counts as failed. */
export const ENQUEUE_TIMEOUT_MS = REDIS_COMMAND_TIMEOUT_MS;

/**
 * The one way to add jobs: by their registry definition, with its queue, options and job id. Provided by
 * QueueModule in both processes.
 */
export class JobQueues {
  private readonly logger = new Logger(JobQueues.name);

  constructor(
    private readonly settings: JobSettings,
    private readonly queues: ReadonlyMap<QueueName, Queue>,
  ) {}

  /** The BullMQ queue of a job, for what the registry does not cover (job schedulers, state look-ups). */
  queueOf(job: Pick<JobDefinition, 'queue'>): Queue {
    const queue = this.queues.get(job.queue);
    if (!queue) throw new Error(`Queue ${job.queue} is not registered`);
    return queue;
  }

  /** The options of one job: the definition's, with its job id. */
  optionsOf<J extends JobDefinition>(job: J, data: JobData<J>): JobsOptions {
    const options = job.options(this.settings);
    return job.jobId ? { ...options, jobId: job.jobId(data) } : options;
  }

  /** Adds a job, failing within ENQUEUE_TIMEOUT_MS when Redis does not answer. Returns its id. */
  async enqueue<J extends JobDefinition>(job: J, data: JobData<J>): Promise<string> {
    const added: Job = await withTimeout(
      this.queueOf(job).add(job.name, data, this.optionsOf(job, data)),
      ENQUEUE_TIMEOUT_MS,
      `Enqueueing ${job.name}`,
    );
    return added.id!;
  }

  /** Adds several jobs of one kind in one round trip (addBulk), failing within ENQUEUE_TIMEOUT_MS when Redis does not answer. */
  async enqueueMany<J extends JobDefinition>(job: J, data: Array<JobData<J>>): Promise<void> {
    const jobs = data.map((one) => ({ name: job.name, data: one, opts: this.optionsOf(job, one) }));
    await withTimeout(this.queueOf(job).addBulk(jobs), ENQUEUE_TIMEOUT_MS, `Enqueueing ${jobs.length} job(s)`);
  }

  /** Where a job is now ('missing' once removed, or lost), and why it failed if it did. */
  async stateOf(job: Pick<JobDefinition, 'queue'>, jobId: string): Promise<{ state: string; failedReason?: string }> {
    const look = async () => {
      const found = await this.queueOf(job).getJob(jobId);
      return found ? { state: await found.getState(), failedReason: found.failedReason } : { state: 'missing' };
    };
    return withTimeout(look(), ENQUEUE_TIMEOUT_MS, `Reading job ${jobId}`);
  }

  /**
   * Where a job is now, as stateOf, and once it completed what its handler returned (kept in Redis while the
   * job is: see the job's removeOnComplete).
   */
  async resultOf(job: Pick<JobDefinition, 'queue'>, jobId: string): Promise<{ state: string; failedReason?: string; value?: unknown }> {
    const look = async () => {
      const found = await this.queueOf(job).getJob(jobId);
      if (!found) return { state: 'missing' };
      return { state: await found.getState(), failedReason: found.failedReason, value: found.returnvalue as unknown };
    };
    return withTimeout(look(), ENQUEUE_TIMEOUT_MS, `Reading job ${jobId}`);
  }

  /** Removes a job that is not running (a running one is locked by its worker and stays). Best effort. */
  async removeIfIdle(job: Pick<JobDefinition, 'queue'>, jobId: string): Promise<void> {
    await withTimeout(this.queueOf(job).remove(jobId), ENQUEUE_TIMEOUT_MS, `Removing job ${jobId}`).catch((error: Error) =>
      this.logger.debug(`Job ${jobId} not removed: ${error.message}`),
    );
  }
}
