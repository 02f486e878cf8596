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
  /** Drops the aside databases whose time is up (after DELETE /restores/:id/aside, at once). */
  dropAside: 'drop-aside',
} as const;

export interface RestoreJobData {
  restoreId: string;
}

export function restoreJobId(restoreId: string): string {
  return `restore-${restoreId}`;
}

export function dropAsideJobId(restoreId: string): string {
  return `drop-aside-${restoreId}`;
}

/** Restores retry only when the target could not be reached, like backups. */
export const RESTORE_JOB_OPTIONS: JobsOptions = BACKUP_JOB_OPTIONS;

export const WEBHOOK_QUEUE = 'webhooks';

export const WebhookJobs = {
  deliver: 'deliver-webhook',
} as const;

export interface WebhookJobData {
  deliveryId: string;
}

export function webhookJobId(deliveryId: string): string {
  return `delivery-${deliveryId}`;
}

/** Retries with exponential backoff (WEBHOOK_MAX_ATTEMPTS, WEBHOOK_BACKOFF_MS); the delivery row keeps the log. */
export function webhookJobOptions(attempts: number, backoffMs: number): JobsOptions {
  return {
    attempts,
    backoff: { type: 'exponential', delay: backoffMs },
    removeOnComplete: true,
    removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
  };
}

/** Deliveries are short HTTP calls: several at once per worker. */
export const WEBHOOK_WORKER_OPTIONS = { concurrency: 4 } as const;

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

/** Cron ticks of backup schedules, produced by one BullMQ job scheduler per enabled schedule. */
export const SCHEDULE_QUEUE = 'schedules';

export const ScheduleJobs = {
  tick: 'schedule-tick',
} as const;

export interface ScheduleJobData {
  scheduleId: string;
}

/** The id of a schedule's BullMQ job scheduler: one per schedule, so every replica upserts the same one. */
export function scheduleSchedulerId(scheduleId: string): string {
  return `schedule-${scheduleId}`;
}

/** A tick that failed to record its backup (PostgreSQL or Redis briefly down) is retried; the tick stays unique. */
export const SCHEDULE_TICK_JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 5_000 },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
} as const;

/** Retention enforcement: one job per database (after each successful backup) and a periodic sweep of all. */
export const RETENTION_QUEUE = 'retention';

export const RetentionJobs = {
  enforce: 'enforce-retention',
  sweep: 'sweep-retention',
} as const;

export interface RetentionJobData {
  /** Absent for the sweep, which enforces every database's policy. */
  databaseId?: string;
}

/** While one is waiting, further requests for the same database are the same job. */
export function retentionJobId(databaseId: string): string {
  return `retention-${databaseId}`;
}

export const RETENTION_SWEEP_SCHEDULER_ID = 'retention-sweep';

export const RETENTION_JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 15_000 },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600, count: 1_000 },
};

/** Every queue, for registration and for the queue-depth metrics. */
export const ALL_QUEUES = [BACKUP_QUEUE, RESTORE_QUEUE, WEBHOOK_QUEUE, SCHEDULE_QUEUE, RETENTION_QUEUE] as const;
