import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { BackupProgress, type BackupPhase } from './backup-progress.js';

describe('BackupProgress', () => {
  let writes: Array<[BackupPhase, number]>;
  let progress: BackupProgress;

  beforeEach(() => {
    jest.useFakeTimers();
    writes = [];
    progress = new BackupProgress(async (phase, bytes) => void writes.push([phase, bytes]), 1_000);
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('writes a new phase at once, and bytes at most once per interval', async () => {
    progress.enter('connecting');
    progress.enter('dumping');
    for (let i = 1; i <= 1_000; i++) progress.bytes(i * 64);
    await jest.advanceTimersByTimeAsync(999);
    expect(writes).toEqual([['connecting', 0], ['dumping', 0]]);
    await jest.advanceTimersByTimeAsync(1);
    expect(writes).toEqual([['connecting', 0], ['dumping', 0], ['dumping', 64_000]]);
  });

  it('writes nothing when nothing changed, and nothing after stop()', async () => {
    progress.enter('dumping');
    await jest.advanceTimersByTimeAsync(5_000);
    expect(writes).toEqual([['dumping', 0]]);
    await progress.stop();
    progress.bytes(10);
    await jest.advanceTimersByTimeAsync(5_000);
    expect(writes).toEqual([['dumping', 0]]);
  });

  it('keeps going when a write fails', async () => {
    const failing = new BackupProgress(async () => Promise.reject(new Error('db down')), 1_000);
    failing.enter('dumping');
    failing.bytes(5);
    await jest.advanceTimersByTimeAsync(1_000);
    await expect(failing.stop()).resolves.toBeUndefined();
  });
});
