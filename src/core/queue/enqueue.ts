import type { JobsOptions, Queue } from 'bullmq';
import { withTimeout } from './with-timeout.js';

/** Redis down must not hang a request: past this, enqueueing counts as failed. */
export const ENQUEUE_TIMEOUT_MS = 1_500;

/** Adds a job, failing within ENQUEUE_TIMEOUT_MS when Redis does not answer. */
export async function enqueue<T>(queue: Queue<T>, name: string, data: T, options: JobsOptions): Promise<void> {
  await withTimeout(queue.add(name as never, data as never, options), ENQUEUE_TIMEOUT_MS, `Enqueueing ${name}`);
}

/** Adds several jobs in one round trip (addBulk), failing within ENQUEUE_TIMEOUT_MS when Redis does not answer. */
export async function enqueueMany<T>(queue: Queue<T>, jobs: Array<{ name: string; data: T; opts: JobsOptions }>): Promise<void> {
  await withTimeout(queue.addBulk(jobs as never), ENQUEUE_TIMEOUT_MS, `Enqueueing ${jobs.length} job(s)`);
}
