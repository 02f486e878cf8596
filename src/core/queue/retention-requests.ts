import type { Queue } from 'bullmq';
import { enqueue } from './enqueue.js';
import { RETENTION_JOB_OPTIONS, RetentionJobs, retentionJobId, type RetentionJobData } from './queue.constants.js';

/** Asks the workers to enforce a database's policy; while such a job is waiting, asking again is the same job. */
export function requestRetention(queue: Queue<RetentionJobData>, databaseId: string): Promise<void> {
  return enqueue(queue, RetentionJobs.enforce, { databaseId }, { ...RETENTION_JOB_OPTIONS, jobId: retentionJobId(databaseId) });
}
