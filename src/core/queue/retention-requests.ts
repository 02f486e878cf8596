import type { JobQueues } from './job-queues.js';
import { Jobs } from './job-registry.js';

/** Asks the workers to enforce a database's policy; while such a job is waiting, asking again is the same job. */
export async function requestRetention(queues: JobQueues, databaseId: string): Promise<void> {
  await queues.enqueue(Jobs.enforceRetention, { databaseId });
}
