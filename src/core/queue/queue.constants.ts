import type { JobsOptions } from 'bullmq';

/** Every queue, job name and job option of the service. Job data holds ids only: PostgreSQL is the record. */
export const BACKUP_QUEUE = 'backups';

export const BackupJobs = {
  run: 'run-backup',
} as const;

export interface BackupJobData {
  backupId: string;
}

/** BullMQ job ids must not be plain integers nor contain ':'. */
export function backupJobId(backupId: string): string {
  return `backup-${backupId}`;
}

export const BACKUP_JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 15_000 },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
};

export const RESTORE_QUEUE = 'restores';

export const RestoreJobs = {
  run: 'run-restore',
} as const;

export interface RestoreJobData {
  restoreId: string;
}

export function restoreJobId(restoreId: string): string {
  return `restore-${restoreId}`;
}

/** Restores retry only when the target could not be reached, like backups. */
export const RESTORE_JOB_OPTIONS: JobsOptions = BACKUP_JOB_OPTIONS;

/**
 * Options of the backup and restore workers for a job lock of `lockSeconds` (WORKER_LOCK_SECONDS). The lock is
 * renewed every lockDuration/2 while the event loop is free (the dump itself runs in a child process); a worker that
 * stops renewing it loses the job, which another worker's stalled check hands out again within half a lock period.
 */
export function workerOptions(lockSeconds: number) {
  return {
    lockDuration: lockSeconds * 1000,
    stalledInterval: lockSeconds * 500,
    maxStalledCount: 2,
  };
}

/** Producer side: fail fast instead of buffering commands while Redis is down. */
export const PRODUCER_REDIS_OPTIONS = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  commandTimeout: 1_500,
  connectTimeout: 1_500,
} as const;

/** Worker side: BullMQ requires maxRetriesPerRequest null for blocking commands. */
export const WORKER_REDIS_OPTIONS = {
  maxRetriesPerRequest: null,
} as const;
