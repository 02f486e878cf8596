import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { type DigestOptions, digestGrowingFile } from './growing-file-digest.js';

/** Jest runs the TypeScript sources, not dist/: the thread is compiled here, as nest build compiles it. */
let threadDir: string;
let thread: URL;

beforeAll(async () => {
  threadDir = await mkdtemp(path.join(tmpdir(), 'hashing-thread-'));
  const source = await readFile(fileURLToPath(new URL('./file-hashing.worker.ts', import.meta.url)), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  const file = path.join(threadDir, 'file-hashing.worker.mjs');
  await writeFile(file, outputText);
  thread = pathToFileURL(file);
});
afterAll(() => rm(threadDir, { recursive: true, force: true }));

async function digestFile(file: string, writer: Promise<unknown>, options: DigestOptions = {}) {
  const handle: FileHandle = await open(file, 'r');
  try {
    return await digestGrowingFile(handle.fd, writer, { thread, ...options });
  } finally {
    await handle.close();
  }
}

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
    const digest = await digestFile(file, writer);
    const all = Buffer.concat(parts);
    expect(digest).toEqual({ bytes: all.length, sha256: createHash('sha256').update(all).digest('hex') });
  });

  it('also finishes when the writer fails, with what was written', async () => {
    await appendFile(file, 'abc');
    const digest = await digestFile(file, Promise.reject(new Error('writer died')));
    expect(digest).toEqual({ bytes: 3, sha256: createHash('sha256').update('abc').digest('hex') });
  });

  it('stops, rejecting, when its signal aborts', async () => {
    const controller = new AbortController();
    const digest = digestFile(file, new Promise(() => undefined), { signal: controller.signal });
    await sleep(50);
    controller.abort();
    await expect(digest).rejects.toThrow(/before its digest/);
  });
});

describe('digestGrowingFile errors', () => {
  it('rejects when the file cannot be read', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'growing-digest-'));
    try {
      await expect(digestFile(dir, Promise.resolve())).rejects.toThrow(/EISDIR/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports the final byte count as progress', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'growing-digest-'));
    try {
      const file = path.join(dir, 'f');
      await writeFile(file, randomBytes(9 * 1024 * 1024 + 5));
      const seen: number[] = [];
      const digest = await digestFile(file, Promise.resolve(), { onProgress: (bytes) => seen.push(bytes) });
      expect(digest.bytes).toBe(9 * 1024 * 1024 + 5);
      expect(seen).toEqual([4 * 1024 * 1024, 8 * 1024 * 1024, 9 * 1024 * 1024 + 5]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
