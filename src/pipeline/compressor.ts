import { Injectable } from '@nestjs/common';
import { finished, type Readable, type Transform } from 'node:stream';
import { finished as finishedStream } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { ProcessFailedError, type ProcessResult, ProcessRunner } from '../core/process/process-runner.js';
import type { Compression } from '../storage/compression.js';
import { feedStdin } from './feed-stdin.js';

/** One stage of a stream pipeline: read `output`; `completed` rejects if the stage itself failed. */
export interface StreamStage {
  output: Readable;
  completed: Promise<void>;
}

/** zstd level 1 on every core: measured fastest here, and smaller than pg_dump's own gzip. */
const ZSTD_COMPRESS_ARGS = ['-1', '-T0', '-c', '-q'];
const ZSTD_DECOMPRESS_ARGS = ['-d', '-c', '-q'];

/** Compresses and decompresses backup streams: zstd as a separate process (another core), gzip in zlib. */
@Injectable()
export class Compressor {
  constructor(private readonly processes: ProcessRunner) {}

  compress(kind: Compression, input: Readable, signal: AbortSignal): StreamStage {
    if (kind === 'zstd') return this.zstd(ZSTD_COMPRESS_ARGS, input, signal);
    if (kind === 'gzip') return this.zlib(input, createGzip({ level: 6 }), signal);
    return { output: input, completed: Promise.resolve() };
  }

  decompress(kind: Compression, input: Readable, signal: AbortSignal): StreamStage {
    if (kind === 'zstd') return this.zstd(ZSTD_DECOMPRESS_ARGS, input, signal);
    if (kind === 'gzip') return this.zlib(input, createGunzip(), signal);
    return { output: input, completed: Promise.resolve() };
  }

  /** zstd reading a descriptor (a pipe from the dump); its compressed output is read here. */
  compressZstdFrom(inputFd: number, signal: AbortSignal): StreamStage {
    const zstd = this.processes.run('zstd', ZSTD_COMPRESS_ARGS, { stdinFd: inputFd, signal });
    return { output: zstd.stdout, completed: succeeded(zstd.exited) };
  }

  /** zstd from one descriptor (a pipe from the dump) into another (a file): no byte passes through this process. */
  compressZstdToFile(inputFd: number, fd: number, signal: AbortSignal): Promise<void> {
    const zstd = this.processes.run('zstd', ZSTD_COMPRESS_ARGS, { stdinFd: inputFd, stdoutFd: fd, signal });
    return succeeded(zstd.exited);
  }

  /** zstd from one descriptor (a stored file) into another (a pipe to a restore tool): no byte passes through this process. */
  decompressZstdFrom(inputFd: number, fd: number, signal: AbortSignal): Promise<void> {
    const zstd = this.processes.run('zstd', ZSTD_DECOMPRESS_ARGS, { stdinFd: inputFd, stdoutFd: fd, signal });
    return succeeded(zstd.exited);
  }

  private zstd(args: string[], input: Readable, signal: AbortSignal): StreamStage {
    const zstd = this.processes.run('zstd', args, { stdin: true, signal });
    const fed = feedStdin(input, zstd.stdin!);
    const completed = Promise.all([fed, succeeded(zstd.exited)]).then(() => undefined);
    return { output: zstd.stdout, completed };
  }

  /**
   * zlib in this process, ending as the zstd stage does. When the input fails (checksum, decryption) the transform
   * is destroyed with its error: with `pipe()` alone it would wait for more input for ever, and so would whoever
   * reads `output` (pg_restore on its stdin). When the transform fails (corrupted data), the rest of the input is
   * drained, so that the stages upstream reach their own verdict, which explains the corruption better.
   */
  private zlib(input: Readable, transform: Transform, signal: AbortSignal): StreamStage {
    finished(input, { writable: false }, (error) => {
      if (error) transform.destroy(error);
    });
    transform.once('error', () => {
      input.unpipe(transform);
      input.resume();
    });
    const onAbort = () => transform.destroy(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    const completed = finishedStream(transform).finally(() => signal.removeEventListener('abort', onAbort));
    input.pipe(transform);
    return { output: transform, completed };
  }
}

/** Resolves when zstd exited cleanly, rejects with its exit status and stderr otherwise. */
function succeeded(exited: Promise<ProcessResult>): Promise<void> {
  return exited.then((result) => {
    if (result.code !== 0) throw new ProcessFailedError('zstd', result);
  });
}
