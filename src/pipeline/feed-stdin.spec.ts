import { describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { feedStdin } from './feed-stdin.js';
import { ProcessRunner } from '../core/process/process-runner.js';

const processes = new ProcessRunner();

/** 4 MiB in 64 KiB chunks, counting what was read from it. */
function countedInput(): { input: Readable; read: () => number } {
  let read = 0;
  const input = Readable.from(
    (function* () {
      for (let i = 0; i < 64; i++) {
        read += 65_536;
        yield Buffer.alloc(65_536, 7);
      }
    })(),
  );
  return { input, read: () => read };
}

describe('feedStdin', () => {
  it('feeds everything to a child that reads everything', async () => {
    const { input } = countedInput();
    const child = processes.run('wc', ['-c'], { stdin: true });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await Promise.all([feedStdin(input, child.stdin!), child.exited]);
    expect(out.trim()).toBe(String(64 * 65_536));
  });

  it('drains the rest when the child stops reading early, instead of failing', async () => {
    const { input, read } = countedInput();
    const child = processes.run('head', ['-c', '10'], { stdin: true });
    child.stdout.resume();
    const [, result] = await Promise.all([feedStdin(input, child.stdin!), child.exited]);
    expect(result.code).toBe(0);
    await finished(input);
    expect(read()).toBe(64 * 65_536);
  });

  it('rejects with the input error and closes the child stdin so the child ends', async () => {
    const failing = new Readable({ read() { this.destroy(new Error('source broke')); } });
    const child = processes.run('cat', [], { stdin: true });
    child.stdout.resume();
    await expect(feedStdin(failing, child.stdin!)).rejects.toThrow('source broke');
    expect((await child.exited).code).not.toBeNull();
  });

  it('closes the child stdin when the input failed before feeding began', async () => {
    const failed = new Readable({ read() {} });
    failed.on('error', () => undefined);
    failed.destroy(new Error('failed early'));
    await new Promise((resolve) => setImmediate(resolve));
    const child = processes.run('cat', [], { stdin: true });
    child.stdout.resume();
    await expect(feedStdin(failed, child.stdin!)).rejects.toThrow('failed early');
    expect((await child.exited).code).toBe(0);
  });

  it('closes the child stdin when the input is destroyed without an error', async () => {
    const input = new Readable({ read() {} });
    const child = processes.run('cat', [], { stdin: true });
    child.stdout.resume();
    const feeding = feedStdin(input, child.stdin!);
    input.push(Buffer.from('partial'));
    input.destroy();
    await expect(feeding).rejects.toThrow('Premature close');
    expect((await child.exited).code).toBe(0);
  });
});
