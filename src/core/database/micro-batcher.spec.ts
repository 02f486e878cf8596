import { describe, expect, it } from '@jest/globals';
import { type BatchOutcome, MicroBatcher } from './micro-batcher.js';

function recordingBatcher(maxSize = 100, maxConcurrentFlushes = 4) {
  const batches: number[][] = [];
  let release: () => void = () => undefined;
  let gate: Promise<void> = Promise.resolve();
  const batcher = new MicroBatcher<number, number>(
    async (items) => {
      batches.push(items);
      await gate;
      return items.map((item): BatchOutcome<number> => (item < 0 ? { error: new Error(`negative ${item}`) } : { value: item * 10 }));
    },
    maxSize,
    maxConcurrentFlushes,
  );
  return {
    batcher,
    batches,
    hold: () => {
      gate = new Promise((resolve) => (release = resolve));
    },
    release: () => release(),
  };
}

describe('MicroBatcher', () => {
  it('sends the items added in the same turn as one batch, each caller getting its own value', async () => {
    const { batcher, batches } = recordingBatcher();
    await expect(Promise.all([batcher.add(1), batcher.add(2), batcher.add(3)])).resolves.toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('a lone item is a batch of one', async () => {
    const { batcher, batches } = recordingBatcher();
    await expect(batcher.add(7)).resolves.toBe(70);
    expect(batches).toEqual([[7]]);
  });

  it('splits at maxSize', async () => {
    const { batcher, batches } = recordingBatcher(2);
    await Promise.all([1, 2, 3, 4, 5].map((item) => batcher.add(item)));
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('rejects only the item whose outcome is an error', async () => {
    const { batcher } = recordingBatcher();
    const results = await Promise.allSettled([batcher.add(1), batcher.add(-2), batcher.add(3)]);
    expect(results).toEqual([
      { status: 'fulfilled', value: 10 },
      { status: 'rejected', reason: new Error('negative -2') },
      { status: 'fulfilled', value: 30 },
    ]);
  });

  it('rejects every item of a batch whose flush throws, and keeps working', async () => {
    let fail = true;
    const batcher = new MicroBatcher<number, number>(async (items) => {
      if (fail) throw new Error('down');
      return items.map((item) => ({ value: item }));
    });
    const results = await Promise.allSettled([batcher.add(1), batcher.add(2)]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(batcher.add(3)).resolves.toBe(3);
  });

  it('gathers what arrives while the flushes are busy into the next batch', async () => {
    const { batcher, batches, hold, release } = recordingBatcher(100, 1);
    hold();
    const first = batcher.add(1);
    await new Promise((resolve) => setImmediate(resolve));
    const later = [batcher.add(2), batcher.add(3)];
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([[1]]);
    release();
    await expect(Promise.all([first, ...later])).resolves.toEqual([10, 20, 30]);
    expect(batches).toEqual([[1], [2, 3]]);
  });

  it('answers an error when the flush returns fewer outcomes than items', async () => {
    const batcher = new MicroBatcher<number, number>(async () => []);
    await expect(batcher.add(1)).rejects.toThrow('Batch returned no outcome for an item');
  });
});
