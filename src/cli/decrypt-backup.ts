/**
 * Offline decryption of an encrypted backup file (docs/encryption.md), without the service:
 *
 *   BACKUP_ENCRYPTION_KEY=<base64> node dist/cli/decrypt-backup.js <input|-> <output|->
 *   BACKUP_ENCRYPTION_KEY_FILE=<path> node dist/cli/decrypt-backup.js <input|-> <output|->
 *
 * The key is never taken from the command line (it would show in `ps` and shell history).
 * A file output is written to `<output>.partial` (mode 0600) and renamed only once the whole
 * input is authenticated; on failure the partial file is removed. Plain Node, no Nest.
 */
import { createReadStream, createWriteStream, realpathSync } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createDecryptStream, parseBackupEncryptionKey } from '../core/crypto/backup-cipher.js';

export const USAGE = [
  'usage: BACKUP_ENCRYPTION_KEY=<base64> node dist/cli/decrypt-backup.js <input|-> <output|->',
  '   or: BACKUP_ENCRYPTION_KEY_FILE=<path> node dist/cli/decrypt-backup.js <input|-> <output|->',
  '"-" reads stdin / writes stdout. Example: ... backup.dump.zst.enc - | zstd -d | pg_restore -d <db>',
].join('\n');

export interface CliStreams {
  stdin: Readable;
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable;
}

export interface DecryptFileOptions {
  signal?: AbortSignal;
  /** What "-" means; process.stdin / process.stdout unless given. */
  streams?: Pick<CliStreams, 'stdin' | 'stdout'>;
}

/** The master key from BACKUP_ENCRYPTION_KEY or from the file named by BACKUP_ENCRYPTION_KEY_FILE. */
export async function readKeyFromEnvironment(env: NodeJS.ProcessEnv): Promise<Buffer> {
  const inline = env.BACKUP_ENCRYPTION_KEY;
  const file = env.BACKUP_ENCRYPTION_KEY_FILE;
  if (inline && file) throw new Error('Set BACKUP_ENCRYPTION_KEY or BACKUP_ENCRYPTION_KEY_FILE, not both');
  if (file) {
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new Error(`Cannot read BACKUP_ENCRYPTION_KEY_FILE: ${error.code ?? error.message}`);
    });
    return parseBackupEncryptionKey(text);
  }
  if (inline) return parseBackupEncryptionKey(inline);
  throw new Error('Set BACKUP_ENCRYPTION_KEY (base64) or BACKUP_ENCRYPTION_KEY_FILE (a file holding it)');
}

/** Decrypts `input` into `output` ("-" = stdin / stdout); a file output appears only on success. */
export async function decryptFile(input: string, output: string, key: Buffer, options: DecryptFileOptions = {}): Promise<void> {
  const streams = options.streams ?? { stdin: process.stdin, stdout: process.stdout };
  if (input !== '-' && output !== '-' && path.resolve(input) === path.resolve(output)) {
    throw new Error('The input and the output are the same file');
  }
  const decrypt = createDecryptStream(key);
  if (output === '-') {
    if ((streams.stdout as { isTTY?: boolean }).isTTY) throw new Error('Refusing to write a decrypted backup to a terminal');
    const source = input === '-' ? streams.stdin : createReadStream(input);
    await pipeline(source, decrypt, streams.stdout, { signal: options.signal });
    return;
  }
  const partial = `${output}.partial`;
  try {
    // A stale partial file from an interrupted run is ours to replace; 'wx' then makes sure the
    // file written is a new one created with mode 0600.
    await rm(partial, { force: true });
    const source = input === '-' ? streams.stdin : createReadStream(input);
    await pipeline(source, decrypt, createWriteStream(partial, { flags: 'wx', mode: 0o600 }), { signal: options.signal });
    await rename(partial, output);
  } catch (error) {
    await rm(partial, { force: true }).catch(() => undefined);
    throw error;
  }
}

/** Runs the command; returns the exit code (0, or 1 after printing the reason on stderr). */
export async function main(args: string[], env: NodeJS.ProcessEnv, streams?: CliStreams, signal?: AbortSignal): Promise<number> {
  const io: CliStreams = streams ?? { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
  if (args.length === 1 && (args[0] === '-h' || args[0] === '--help')) {
    io.stderr.write(`${USAGE}\n`);
    return 0;
  }
  if (args.length !== 2) {
    io.stderr.write(`${USAGE}\n`);
    return 1;
  }
  const [input, output] = args as [string, string];
  try {
    const key = await readKeyFromEnvironment(env);
    await decryptFile(input, output, key, { signal, streams: io });
    return 0;
  } catch (error) {
    const message = (error as Error).name === 'AbortError' ? 'interrupted' : (error as Error).message;
    io.stderr.write(`decrypt-backup: ${input === '-' ? 'stdin' : input}: ${message}\n`);
    return 1;
  }
}

function runDirectly(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (runDirectly()) {
  const interrupted = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => interrupted.abort());
  process.exitCode = await main(process.argv.slice(2), process.env, undefined, interrupted.signal);
}
