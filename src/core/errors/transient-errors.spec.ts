import { describe, expect, it } from '@jest/globals';
import { QueryFailedError } from 'typeorm';
import { isTransient } from './transient-errors.js';

function withProps(message: string, props: Record<string, unknown>): Error {
  return Object.assign(new Error(message), props);
}

describe('isTransient', () => {
  it('takes an error that says so at its word, either way', () => {
    expect(isTransient(withProps('could not connect', { transient: true }))).toBe(true);
    expect(isTransient(withProps('password authentication failed', { transient: false }))).toBe(false);
    // A permanent verdict is not overridden by a network code on the same error.
    expect(isTransient(withProps('refused for good', { transient: false, code: 'ECONNRESET' }))).toBe(false);
  });

  it('retries an unavailable metadata database', () => {
    const driverError = withProps('terminating connection due to administrator command', { code: '57P01' });
    expect(isTransient(new QueryFailedError('UPDATE backups', [], driverError))).toBe(true);
    expect(isTransient(withProps('connect ECONNREFUSED 127.0.0.1:5432', { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isTransient(new Error('Connection terminated unexpectedly'))).toBe(true);
  });

  it('retries storage server errors and throttling, not client errors', () => {
    expect(isTransient(withProps('S3 upload failed: InternalError (HTTP 500)', { code: 'InternalError', statusCode: 500 }))).toBe(true);
    expect(isTransient(withProps('S3 upload failed (HTTP 503)', { statusCode: 503 }))).toBe(true);
    expect(isTransient(withProps('S3 upload failed: SlowDown', { code: 'SlowDown' }))).toBe(true);
    expect(isTransient(withProps('too many requests', { $metadata: { httpStatusCode: 429 } }))).toBe(true);
    expect(isTransient(withProps('S3 upload failed: AccessDenied (HTTP 403)', { code: 'AccessDenied', statusCode: 403 }))).toBe(false);
    expect(isTransient(withProps('S3 read failed: NoSuchBucket (HTTP 404)', { code: 'NoSuchBucket', statusCode: 404 }))).toBe(false);
  });

  it('retries network failures, also when wrapped', () => {
    expect(isTransient(withProps('read ECONNRESET', { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransient(withProps('getaddrinfo EAI_AGAIN minio', { code: 'EAI_AGAIN' }))).toBe(true);
    const wrapped = new Error('Writing the backup file failed: S3 upload failed', { cause: withProps('socket hang up', { code: 'ECONNRESET' }) });
    expect(isTransient(wrapped)).toBe(true);
  });

  it('does not retry a local file system that refuses writes, nor an unknown error', () => {
    expect(isTransient(withProps("EROFS: read-only file system, open '/x.partial'", { code: 'EROFS' }))).toBe(false);
    expect(isTransient(new Error('Writing the backup file failed', { cause: withProps('No space left on device', { code: 'ENOSPC' }) }))).toBe(false);
    expect(isTransient(withProps('permission denied', { code: 'EACCES' }))).toBe(false);
    expect(isTransient(new Error('pg_restore: error: could not read input file'))).toBe(false);
    expect(isTransient(undefined)).toBe(false);
    expect(isTransient('a string')).toBe(false);
  });
});
