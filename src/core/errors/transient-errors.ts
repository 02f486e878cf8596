import { isDatabaseUnavailable } from '../database/postgres-errors.js';

/** Network failures (Node system errors, undici, the AWS SDK): the other end may answer on the next attempt. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'TimeoutError',
  'NetworkingError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Object stores asking the client to slow down or come back later. */
const THROTTLING_CODES = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded', 'ServiceUnavailable', 'InternalError']);

interface Classifiable {
  transient?: unknown;
  code?: unknown;
  statusCode?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  cause?: unknown;
}

function storageUnavailable(error: Classifiable): boolean {
  const status = Number(error.statusCode ?? error.$metadata?.httpStatusCode);
  return status >= 500 || status === 429 || THROTTLING_CODES.has(String(error.code));
}

function networkFailure(error: Classifiable): boolean {
  return NETWORK_CODES.has(String(error.code)) || (error instanceof Error && NETWORK_CODES.has(error.name));
}

/**
 * Whether a failed job attempt is worth another one: the one place that decides it for backups and restores.
 * An error that says so itself (`transient`: a target database that could not be reached, or a refusal no retry
 * can fix) is taken at its word. Otherwise an unavailable metadata database, a storage server error or throttling
 * (HTTP 5xx, 429) and a network failure are transient, also when wrapped (`cause`). Anything else is permanent,
 * as are a local file system that refuses writes (EROFS, ENOSPC, EACCES).
 */
export function isTransient(error: unknown): boolean {
  let current = error as Classifiable | undefined;
  for (let depth = 0; current && typeof current === 'object' && depth < 8; depth++) {
    if (typeof current.transient === 'boolean') return current.transient;
    if (isDatabaseUnavailable(current) || storageUnavailable(current) || networkFailure(current)) return true;
    current = current.cause as Classifiable | undefined;
  }
  return false;
}
