import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

const READ_CHUNK = 1024 * 1024;
const CAUGHT_UP_PAUSE_MS = 10;

export interface FileDigest {
  bytes: number;
  sha256: string;
}

/**
 * Hashes a file while another process is still appending to it, like `tail -f`, so the checksum costs no pass of
 * its own once the writer is done. Reads never go past the file's current end, which Linux only moves forward
 * once the data before it is in place. `onProgress` receives the bytes hashed so far.
 */
export async function digestGrowingFile(
  path: string,
  writer: Promise<unknown>,
  onProgress?: (bytes: number) => void,
): Promise<FileDigest> {
  let writerDone = false;
  const settled = writer.then(
    () => (writerDone = true),
    () => (writerDone = true),
  );
  const file = await open(path, 'r');
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(READ_CHUNK);
  let position = 0;
  try {
    for (;;) {
      const finalPass = writerDone;
      const { bytesRead } = await file.read(buffer, 0, buffer.length, position);
      if (bytesRead > 0) {
        hash.update(buffer.subarray(0, bytesRead));
        position += bytesRead;
        onProgress?.(position);
        continue;
      }
      if (finalPass) break;
      await Promise.race([settled, sleep(CAUGHT_UP_PAUSE_MS)]);
    }
  } finally {
    await file.close();
  }
  return { bytes: position, sha256: hash.digest('hex') };
}
