import 'reflect-metadata';
import { plainToInstance, Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, ValidateBy, validateSync } from 'class-validator';
import { isValidAllowlist } from '../net/target-host-policy.js';

export const NODE_ENVS = ['development', 'production', 'test'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Node timers overflow past 2^31-1 ms and then fire at once. */
const MAX_TIMER_SECONDS = 2_147_483;

const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/** Every environment variable the service reads, with its default. Validated once at start-up. */
export class Environment {
  @IsIn(NODE_ENVS)
  NODE_ENV: (typeof NODE_ENVS)[number] = 'development';

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '127.0.0.1';

  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/dbbackup';

  @Matches(/^(rediss?|redis-sentinel):\/\//, { message: 'REDIS_URL must be a redis://, rediss:// or redis-sentinel:// URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  @Matches(/^[A-Za-z0-9_{}-]{1,64}$/, { message: 'QUEUE_PREFIX must be 1-64 letters, digits, _, -, { or }' })
  QUEUE_PREFIX = 'dbbackup';

  @IsString()
  STORAGE_DIR = './data/backups';

  /**
   * Where the 0600 password files of the client tools are written, in a directory per process; a process that
   * starts removes those of dead processes. Default: dbbackup-secrets-<uid> in the temporary directory.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  SECRET_FILES_DIR?: string;

  /** /health/ready reports the storage down when its file system has fewer free bytes than this. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  STORAGE_MIN_FREE_BYTES = 1024 * 1024 * 1024;

  /** /health/ready reports the storage down when its file system has less than this percentage free. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(100)
  STORAGE_MIN_FREE_PERCENT = 0;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[A-Za-z0-9+/]{43}=$/, { message: 'CREDENTIALS_KEY must be 32 bytes encoded in base64 (openssl rand -base64 32)' })
  CREDENTIALS_KEY?: string;

  /** Encrypts backup files of databases registered with `encrypted: true`. Keep a copy elsewhere: without it they are lost. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[A-Za-z0-9+/]{43}=$/, {
    message: 'BACKUP_ENCRYPTION_KEY must be 32 bytes encoded in base64 (openssl rand -base64 32)',
  })
  BACKUP_ENCRYPTION_KEY?: string;

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(64)
  WORKER_CONCURRENCY = 2;

  /**
   * Restore drills each worker runs at once, on their own queue (WORKER_CONCURRENCY counts backups and restores).
   * Unset: 1.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(64)
  DRILL_CONCURRENCY?: number;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_TIMER_SECONDS)
  BACKUP_TIMEOUT_SECONDS = 6 * 60 * 60;

  /** On SIGTERM a worker lets its running dumps finish for this long, then aborts them and hands them back. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_TIMER_SECONDS)
  SHUTDOWN_GRACE_SECONDS = 60;

  /** How often workers check unfinished rows against the queue (rows older than half of it get their job back). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(86_400)
  RECONCILE_INTERVAL_SECONDS = 60;

  /** A schedule is "missed" when no backup succeeded since its last tick that is older than this. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_TIMER_SECONDS)
  SCHEDULE_MISSED_GRACE_SECONDS = 3600;

  /** How often workers re-create BullMQ job schedulers from the schedules table and check for missed schedules. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(86_400)
  SCHEDULE_RECONCILE_INTERVAL_SECONDS = 60;

  /** How often a worker enforces every database's retention policy (besides after each successful backup). */
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(MAX_TIMER_SECONDS)
  RETENTION_SWEEP_INTERVAL_SECONDS = 3600;

  /**
   * How long the database a restore set aside (the target's previous content) is kept before a worker drops it;
   * `DELETE /restores/:restoreId/aside` drops it sooner. 0 drops it at the next sweep.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_TIMER_SECONDS)
  RESTORE_ASIDE_KEEP_SECONDS = 7 * 24 * 3600;
  /**
   * How long a worker's lock on a running job lasts (renewed every half of it). A worker that stops renewing it
   * (killed, frozen) loses the job to another worker after about this long.
   */
  @Type(() => Number)
  @IsInt()
  @Min(2)
  @Max(3_600)
  WORKER_LOCK_SECONDS = 60;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  PG_BIN_DIRS?: string;

  /** Deliveries of one webhook event: the first try plus retries with exponential backoff. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(20)
  WEBHOOK_MAX_ATTEMPTS = 6;

  /** Delay before the first webhook retry; each next retry waits twice as long. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_TIMER_SECONDS * 1000)
  WEBHOOK_BACKOFF_MS = 10_000;

  /** A webhook receiver that has not answered within this time counts as failed (that attempt). */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(120_000)
  WEBHOOK_TIMEOUT_MS = 10_000;

  /** Port on which a worker serves its own Prometheus metrics; unset = off. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65535)
  WORKER_METRICS_PORT?: number;

  @IsString()
  WORKER_METRICS_HOST = '127.0.0.1';
  /** Seeded as an admin API key at API start-up. Required when NODE_ENV=production. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[\x21-\x7e]{24,256}$/, { message: 'ADMIN_API_KEY must be 24-256 printable characters without spaces' })
  ADMIN_API_KEY?: string;

  /** Requests one API key (or one address, without a key) may make per minute. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100_000_000)
  RATE_LIMIT_PER_MINUTE = 1200;

  /** Comma-separated hostnames and CIDRs that registered databases and S3 endpoints may point at; empty = any. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @ValidateBy({
    name: 'isHostAllowlist',
    validator: { validate: isValidAllowlist, defaultMessage: () => 'TARGET_HOST_ALLOWLIST must be comma-separated hostnames and CIDRs' },
  })
  TARGET_HOST_ALLOWLIST?: string;
}

export class InvalidEnvironmentError extends Error {}

/** Parses and validates process.env; the error names every bad variable. */
export function validateEnvironment(raw: Record<string, unknown>): Environment {
  // An empty variable means "use the default", not 0 or "".
  const given = Object.fromEntries(Object.entries(raw).filter(([, value]) => typeof value !== 'string' || value.trim() !== ''));
  const env = plainToInstance(Environment, given, { exposeDefaultValues: true });
  const errors = validateSync(env, { whitelist: false, forbidUnknownValues: false });
  if (errors.length > 0) {
    const lines = errors.map((e) => `  ${e.property}: ${Object.values(e.constraints ?? {}).join('; ')}`);
    throw new InvalidEnvironmentError(`Invalid environment configuration:\n${lines.join('\n')}`);
  }
  const missing = productionRequirements(env);
  if (missing.length > 0) throw new InvalidEnvironmentError(`Invalid environment configuration:\n${missing.join('\n')}`);
  return env;
}

/** Variables without a safe default in production. */
function productionRequirements(env: Environment): string[] {
  if (env.NODE_ENV !== 'production') return [];
  const missing: string[] = [];
  if (!env.CREDENTIALS_KEY) missing.push('  CREDENTIALS_KEY: required when NODE_ENV=production (openssl rand -base64 32)');
  return missing;
}

/**
 * What the API needs on top (the worker never reads ADMIN_API_KEY). Outside production a missing key is generated
 * and printed once at start-up instead.
 */
export function apiEnvironmentProblems(env: Environment): string[] {
  if (env.NODE_ENV !== 'production' || env.ADMIN_API_KEY) return [];
  return ['  ADMIN_API_KEY: required when NODE_ENV=production (an admin API key of 24+ characters, e.g. dbb_$(openssl rand -hex 32))'];
}
