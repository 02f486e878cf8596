/**
 * The hashing thread of digestGrowingFile (growing-file-digest.ts), run as a worker thread from its compiled file.
 *
 * It lowers its own priority to nice 19 first. On a busy machine the dump (database server, pg_dump, zstd) is the
 * critical path, and an equal-priority hasher steals a core from it; at nice 19 it runs in the gaps and still keeps
 * up (bench/results/backup.md). Every `flushEvery` bytes it fdatasyncs the file, so the final fsync before the
 * rename finds little left to write. It reads the descriptor it is given with explicit positions, so the file
 * offset that a child shares (zstd reading it as stdin) is not moved.
 */
import { createHash } from 'node:crypto';
import { fdatasyncSync, readSync, readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { HashingProgress, HashingThreadData } from './growing-file-digest.js';

const BUFFER_BYTES = 1024 * 1024;

function lowerOwnPriority(): void {
  try {
    setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), 19);
  } catch {
    // Not Linux, or not allowed: hash at normal priority.
  }
}

function hashGrowingFile({ fd, control, flushEvery, progressEvery, pauseMs, writerDone }: HashingThreadData): void {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  let position = 0;
  let flushed = 0;
  let reported = 0;
  for (;;) {
    const finalPass = Atomics.load(control, 0) === writerDone;
    const read = readSync(fd, buffer, 0, buffer.length, position);
    if (read > 0) {
      hash.update(buffer.subarray(0, read));
      position += read;
      if (position - flushed >= flushEvery) {
        fdatasyncSync(fd);
        flushed = position;
      }
      if (position - reported >= progressEvery) {
        report({ bytes: position });
        reported = position;
      }
      continue;
    }
    if (finalPass) break;
    Atomics.wait(control, 0, 0, pauseMs);
  }
  report({ bytes: position, sha256: hash.digest('hex') });
}

function report(message: HashingProgress): void {
  parentPort!.postMessage(message);
}

lowerOwnPriority();
hashGrowingFile(workerData as HashingThreadData);
