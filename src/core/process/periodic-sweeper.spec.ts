import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { PeriodicSweeper } from './periodic-sweeper.js';

/** Sweeps what `outcomes` says, one entry a sweep: removed names, or an error. */
class ScriptedSweeper extends PeriodicSweeper {
  sweeps = 0;

  constructor(private readonly outcomes: Array<string[] | Error>) {
    super({ reconcileIntervalMs: 1_000 }, 'test leftovers');
  }

  async sweep(): Promise<string[]> {
    const outcome = this.outcomes[this.sweeps++] ?? [];
    if (outcome instanceof Error) throw outcome;
    return outcome;
  }
}

describe('PeriodicSweeper', () => {
  let warnings: string[];

  beforeEach(() => {
    jest.useFakeTimers();
    warnings = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => void warnings.push(String(message)));
  });

  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('sweeps at start-up and then every RECONCILE_INTERVAL_SECONDS, until shutdown', async () => {
    const sweeper = new ScriptedSweeper([]);
    sweeper.onApplicationBootstrap();
    expect(sweeper.sweeps).toBe(1);
    await jest.advanceTimersByTimeAsync(999);
    expect(sweeper.sweeps).toBe(1);
    await jest.advanceTimersByTimeAsync(2_000);
    expect(sweeper.sweeps).toBe(3);
    sweeper.onApplicationShutdown();
    await jest.advanceTimersByTimeAsync(5_000);
    expect(sweeper.sweeps).toBe(3);
    expect(warnings).toEqual([]);
  });

  it('logs a failed sweep, naming what it sweeps, and sweeps again at the next interval', async () => {
    const sweeper = new ScriptedSweeper([new Error('connection refused'), ['db_1']]);
    sweeper.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(0);
    expect(warnings).toEqual(['Sweeping test leftovers failed: connection refused']);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(sweeper.sweeps).toBe(2);
    expect(warnings).toHaveLength(1);
    sweeper.onApplicationShutdown();
  });

  it('logs under the name of the sweeper', () => {
    expect((new ScriptedSweeper([]) as unknown as { logger: Logger }).logger).toEqual(new Logger('ScriptedSweeper'));
  });
});
