import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { stopOnSignals } from './stop-on-signals.js';

describe('stopOnSignals', () => {
  let dispose: (() => void) | undefined;

  afterEach(() => {
    dispose?.();
    jest.useRealTimers();
  });

  function stage(unsettled: string[]) {
    const errors: string[] = [];
    const exits: number[] = [];
    const close = jest.fn(() => new Promise<void>(() => undefined)); // a close that never ends (Redis down)
    dispose = stopOnSignals({
      close,
      deadlineMs: 12_000,
      unsettled: () => unsettled,
      log: { error: (message) => errors.push(message) },
      exit: (code) => exits.push(code),
    });
    return { errors, exits, close };
  }

  it('exits with 1 at the deadline when close() never ends, naming the jobs not handed back', () => {
    jest.useFakeTimers();
    const { errors, exits, close } = stage(['backups job backup-7']);
    process.emit('SIGTERM', 'SIGTERM');
    expect(close).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(11_999);
    expect(exits).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(exits).toEqual([1]);
    expect(errors).toEqual([
      'Shutdown not finished 12 s after SIGTERM (Redis or PostgreSQL unreachable?); exiting now, jobs not handed back ' +
        '(another worker takes them once their locks expire): backups job backup-7',
    ]);
  });

  it('a second signal exits at once', () => {
    const { errors, exits, close } = stage([]);
    process.emit('SIGTERM', 'SIGTERM');
    process.emit('SIGINT', 'SIGINT');
    expect(close).toHaveBeenCalledTimes(1);
    expect(exits).toEqual([1]);
    expect(errors).toEqual(['SIGINT received again while stopping; exiting now, no job was left unsettled']);
  });
});
