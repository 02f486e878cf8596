import { finished, type Readable, type Writable } from 'node:stream';

/**
 * Feeds `input` into a child's stdin. The child's exit status, not EPIPE, says whether it failed: a child may stop
 * reading once it has what it needs (pg_restore before gzip's trailer), so when its stdin closes early the rest of
 * the input is drained, letting the stages upstream (checksum, decryption, decompression) reach their own verdict.
 * If the input fails or is destroyed, even before this is called, the child's stdin is closed so the child ends
 * too: a child left waiting on an open stdin would never exit.
 */
export function feedStdin(input: Readable, stdin: Writable): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const settle = (error?: Error | null) => {
      if (settled) return;
      settled = true;
      if (error) {
        stdin.destroy();
        reject(error);
      } else resolve();
    };
    finished(input, { writable: false }, (error) => {
      if (error) settle(error);
    });
    const stopFeeding = () => {
      if (settled) return;
      input.unpipe(stdin);
      input.resume();
      settle();
    };
    stdin.once('error', stopFeeding);
    stdin.once('close', stopFeeding);
    stdin.once('finish', () => settle());
    input.pipe(stdin);
  });
}
