import { describe, expect, it } from '@jest/globals';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { watchReadOffset } from './read-offset.js';

describe('watchReadOffset', () => {
  it('reports how far the shared descriptor has been read, and nothing once stopped', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'read-offset-'));
    const file = path.join(directory, 'dump');
    await writeFile(file, Buffer.alloc(64 * 1024));
    const handle = await open(file, 'r');
    const reports: number[] = [];
    const stop = watchReadOffset(handle.fd, (bytes) => reports.push(bytes));
    try {
      // A read without a position moves the descriptor's offset, as zstd's reads of its stdin do.
      await handle.read(Buffer.alloc(4096), 0, 4096, null);
      await sleep(700);
      expect(reports.at(-1)).toBe(4096);
      // A positioned read (the hashing thread's) does not.
      await handle.read(Buffer.alloc(4096), 0, 4096, 32 * 1024);
      await sleep(700);
      expect(reports.at(-1)).toBe(4096);
      stop();
      const seen = reports.length;
      await sleep(700);
      expect(reports).toHaveLength(seen);
    } finally {
      stop();
      await handle.close();
      await rm(directory, { recursive: true, force: true });
    }
  });
});
