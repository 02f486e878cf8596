import type { JobsOptions, WorkerOptions } from 'bullmq';

/**
 * Every queue and every job of the service, in one place: a job's queue, name, data type, options and id.
 * Job data holds ids only: PostgreSQL is the record, Redis only the transport.
 */
export const QueueNames = {
  backups: 'backups',
  restores: 'restores',
  webhooks: 'webhooks',
  schedules: 'schedules',
  retention: 'retention',
  drills: 'drills',
} as const;

export type QueueName = (typeof QueueNames)[keyof typeof QueueNames];

/** Every queue, for registration and for the queue-depth metrics (in this order). */
export const ALL_QUEUES: readonly QueueName[] = Object.values(QueueNames);

/** The settings job and worker options depend on (a subset of AppConfig). */
export interface JobSettings {
  workerConcurrency: number;
  /** Drills run on their own queue, this many at a time per worker, so that they never take a backup's slot. */
  drillConcurrency: number;
  workerLockSeconds: number;
  webhookMaxAttempts: number;
  webhookBackoffMs: number;
}

/** Tables whose rows are the record of a job; their reconciler puts back jobs that Redis lost. */
export type RecordTable = 'backups' | 'restores' | 'webhook_deliveries' | 'drills';

export interface JobRecord<D> {
  /** As the reconciler's log names it; the SQL that finds the rows lives in the table's repository. */
  table: RecordTable;
  /** The job data of a row. */
  dataOf(id: string): D;
}

export interface JobDefinition<D extends object = object> {
  readonly queue: QueueName;
  readonly name: string;
  /**
   * The BullMQ job id (never a plain integer, never a ':'). While a job with this id exists, adding another is
   * ignored. Undefined: the job has no id of its own (it comes from a job scheduler).
   */
  jobId?(data: D): string;
  readonly options: (settings: JobSettings) => JobsOptions;
  /** Counted in the worker's dbbackup_worker_jobs_total. */
  readonly counted: boolean;
  /** The table whose rows are the record of these jobs, when a reconciler re-enqueues them. */
  readonly record?: JobRecord<D>;
  /** Phantom member carrying the data type; never set. */
  readonly __data?: D;
}

/** The data type of a job definition. */
export type JobData<J> = J extends JobDefinition<infer D> ? D : never;

/** A job whose rows are its record: a reconciler re-enqueues the unfinished ones whose job Redis lost. */
export type RecordedJob<D extends object> = JobDefinition<D> & { record: JobRecord<D>; jobId(data: D): string };

function job<D extends object>(definition: Omit<JobDefinition<D>, '__data'>): JobDefinition<D> {
  return definition;
}

function recordedJob<D extends object>(definition: Omit<RecordedJob<D>, '__data'>): RecordedJob<D> {
  return definition;
}

const KEEP_FAILED_A_WEEK = { age: 7 * 24 * 3600, count: 10_000 };

/** Backups and restores retry only a transient failure (target, storage, network or metadata database). */
const RUN_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 15_000 },
  removeOnComplete: true,
  removeOnFail: KEEP_FAILED_A_WEEK,
};

export interface BackupJobData {
  backupId: string;
}

export interface VerifyJobData {
  backupId: string;
  /** Chosen by the API for the request that waits on this job. */
  requestId: string;
}

/** GET /backups/:id/contents: like a verification, one job per waiting request. */
export type ContentsJobData = VerifyJobData;

export interface RestoreJobData {
  restoreId: string;
}

export interface WebhookJobData {
  deliveryId: string;
}

export interface ScheduleJobData {
  scheduleId: string;
}

export interface DrillJobData {
  drillId: string;
}

export interface RetentionJobData {
  /** Absent for the sweep, which enforces every database's policy. */
  databaseId?: string;
}

export const Jobs = {
  runBackup: recordedJob<BackupJobData>({
    queue: QueueNames.backups,
    name: 'run-backup',
    jobId: ({ backupId }) => `backup-${backupId}`,
    options: () => RUN_OPTIONS,
    counted: true,
    record: { table: 'backups', dataOf: (backupId) => ({ backupId }) },
  }),
  /**
   * POST /backups/:id/verify: a worker re-reads the stored file and has the engine read the archive, then records
   * the verdict on the backup. One job per request; the request waits for it and cancels it if its client goes.
   */
  verifyBackup: job<VerifyJobData>({
    queue: QueueNames.backups,
    name: 'verify-backup',
    jobId: ({ backupId, requestId }) => `verify-${backupId}-${requestId}`,
    // Kept a while once finished, so that a waiting request can tell a finished job from a lost one.
    options: () => ({ attempts: 1, removeOnComplete: { age: 600 }, removeOnFail: { age: 3600 } }),
    counted: false,
  }),
  /**
   * GET /backups/:id/contents: a worker reads the stored file and lists the objects it holds (pg_restore --list, or
   * a scan of a MySQL dump); the list is the job's return value. One job per request; the request waits for it,
   * reads the list, removes the job, and cancels it if its client goes.
   */
  listContents: job<ContentsJobData>({
    queue: QueueNames.backups,
    name: 'list-contents',
    jobId: ({ backupId, requestId }) => `contents-${backupId}-${requestId}`,
    // Kept a while once finished, so that the waiting request can read its list (then it removes the job).
    options: () => ({ attempts: 1, removeOnComplete: { age: 600 }, removeOnFail: { age: 3600 } }),
    counted: false,
  }),
  runRestore: recordedJob<RestoreJobData>({
    queue: QueueNames.restores,
    name: 'run-restore',
    jobId: ({ restoreId }) => `restore-${restoreId}`,
    options: () => RUN_OPTIONS,
    counted: true,
    record: { table: 'restores', dataOf: (restoreId) => ({ restoreId }) },
  }),
  /** Drops the aside databases whose time is up (after DELETE /restores/:id/aside, at once). */
  dropAside: job<RestoreJobData>({
    queue: QueueNames.restores,
    name: 'drop-aside',
    jobId: ({ restoreId }) => `drop-aside-${restoreId}`,
    options: () => RUN_OPTIONS,
    counted: false,
  }),
  /** Retries with exponential backoff (WEBHOOK_MAX_ATTEMPTS, WEBHOOK_BACKOFF_MS); the delivery row keeps the log. */
  deliverWebhook: recordedJob<WebhookJobData>({
    queue: QueueNames.webhooks,
    name: 'deliver-webhook',
    jobId: ({ deliveryId }) => `delivery-${deliveryId}`,
    options: (settings) => ({
      attempts: settings.webhookMaxAttempts,
      backoff: { type: 'exponential', delay: settings.webhookBackoffMs },
      removeOnComplete: true,
      removeOnFail: KEEP_FAILED_A_WEEK,
    }),
    counted: true,
    record: { table: 'webhook_deliveries', dataOf: (deliveryId) => ({ deliveryId }) },
  }),
  /**
   * A cron tick of a backup schedule, produced by the schedule's job scheduler. A tick that failed to record its
   * backup (PostgreSQL or Redis briefly down) is retried; the tick stays unique.
   */
  scheduleTick: job<ScheduleJobData>({
    queue: QueueNames.schedules,
    name: 'schedule-tick',
    options: () => ({
      attempts: 3,
      backoff: { type: 'exponential', delay: 5_000 },
      removeOnComplete: true,
      removeOnFail: KEEP_FAILED_A_WEEK,
    }),
    counted: false,
  }),
  /** Retention of one database, after each of its successful backups; while one is waiting, asking again is the same job. */
  enforceRetention: job<Required<RetentionJobData>>({
    queue: QueueNames.retention,
    name: 'enforce-retention',
    jobId: ({ databaseId }) => `retention-${databaseId}`,
    options: () => RETENTION_OPTIONS,
    counted: false,
  }),
  /** Every database's retention, every RETENTION_SWEEP_INTERVAL_SECONDS, from one job scheduler. */
  sweepRetention: job<RetentionJobData>({
    queue: QueueNames.retention,
    name: 'sweep-retention',
    options: () => RETENTION_OPTIONS,
    counted: false,
  }),
  /** A restore drill (POST /databases/:id/drills or a drill schedule's tick): retried like a restore. */
  runDrill: recordedJob<DrillJobData>({
    queue: QueueNames.drills,
    name: 'run-drill',
    jobId: ({ drillId }) => `drill-${drillId}`,
    options: () => RUN_OPTIONS,
    counted: true,
    record: { table: 'drills', dataOf: (drillId) => ({ drillId }) },
  }),
} as const;

const RETENTION_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 15_000 },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600, count: 1_000 },
};

/** The ids of the job schedulers: one per schedule (so every replica upserts the same one), one retention sweep. */
export const SchedulerIds = {
  schedule: (scheduleId: string) => `schedule-${scheduleId}`,
  retentionSweep: 'retention-sweep',
} as const;

/**
 * Options of the backup and restore workers for a job lock of WORKER_LOCK_SECONDS. The lock is renewed every
 * lockDuration/2 while the event loop is free (the dump itself runs in a child process); a worker that stops
 * renewing it loses the job, which another worker's stalled check hands out again within half a lock period.
 */
function lockedWorkerOptions(settings: JobSettings, concurrency = settings.workerConcurrency): Partial<WorkerOptions> {
  return {
    concurrency,
    lockDuration: settings.workerLockSeconds * 1000,
    stalledInterval: settings.workerLockSeconds * 500,
    maxStalledCount: 2,
  };
}

export interface QueueSettings {
  /** The options of the queue's BullMQ worker. */
  worker: (settings: JobSettings) => Partial<WorkerOptions>;
  /**
   * Long jobs (dumps, restores): on SIGTERM the worker stops taking jobs, aborts running ones after the grace
   * period and hands them back to the queue, and a stop cut short names the jobs it could not hand back.
   */
  handsBackOnShutdown: boolean;
}

/** Each queue's worker: long jobs hold a configured lock; deliveries are short HTTP calls, several at once. */
export const QUEUE_SETTINGS: Record<QueueName, QueueSettings> = {
  backups: { worker: lockedWorkerOptions, handsBackOnShutdown: true },
  restores: { worker: lockedWorkerOptions, handsBackOnShutdown: true },
  webhooks: { worker: () => ({ concurrency: 4 }), handsBackOnShutdown: false },
  schedules: { worker: () => ({}), handsBackOnShutdown: false },
  retention: { worker: () => ({}), handsBackOnShutdown: false },
  // Their own slots (DRILL_CONCURRENCY, default 1 per worker): a drill never delays a backup or a restore.
  drills: { worker: (settings) => lockedWorkerOptions(settings, settings.drillConcurrency), handsBackOnShutdown: true },
};
