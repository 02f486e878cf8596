/** Redis down must not hang a request: past this, a command counts as failed. */
export const REDIS_COMMAND_TIMEOUT_MS = 1_500;

/** Producer side: fail fast instead of buffering commands while Redis is down. */
export const PRODUCER_REDIS_OPTIONS = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
  connectTimeout: REDIS_COMMAND_TIMEOUT_MS,
} as const;

/** Worker side: BullMQ requires maxRetriesPerRequest null for blocking commands. */
export const WORKER_REDIS_OPTIONS = {
  maxRetriesPerRequest: null,
} as const;
