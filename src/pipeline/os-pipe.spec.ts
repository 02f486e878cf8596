import { describe, expect, it } from '@jest/globals';
import { fstatSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createOsPipe } from './os-pipe.js';
import { ProcessRunner } from '../core/process/process-runner.js';

const processes = new ProcessRunner();

describe('createOsPipe', () => {
  it('carries one child’s stdout to another’s stdin through a kernel pipe, and leaves no FIFO on disk', async () => {
    const pipe = await createOsPipe(processes);
    expect(fstatSync(pipe.readFd).isFIFO()).toBe(true);
    expect(fstatSync(pipe.writeFd).isFIFO()).toBe(true);
    expect((await readdir(tmpdir())).filter((name) => name.startsWith('dbbackup-pipe-'))).toEqual([]);

    const producer = processes.run('seq', ['1', '100000'], { stdoutFd: pipe.writeFd });
    const consumer = processes.run('wc', ['-l'], { stdinFd: pipe.readFd });
    pipe.close();
    const chunks: Buffer[] = [];
    consumer.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    const [produced, consumed] = await Promise.all([producer.exited, consumer.exited]);

    expect(produced.code).toBe(0);
    expect(consumed.code).toBe(0);
    expect(Buffer.concat(chunks).toString().trim()).toBe('100000');
  });

  it('the writer fails with a broken pipe once the reader is gone', async () => {
    const pipe = await createOsPipe(processes);
    const consumer = processes.run('head', ['-c', '1'], { stdinFd: pipe.readFd });
    const producer = processes.run('seq', ['1', '10000000'], { stdoutFd: pipe.writeFd });
    pipe.close();
    consumer.stdout.resume();
    const [produced] = await Promise.all([producer.exited, consumer.exited]);
    expect(produced.signal ?? produced.code).toBe('SIGPIPE');
  });

  it('close() is idempotent', async () => {
    const pipe = await createOsPipe(processes);
    pipe.close();
    expect(() => pipe.close()).not.toThrow();
  });
});
