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
