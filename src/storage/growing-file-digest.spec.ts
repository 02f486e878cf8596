import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { digestGrowingFile } from './growing-file-digest.js';

describe('digestGrowingFile', () => {
  let dir: string;
  let file: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'growing-digest-'));
    file = path.join(dir, 'f');
    await writeFile(file, '');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('hashes every byte a writer appends while it is being read, until the writer is done', async () => {
    const parts = Array.from({ length: 20 }, (_, i) => randomBytes(1000 + i * 37_000));
    const writer = (async () => {
      for (const part of parts) {
        await appendFile(file, part);
        await sleep(3);
      }
    })();
    const digest = await digestGrowingFile(file, writer);
    const all = Buffer.concat(parts);
    expect(digest).toEqual({ bytes: all.length, sha256: createHash('sha256').update(all).digest('hex') });
  });

  it('also finishes when the writer fails, with what was written', async () => {
    await appendFile(file, 'abc');
    const digest = await digestGrowingFile(file, Promise.reject(new Error('writer died')));
    expect(digest).toEqual({ bytes: 3, sha256: createHash('sha256').update('abc').digest('hex') });
  });
});

describe('digestGrowingFile errors', () => {
  it('rejects when the file cannot be opened', async () => {
    const missing = path.join(tmpdir(), `growing-digest-missing-${process.pid}`, 'f');
    await expect(digestGrowingFile(missing, Promise.resolve())).rejects.toThrow(/ENOENT/);
  });

  it('reports the final byte count as progress', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'growing-digest-'));
    try {
      const file = path.join(dir, 'f');
      await writeFile(file, randomBytes(9 * 1024 * 1024 + 5));
      const seen: number[] = [];
      const digest = await digestGrowingFile(file, Promise.resolve(), (bytes) => seen.push(bytes));
      expect(digest.bytes).toBe(9 * 1024 * 1024 + 5);
      expect(seen).toEqual([4 * 1024 * 1024, 8 * 1024 * 1024, 9 * 1024 * 1024 + 5]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
