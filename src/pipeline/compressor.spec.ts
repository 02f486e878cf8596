import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { PassThrough, Readable, Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { ProcessRunner } from '../core/process/process-runner.js';
import type { Compression } from '../storage/compression.js';
import { Compressor } from './compressor.js';

const processes = new ProcessRunner();
const compressor = new Compressor(processes);
const SEQ_COUNT = '2000000';

/** sha256 and byte count of everything a stream yields. */
async function digest(stream: Readable): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  await pipeline(
    stream,
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        bytes += chunk.length;
        callback();
      },
    }),
  );
  return { sha256: hash.digest('hex'), bytes };
}

describe('Compressor (real zstd process and zlib)', () => {
  let expected: { sha256: string; bytes: number };

  beforeAll(async () => {
    expected = await digest(processes.run('seq', ['1', SEQ_COUNT]).stdout);
  });

  it.each<Compression>(['zstd', 'gzip', 'none'])('%s: a child stdout compressed then decompressed is byte-identical', async (kind) => {
    const signal = new AbortController().signal;
    const producer = processes.run('seq', ['1', SEQ_COUNT]);
    const compressed = compressor.compress(kind, producer.stdout, signal);
    const chunks: Buffer[] = [];
    await Promise.all([
      pipeline(compressed.output, new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c), cb()) })),
      compressed.completed,
    ]);
    const packed = Buffer.concat(chunks);
    if (kind === 'none') expect(packed.length).toBe(expected.bytes);
    else expect(packed.length).toBeLessThan(expected.bytes / 3);

    const restored = compressor.decompress(kind, Readable.from([packed]), signal);
    const [result] = await Promise.all([digest(restored.output), restored.completed]);
    expect(result).toEqual(expected);
  });

  it('zstd reports corrupt input as a failure', async () => {
    const stage = compressor.decompress('zstd', Readable.from([Buffer.from('definitely not zstd')]), new AbortController().signal);
    await Promise.all([digest(stage.output).catch(() => undefined), expect(stage.completed).rejects.toThrow(/zstd exited with code 1/)]);
  });

  it('gzip reports corrupt input as a failure', async () => {
    const stage = compressor.decompress('gzip', Readable.from([Buffer.from('definitely not gzip')]), new AbortController().signal);
    await expect(Promise.all([digest(stage.output), stage.completed])).rejects.toThrow(/incorrect header check/);
  });

  it('gzip: an input that fails midway fails the output too, so that its reader is not left waiting', async () => {
    const input = new PassThrough();
    const stage = compressor.decompress('gzip', input, new AbortController().signal);
    input.write(gzipSync(Buffer.alloc(1_000_000, 7)).subarray(0, 500));
    setImmediate(() => input.destroy(new Error('Backup file checksum does not match the record (altered)')));
    await expect(digest(stage.output)).rejects.toThrow('Backup file checksum does not match the record (altered)');
    await expect(stage.completed).rejects.toThrow('Backup file checksum does not match the record (altered)');
  });

  it('gzip: a corrupted stream fails, and the rest of its input is drained for the upstream verdict', async () => {
    const input = new PassThrough();
    const stage = compressor.decompress('gzip', input, new AbortController().signal);
    input.write(Buffer.from('definitely not gzip'));
    await expect(digest(stage.output)).rejects.toThrow(/incorrect header check/);
    await expect(stage.completed).rejects.toThrow(/incorrect header check/);
    input.end(Buffer.alloc(1_000_000));
    await finished(input);
    expect(input.readableEnded).toBe(true);
  });

  it('gzip: aborting ends the output and the input', async () => {
    const input = new PassThrough();
    const controller = new AbortController();
    const stage = compressor.decompress('gzip', input, controller.signal);
    input.write(gzipSync(Buffer.alloc(1000)).subarray(0, 20));
    setImmediate(() => controller.abort());
    await expect(digest(stage.output)).rejects.toThrow(/abort/i);
    await expect(stage.completed).rejects.toThrow(/abort/i);
  });
});
