import { describe, expect, it } from '@jest/globals';
import { TargetDatabaseError, isTransientFailure, redact } from './engine.js';

describe('isTransientFailure', () => {
  it.each([
    'pg_dump: error: connection to server at "127.0.0.1", port 1 failed: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?',
    'pg_dump: error: connection to server at "10.0.0.9", port 5432 failed: timeout expired',
    'connect ETIMEDOUT 10.0.0.9:5432',
    'connect ECONNREFUSED 127.0.0.1:1',
    'getaddrinfo EAI_AGAIN db.internal',
    'could not translate host name "db.internal" to address: Temporary failure in name resolution',
    'connection to server at "10.0.0.9", port 5432 failed: Network is unreachable',
    'connection to server at "10.0.0.9", port 5432 failed: No route to host',
    'FATAL:  the database system is starting up',
    'FATAL:  the database system is shutting down',
    'FATAL:  sorry, too many connections for role "x"',
    'FATAL:  remaining connection slots are reserved for roles with the SUPERUSER attribute',
    'Connection terminated due to connection timeout: timed out',
  ])('is true for %j', (message) => {
    expect(isTransientFailure(message)).toBe(true);
  });

  it.each([
    'pg_dump: error: connection to server at "127.0.0.1", port 5432 failed: FATAL:  password authentication failed for user "x"',
    'FATAL:  password authentication failed for user "x"',
    'pg_dump: error: connection to server at "127.0.0.1", port 5432 failed: FATAL:  database "nope" does not exist',
    'database "nope" does not exist',
    'FATAL:  terminating connection due to administrator command',
    'pg_dump: error: query failed: ERROR:  permission denied for table secrets',
    'pg_dump exited with SIGTERM',
    '',
  ])('is false for %j', (message) => {
    expect(isTransientFailure(message)).toBe(false);
  });
});

describe('redact', () => {
  it('replaces every occurrence of the secret', () => {
    expect(redact('pw=hunter2 again hunter2 and hunter2hunter2', 'hunter2')).toBe(
      'pw=******** again ******** and ****************',
    );
  });

  it('replaces several secrets', () => {
    expect(redact('user alice password s3cret', 's3cret', 'alice')).toBe('user ******** password ********');
  });

  it('treats the secret literally, not as a pattern', () => {
    expect(redact('a.b*c+d a-b', 'a.b*c+d')).toBe('******** a-b');
    expect(redact('price $1.00 or $& or $$', '$&')).toBe('price $1.00 or $& or $$');
    expect(redact('price $1.00 or $&x or $$', '$&x')).toBe('price $1.00 or ******** or $$');
  });

  it('ignores secrets shorter than 3 characters', () => {
    expect(redact('a ab abc', 'a', 'ab')).toBe('a ab abc');
    expect(redact('message', '')).toBe('message');
  });

  it('redacts a secret of exactly 3 characters', () => {
    expect(redact('pw abc abc', 'abc')).toBe('pw ******** ********');
  });

  it('returns the message unchanged without secrets', () => {
    expect(redact('nothing secret here')).toBe('nothing secret here');
  });
});

describe('TargetDatabaseError', () => {
  it('carries its message, name and transient flag', () => {
    const error = new TargetDatabaseError('Connection refused', true);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe('Connection refused');
    expect(error.name).toBe('TargetDatabaseError');
    expect(error.transient).toBe(true);
    expect(new TargetDatabaseError('bad password', false).transient).toBe(false);
  });
});
