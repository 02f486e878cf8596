import { readFile } from 'node:fs/promises';

const POLL_MS = 500;

/**
 * Reports how far a child process has read a file it was given as its stdin: the descriptor is shared with the
 * child (one open file description), so its offset, shown in /proc/self/fdinfo, is the child's read position. The
 * hashing thread beside it reads with explicit positions and does not move it. Linux only; elsewhere it reports
 * nothing. Returns the function that stops it.
 */
export function watchReadOffset(fd: number, report: (bytes: number) => void): () => void {
  const poll = async () => {
    const info = await readFile(`/proc/self/fdinfo/${fd}`, 'utf8').catch(() => '');
    const position = /^pos:\s*(\d+)/m.exec(info);
    if (position) report(Number(position[1]));
  };
  const timer = setInterval(() => void poll(), POLL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
