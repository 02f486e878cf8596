import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DigestingStream } from './digesting-stream.js';

const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');

async function run(chunks: string[], stream: DigestingStream): Promise<{ received: string; error?: Error }> {
  let received = '';
  const sink = new Writable({ write: (chunk: Buffer, _e, cb) => ((received += chunk.toString()), cb()) });
  try {
    await pipeline(Readable.from(chunks.map((c) => Buffer.from(c))), stream, sink);
    return { received };
  } catch (error) {
    return { received, error: error as Error };
  }
}

describe('DigestingStream', () => {
  it('passes bytes through and reports their count and sha256', async () => {
    const stream = new DigestingStream();
    expect(await run(['ab', 'cd'], stream)).toEqual({ received: 'abcd' });
    expect([stream.bytes, stream.hex()]).toEqual([4, sha256('abcd')]);
  });

  it('fails at the end when the sha256 is not the expected one', async () => {
    const outcome = await run(['ab', 'cd'], new DigestingStream({ expectSha256: sha256('abce'), mismatch: () => new Error('altered') }));
    expect(outcome.error?.message).toBe('altered');
    expect(outcome.received).toBe('abcd');
  });

  it('holding the last chunk, never delivers an unverified file whole', async () => {
    const outcome = await run(['ab', 'cd', 'ef'], new DigestingStream({ expectSha256: sha256('nope'), holdLastChunk: true }));
    expect(outcome.error).toBeDefined();
    expect(outcome.received).toBe('abcd');
    const ok = await run(['ab', 'cd', 'ef'], new DigestingStream({ expectSha256: sha256('abcdef'), holdLastChunk: true }));
    expect(ok).toEqual({ received: 'abcdef' });
  });
});
