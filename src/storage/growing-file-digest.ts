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

type ThreadMessage = { bytes: number; sha256?: string };

/**
 * The hashing thread, as CommonJS source: an `eval` worker runs the same way from `dist/` and from the TypeScript
 * sources under jest, where a separate .ts entry file could not be loaded.
 *
 * It lowers its own priority to nice 19 first. On a busy machine the dump (database server, pg_dump, zstd) is
 * the critical path, and an equal-priority hasher steals a core from it; at nice 19 it runs in the gaps and still
 * keeps up (bench/results/backup.md). Every FLUSH_EVERY_BYTES it fdatasyncs the file, so the final fsync before
 * the rename finds little left to write.
 */
const HASHING_THREAD_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const os = require('node:os');
const { createHash } = require('node:crypto');
const { path, control, flushEvery, progressEvery, pauseMs, writerDone } = workerData;
try {
  os.setPriority(Number(fs.readlinkSync('/proc/thread-self').split('/').pop()), 19);
} catch {}
const fd = fs.openSync(path, 'r');
const hash = createHash('sha256');
const buffer = Buffer.allocUnsafe(1024 * 1024);
let position = 0;
let flushed = 0;
let reported = 0;
try {
  for (;;) {
    const finalPass = Atomics.load(control, 0) === writerDone;
    const read = fs.readSync(fd, buffer, 0, buffer.length, position);
    if (read > 0) {
      hash.update(buffer.subarray(0, read));
      position += read;
      if (position - flushed >= flushEvery) {
        fs.fdatasyncSync(fd);
        flushed = position;
      }
      if (position - reported >= progressEvery) {
        parentPort.postMessage({ bytes: position });
        reported = position;
      }
      continue;
    }
    if (finalPass) break;
    Atomics.wait(control, 0, 0, pauseMs);
  }
} finally {
  fs.closeSync(fd);
}
parentPort.postMessage({ bytes: position, sha256: hash.digest('hex') });
`;

/**
 * Hashes a file while another process is still appending to it, like `tail -f`, so the checksum costs no pass of
 * its own once the writer is done. Reads never go past the file's current end, which Linux only moves forward
 * once the data before it is in place. `onProgress` receives the bytes hashed so far.
 */
export function digestGrowingFile(
  path: string,
  writer: Promise<unknown>,
  onProgress?: (bytes: number) => void,
): Promise<FileDigest> {
  const control = new Int32Array(new SharedArrayBuffer(4));
  const thread = new Worker(HASHING_THREAD_SOURCE, {
    eval: true,
    workerData: {
      path,
      control,
      flushEvery: FLUSH_EVERY_BYTES,
      progressEvery: PROGRESS_EVERY_BYTES,
      pauseMs: CAUGHT_UP_PAUSE_MS,
      writerDone: WRITER_DONE,
    },
    resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
    stdout: false,
    stderr: false,
  });
  const announceWriterDone = () => {
    Atomics.store(control, 0, WRITER_DONE);
    Atomics.notify(control, 0);
  };
  writer.then(announceWriterDone, announceWriterDone);
  return new Promise<FileDigest>((resolve, reject) => {
    let digest: FileDigest | undefined;
    thread.on('message', ({ bytes, sha256 }: ThreadMessage) => {
      onProgress?.(bytes);
      if (sha256 !== undefined) digest = { bytes, sha256 };
    });
    thread.once('error', reject);
    thread.once('exit', (code) => {
      if (digest) resolve(digest);
      else reject(new Error(`The hashing thread of ${path} stopped (exit code ${code}) before its digest`));
    });
  });
}
