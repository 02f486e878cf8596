import { describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { AttemptSignal } from './attempt-signal.js';

describe('AttemptSignal', () => {
  it('aborts at its time limit and says it timed out', async () => {
    const attempt = new AttemptSignal(20);
    expect(attempt.signal.aborted).toBe(false);
    await sleep(60);
    expect([attempt.signal.aborted, attempt.timedOut]).toEqual([true, true]);
  });

  it('aborts with the shutdown signal, without counting as a time-out', () => {
    const shutdown = new AbortController();
    const attempt = new AttemptSignal(60_000, shutdown.signal);
    shutdown.abort();
    expect([attempt.signal.aborted, attempt.timedOut]).toEqual([true, false]);
  });

  it('aborts on demand', () => {
    const attempt = new AttemptSignal(60_000);
    attempt.abort();
    expect([attempt.signal.aborted, attempt.timedOut]).toEqual([true, false]);
  });
});
