import { describe, expect, it } from '@jest/globals';
import { TimeoutError, withTimeout } from './with-timeout.js';

const delay = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe('withTimeout', () => {
  it('resolves with the value of a promise that settles in time', async () => {
    await expect(withTimeout(Promise.resolve(42), 20, 'Answer')).resolves.toBe(42);
    await expect(withTimeout(delay(5, 'late but in time'), 200, 'Answer')).resolves.toBe('late but in time');
  });

  it('passes through the rejection of a promise that fails in time', async () => {
    const error = new Error('queue down');
    await expect(withTimeout(Promise.reject(error), 20, 'Enqueueing')).rejects.toBe(error);
  });

  it('rejects with TimeoutError after the delay', async () => {
    const started = Date.now();
    const never = new Promise<never>(() => undefined);
    const failure = await withTimeout(never, 20, 'Enqueueing the backup').catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(failure).toBeInstanceOf(TimeoutError);
    expect((failure as TimeoutError).message).toBe('Enqueueing the backup timed out after 20 ms');
    expect(elapsed).toBeGreaterThanOrEqual(15);
    expect(elapsed).toBeLessThan(1_000);
  });

  it('times out a promise that settles too late', async () => {
    await expect(withTimeout(delay(200, 'too late'), 20, 'Slow')).rejects.toBeInstanceOf(TimeoutError);
  });
});
