import 'reflect-metadata';
import { plainToInstance, Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, validateSync } from 'class-validator';

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

  @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  @Matches(/^[A-Za-z0-9_{}-]{1,64}$/, { message: 'QUEUE_PREFIX must be 1-64 letters, digits, _, -, { or }' })
  QUEUE_PREFIX = 'dbbackup';

  @IsString()
  STORAGE_DIR = './data/backups';

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
  if (env.NODE_ENV === 'production' && !env.CREDENTIALS_KEY) {
    throw new InvalidEnvironmentError(
      'Invalid environment configuration:\n  CREDENTIALS_KEY: required when NODE_ENV=production (openssl rand -base64 32)',
    );
  }
  return env;
}
