import type { Readable, Writable } from 'node:stream';

/**
 * Feeds `input` into a child's stdin. The child's exit status, not EPIPE, says whether it failed: a child may stop
 * reading once it has what it needs (pg_restore before gzip's trailer), so when its stdin closes early the rest of
 * the input is drained, letting the stages upstream (checksum, decryption, decompression) reach their own verdict.
 * If the input fails, the child's stdin is closed so the child ends too.
 */
export function feedStdin(input: Readable, stdin: Writable): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    input.once('error', (error) => {
      stdin.destroy();
      reject(error);
    });
    const stopFeeding = () => {
      input.unpipe(stdin);
      input.resume();
      resolve();
    };
    stdin.once('error', stopFeeding);
    stdin.once('close', stopFeeding);
    stdin.once('finish', resolve);
    input.pipe(stdin);
  });
}
