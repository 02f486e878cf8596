import { DelayedError, type Job, UnrecoverableError } from 'bullmq';

/** The attempt arithmetic of BullMQ jobs, in one place. `attemptsMade` counts the attempts that already ended. */
type AttemptCounts = Pick<Job, 'attemptsMade' | 'opts'>;

/** Whether a failure of the running attempt may still be retried by BullMQ. */
export function retriesLeft(job: AttemptCounts): boolean {
  return job.attemptsMade + 1 < (job.opts.attempts ?? 1);
}

export const JOB_OUTCOMES = ['completed', 'retried', 'failed', 'interrupted'] as const;
export type JobOutcome = (typeof JOB_OUTCOMES)[number];

/** How a job attempt ended, as BullMQ sees it from what the processor threw. */
export function jobOutcome(error: unknown, job: AttemptCounts): JobOutcome {
  if (error instanceof DelayedError) return 'interrupted';
  if (error instanceof UnrecoverableError) return 'failed';
  return retriesLeft(job) ? 'retried' : 'failed';
}
