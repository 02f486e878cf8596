import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { logFormat, REDACTED_PATHS } from './logging.module.js';

function logged(entry: object): string {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  pino({ redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, sink).info(entry, 'request');
  return text;
}

describe('REDACTED_PATHS', () => {
  it('keeps API keys and target secrets out of request logs', () => {
    const text = logged({
      req: {
        headers: { authorization: 'Bearer dbb_secret-key-1', 'x-api-key': 'dbb_secret-key-2', cookie: 'session=s3' },
        body: { password: 'target-pw', secretAccessKey: 's3-secret' },
      },
      created: { key: 'dbb_secret-key-3', keyHash: 'abcd', secretEncrypted: 'v1:sealed', passwordEncrypted: 'v1:sealed2' },
    });
    for (const secret of ['dbb_secret-key-1', 'dbb_secret-key-2', 'session=s3', 'target-pw', 's3-secret', 'dbb_secret-key-3', 'abcd', 'v1:sealed']) {
      expect(text).not.toContain(secret);
    }
    expect(JSON.parse(text).req.headers.authorization).toBe('[redacted]');
  });
});

describe('logFormat', () => {
  it('is pretty only at a terminal outside production', () => {
    expect(logFormat(true, false)).toBe('pretty');
  });

  it('is JSON in production, even at a terminal', () => {
    expect(logFormat(true, true)).toBe('json');
  });

  it('is JSON when stdout is a pipe or a file (isTTY false or undefined), in any environment', () => {
    expect(logFormat(false, false)).toBe('json');
    expect(logFormat(undefined, false)).toBe('json');
    expect(logFormat(undefined, true)).toBe('json');
  });
});
