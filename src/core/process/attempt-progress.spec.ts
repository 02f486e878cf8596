import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { AttemptProgress } from './attempt-progress.js';

type Phase = 'downloading' | 'restoring' | 'checking';

describe('AttemptProgress', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  function recorder(owned: () => boolean = () => true) {
    const writes: Array<[Phase, number]> = [];
    const write = async (phase: Phase, bytes: number) => {
      writes.push([phase, bytes]);
      return owned();
    };
    return { writes, write };
  }

  it('writes a new phase at once and the latest byte count every interval', async () => {
    jest.useFakeTimers();
    const { writes, write } = recorder();
    const progress = new AttemptProgress<Phase>('downloading', write, 1_000);
    await progress.enter('restoring');
    progress.bytes(100);
    progress.bytes(200);
    await jest.advanceTimersByTimeAsync(1_000);
    progress.bytes(300);
    await jest.advanceTimersByTimeAsync(1_000);
    await progress.stop();
    await jest.advanceTimersByTimeAsync(5_000);
    expect(writes).toEqual([
      ['restoring', 0],
      ['restoring', 200],
      ['restoring', 300],
    ]);
  });

  it('says whether the attempt still owns the row, and aborts `lost` at the first write it does not', async () => {
    let owned = true;
    const { write } = recorder(() => owned);
    const progress = new AttemptProgress<Phase>('downloading', write, 60_000);
    await expect(progress.enter('restoring')).resolves.toBe(true);
    expect(progress.lost.aborted).toBe(false);
    owned = false;
    await expect(progress.enter('checking')).resolves.toBe(false);
    expect(progress.lost.aborted).toBe(true);
    await progress.stop();
  });

  it('a failed write rejects the phase change that asked for it, aborts nothing, and the next write goes on', async () => {
    jest.useFakeTimers();
    let fail = true;
    const writes: Array<[Phase, number]> = [];
    const progress = new AttemptProgress<Phase>('downloading', async (phase, bytes) => {
      writes.push([phase, bytes]);
      if (fail) throw new Error('metadata database busy');
      return true;
    }, 1_000);
    await expect(progress.enter('restoring')).rejects.toThrow('metadata database busy');
    fail = false;
    progress.bytes(10);
    await jest.advanceTimersByTimeAsync(1_000);
    await progress.stop();
    expect(progress.lost.aborted).toBe(false);
    expect(writes).toEqual([
      ['restoring', 0],
      ['restoring', 10],
    ]);
  });
});
