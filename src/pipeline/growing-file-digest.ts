import { Worker } from 'node:worker_threads';

/** How often the hashing thread asks the kernel to write what it has hashed to disk, and reports progress. */
const FLUSH_EVERY_BYTES = 32 * 1024 * 1024;
const PROGRESS_EVERY_BYTES = 4 * 1024 * 1024;
const CAUGHT_UP_PAUSE_MS = 10;
const WRITER_DONE = 1;

export interface FileDigest {
  bytes: number;
  sha256: string;
}

/** What the hashing thread (file-hashing.worker.ts) is given. */
export interface HashingThreadData {
  fd: number;
  /** Set to `writerDone` once the writer has finished: the thread then reads to the end once more and stops. */
  control: Int32Array;
  flushEvery: number;
  progressEvery: number;
  pauseMs: number;
  writerDone: number;
}

/** What the hashing thread reports: bytes hashed so far, and the digest in its last message. */
export interface HashingProgress {
  bytes: number;
  sha256?: string;
}

/** The compiled hashing thread, beside this module's compiled file (dist/pipeline/). */
export const HASHING_THREAD = new URL('./file-hashing.worker.js', import.meta.url);

export interface DigestOptions {
  /** Receives the bytes hashed so far. */
  onProgress?: (bytes: number) => void;
  /** Stops the thread (the digest then rejects): it must not read the descriptor once it is closed. */
  signal?: AbortSignal;
  /** The thread's script; the default is the compiled one (a test runs the TypeScript sources, not dist/). */
  thread?: URL;
}

/**
 * Hashes a file while another process is still appending to it, like `tail -f`, so the checksum costs no pass of
 * its own once the writer is done. Reads never go past the file's current end, which Linux only moves forward
 * once the data before it is in place. The file is read through `fd`, which stays open (the caller closes it).
 */
export function digestGrowingFile(fd: number, writer: Promise<unknown>, options: DigestOptions = {}): Promise<FileDigest> {
  const control = new Int32Array(new SharedArrayBuffer(4));
  const workerData: HashingThreadData = {
    fd,
    control,
    flushEvery: FLUSH_EVERY_BYTES,
    progressEvery: PROGRESS_EVERY_BYTES,
    pauseMs: CAUGHT_UP_PAUSE_MS,
    writerDone: WRITER_DONE,
  };
  const thread = new Worker(options.thread ?? HASHING_THREAD, {
    workerData,
    resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
    stdout: false,
    stderr: false,
  });
  const announceWriterDone = () => {
    Atomics.store(control, 0, WRITER_DONE);
    Atomics.notify(control, 0);
  };
  writer.then(announceWriterDone, announceWriterDone);
  const stop = () => void thread.terminate();
  options.signal?.addEventListener('abort', stop, { once: true });
  if (options.signal?.aborted) stop();
  return new Promise<FileDigest>((resolve, reject) => {
    let digest: FileDigest | undefined;
    thread.on('message', ({ bytes, sha256 }: HashingProgress) => {
      options.onProgress?.(bytes);
      if (sha256 !== undefined) digest = { bytes, sha256 };
    });
    thread.once('error', reject);
    thread.once('exit', (code) => {
      options.signal?.removeEventListener('abort', stop);
      if (digest) resolve(digest);
      else reject(new Error(`The hashing thread stopped (exit code ${code}) before its digest`));
    });
  });
}
