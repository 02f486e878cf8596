import { describe, expect, it } from '@jest/globals';
import { apiEnvironmentProblems, Environment, InvalidEnvironmentError, validateEnvironment } from './environment.js';

const VALID_KEY = Buffer.alloc(32, 1).toString('base64');

function failureOf(raw: Record<string, unknown>): InvalidEnvironmentError {
  try {
    validateEnvironment(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidEnvironmentError);
    return error as InvalidEnvironmentError;
  }
  throw new Error(`Expected ${JSON.stringify(raw)} to be refused`);
}

/** The variable names listed in the error message, one per "  NAME: ..." line. */
function namedVariables(error: Error): string[] {
  return [...error.message.matchAll(/^ {2}([A-Z_]+):/gm)].map((match) => match[1]!).sort();
}

describe('validateEnvironment', () => {
  it('applies every default to an empty environment', () => {
    const env = validateEnvironment({});
    expect(env).toBeInstanceOf(Environment);
    expect({ ...env }).toEqual({
      NODE_ENV: 'development',
      PORT: 3000,
      HOST: '127.0.0.1',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/dbbackup',
      REDIS_URL: 'redis://127.0.0.1:6379',
      QUEUE_PREFIX: 'dbbackup',
      STORAGE_DIR: './data/backups',
      SECRET_FILES_DIR: undefined,
      STORAGE_MIN_FREE_BYTES: 1_073_741_824,
      STORAGE_MIN_FREE_PERCENT: 0,
      CREDENTIALS_KEY: undefined,
      LOG_LEVEL: 'info',
      WORKER_CONCURRENCY: 2,
      BACKUP_TIMEOUT_SECONDS: 21600,
      SHUTDOWN_GRACE_SECONDS: 60,
      RECONCILE_INTERVAL_SECONDS: 60,
      SCHEDULE_MISSED_GRACE_SECONDS: 3600,
      SCHEDULE_RECONCILE_INTERVAL_SECONDS: 60,
      RETENTION_SWEEP_INTERVAL_SECONDS: 3600,
      RESTORE_ASIDE_KEEP_SECONDS: 604_800,
      WORKER_LOCK_SECONDS: 60,
      PG_BIN_DIRS: undefined,
      WEBHOOK_MAX_ATTEMPTS: 6,
      WEBHOOK_BACKOFF_MS: 10_000,
      WEBHOOK_TIMEOUT_MS: 10_000,
      WORKER_METRICS_PORT: undefined,
      WORKER_METRICS_HOST: '127.0.0.1',
      RATE_LIMIT_PER_MINUTE: 1200,
    });
  });

  it('bounds STORAGE_MIN_FREE_PERCENT to 0-100', () => {
    expect(validateEnvironment({ STORAGE_MIN_FREE_PERCENT: '100' }).STORAGE_MIN_FREE_PERCENT).toBe(100);
    expect(() => validateEnvironment({ STORAGE_MIN_FREE_PERCENT: '101' })).toThrow('STORAGE_MIN_FREE_PERCENT');
    expect(() => validateEnvironment({ STORAGE_MIN_FREE_BYTES: '-1' })).toThrow('STORAGE_MIN_FREE_BYTES');
  });

  it('reads the worker metrics port, empty meaning off', () => {
    expect(validateEnvironment({ WORKER_METRICS_PORT: '9464' }).WORKER_METRICS_PORT).toBe(9464);
    expect(validateEnvironment({ WORKER_METRICS_PORT: '' }).WORKER_METRICS_PORT).toBeUndefined();
    expect(() => validateEnvironment({ WORKER_METRICS_PORT: '70000' })).toThrow('WORKER_METRICS_PORT');
  });

  it('parses values given as strings', () => {
    const env = validateEnvironment({
      NODE_ENV: 'production',
      PORT: '8080',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgresql://u:p@db:5432/x',
      REDIS_URL: 'rediss://cache:6380',
      QUEUE_PREFIX: '{dbbackup}',
      STORAGE_DIR: '/var/backups',
      CREDENTIALS_KEY: VALID_KEY,
      LOG_LEVEL: 'debug',
      WORKER_CONCURRENCY: '4',
      BACKUP_TIMEOUT_SECONDS: '60',
      SHUTDOWN_GRACE_SECONDS: '0',
      PG_BIN_DIRS: '/usr/lib/postgresql/16/bin:/usr/lib/postgresql/17/bin',
    });
    expect(env.PORT).toBe(8080);
    expect(env.WORKER_CONCURRENCY).toBe(4);
    expect(env.BACKUP_TIMEOUT_SECONDS).toBe(60);
    expect(env.SHUTDOWN_GRACE_SECONDS).toBe(0);
    expect(env.CREDENTIALS_KEY).toBe(VALID_KEY);
    expect(env.QUEUE_PREFIX).toBe('{dbbackup}');
    expect(env.PG_BIN_DIRS).toBe('/usr/lib/postgresql/16/bin:/usr/lib/postgresql/17/bin');
  });

  it('ignores unrelated variables', () => {
    expect(validateEnvironment({ HOME: '/root', SOMETHING_ELSE: 'x' }).PORT).toBe(3000);
  });

  it("refuses PORT='abc' and names PORT", () => {
    const error = failureOf({ PORT: 'abc' });
    expect(namedVariables(error)).toEqual(['PORT']);
    expect(error.message).toMatch(/^Invalid environment configuration:\n {2}PORT: /);
    expect(error.message).toContain('PORT must be an integer number');
  });

  it.each(['70000', '-1', '80.5'])('refuses PORT=%s', (PORT) => {
    expect(namedVariables(failureOf({ PORT }))).toEqual(['PORT']);
  });

  it('names every bad variable at once', () => {
    const error = failureOf({
      PORT: 'abc',
      NODE_ENV: 'staging',
      REDIS_URL: 'http://cache:6379',
      DATABASE_URL: 'mysql://db/x',
      LOG_LEVEL: 'verbose',
      WORKER_CONCURRENCY: '0',
      QUEUE_PREFIX: 'has space',
    });
    expect(namedVariables(error)).toEqual([
      'DATABASE_URL',
      'LOG_LEVEL',
      'NODE_ENV',
      'PORT',
      'QUEUE_PREFIX',
      'REDIS_URL',
      'WORKER_CONCURRENCY',
    ]);
    expect(error.message).toContain('REDIS_URL: REDIS_URL must be a redis://, rediss:// or redis-sentinel:// URL');
    expect(error.message).toContain('DATABASE_URL: DATABASE_URL must be a postgres:// URL');
  });

  it('refuses a WORKER_CONCURRENCY above 64 and a BACKUP_TIMEOUT_SECONDS of 0', () => {
    expect(namedVariables(failureOf({ WORKER_CONCURRENCY: '65', BACKUP_TIMEOUT_SECONDS: '0' }))).toEqual([
      'BACKUP_TIMEOUT_SECONDS',
      'WORKER_CONCURRENCY',
    ]);
  });

  it('refuses a WORKER_LOCK_SECONDS below 2 or above an hour', () => {
    expect(namedVariables(failureOf({ WORKER_LOCK_SECONDS: '1' }))).toEqual(['WORKER_LOCK_SECONDS']);
    expect(namedVariables(failureOf({ WORKER_LOCK_SECONDS: '3601' }))).toEqual(['WORKER_LOCK_SECONDS']);
    expect(validateEnvironment({ WORKER_LOCK_SECONDS: '2' }).WORKER_LOCK_SECONDS).toBe(2);
  });

  it('requires CREDENTIALS_KEY in production', () => {
    const error = failureOf({ NODE_ENV: 'production' });
    expect(error.message).toBe(
      'Invalid environment configuration:\n  CREDENTIALS_KEY: required when NODE_ENV=production (openssl rand -base64 32)',
    );
  });

  it('requires CREDENTIALS_KEY in production even when it is set but empty', () => {
    expect(namedVariables(failureOf({ NODE_ENV: 'production', CREDENTIALS_KEY: '' }))).toEqual(['CREDENTIALS_KEY']);
  });

  it('accepts production with a valid key', () => {
    expect(validateEnvironment({ NODE_ENV: 'production', CREDENTIALS_KEY: VALID_KEY }).NODE_ENV).toBe('production');
  });

  it.each([
    ['too short', Buffer.alloc(16, 1).toString('base64')],
    ['too long', Buffer.alloc(48, 1).toString('base64')],
    ['not base64', '!'.repeat(43) + '='],
    ['hex', 'ab'.repeat(32)],
    ['missing padding', VALID_KEY.slice(0, 43)],
  ])('refuses a malformed CREDENTIALS_KEY (%s)', (_kind, CREDENTIALS_KEY) => {
    const error = failureOf({ CREDENTIALS_KEY });
    expect(namedVariables(error)).toEqual(['CREDENTIALS_KEY']);
    expect(error.message).toContain('CREDENTIALS_KEY must be 32 bytes encoded in base64 (openssl rand -base64 32)');
    expect(error.message).not.toContain(CREDENTIALS_KEY);
  });

  it('treats an empty CREDENTIALS_KEY as unset outside production', () => {
    expect(validateEnvironment({ CREDENTIALS_KEY: '' }).CREDENTIALS_KEY).toBeUndefined();
    expect(validateEnvironment({ NODE_ENV: 'test', CREDENTIALS_KEY: '' }).CREDENTIALS_KEY).toBeUndefined();
  });

  it('treats an empty PG_BIN_DIRS as unset', () => {
    expect(validateEnvironment({ PG_BIN_DIRS: '' }).PG_BIN_DIRS).toBeUndefined();
  });
});

describe('validateEnvironment edge values', () => {
  it('treats empty numeric variables as unset, not 0', () => {
    const env = validateEnvironment({ PORT: '', SHUTDOWN_GRACE_SECONDS: ' ' });
    expect(env.PORT).toBe(3000);
    expect(env.SHUTDOWN_GRACE_SECONDS).toBe(60);
  });

  it('refuses PORT 0 and timeouts a Node timer cannot hold', () => {
    const message = failureOf({ PORT: '0', BACKUP_TIMEOUT_SECONDS: '2147484', SHUTDOWN_GRACE_SECONDS: '99999999' }).message;
    expect(message).toContain('PORT');
    expect(message).toContain('BACKUP_TIMEOUT_SECONDS');
    expect(message).toContain('SHUTDOWN_GRACE_SECONDS');
  });
});

describe('security settings', () => {
  it('parses RATE_LIMIT_PER_MINUTE, ADMIN_API_KEY and TARGET_HOST_ALLOWLIST', () => {
    const env = validateEnvironment({
      RATE_LIMIT_PER_MINUTE: '60',
      ADMIN_API_KEY: 'dbb_0123456789abcdefghijklmnop',
      TARGET_HOST_ALLOWLIST: '10.0.0.0/8, db.internal',
    });
    expect([env.RATE_LIMIT_PER_MINUTE, env.ADMIN_API_KEY, env.TARGET_HOST_ALLOWLIST]).toEqual([
      60,
      'dbb_0123456789abcdefghijklmnop',
      '10.0.0.0/8, db.internal',
    ]);
  });

  it('refuses a short or spaced ADMIN_API_KEY, a zero rate limit and a malformed allowlist, naming each', () => {
    expect(() =>
      validateEnvironment({ ADMIN_API_KEY: 'short', RATE_LIMIT_PER_MINUTE: '0', TARGET_HOST_ALLOWLIST: '10.0.0.0/40' }),
    ).toThrow(
      'Invalid environment configuration:\n' +
        '  ADMIN_API_KEY: ADMIN_API_KEY must be 24-256 printable characters without spaces\n' +
        '  RATE_LIMIT_PER_MINUTE: RATE_LIMIT_PER_MINUTE must not be less than 1\n' +
        '  TARGET_HOST_ALLOWLIST: TARGET_HOST_ALLOWLIST must be comma-separated hostnames and CIDRs',
    );
    expect(() => validateEnvironment({ ADMIN_API_KEY: 'dbb_0123456789 abcdefghijklmnop' })).toThrow('ADMIN_API_KEY must be');
  });

  it('the API needs ADMIN_API_KEY in production only', () => {
    const key = 'k'.repeat(43) + '=';
    expect(apiEnvironmentProblems(validateEnvironment({ NODE_ENV: 'production', CREDENTIALS_KEY: key }))).toEqual([
      '  ADMIN_API_KEY: required when NODE_ENV=production (an admin API key of 24+ characters, e.g. dbb_$(openssl rand -hex 32))',
    ]);
    expect(
      apiEnvironmentProblems(validateEnvironment({ NODE_ENV: 'production', CREDENTIALS_KEY: key, ADMIN_API_KEY: 'a'.repeat(24) })),
    ).toEqual([]);
    expect(apiEnvironmentProblems(validateEnvironment({}))).toEqual([]);
  });
});
