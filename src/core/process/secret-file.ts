import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface SecretFile {
  path: string;
  remove(): Promise<void>;
}

/**
 * Writes a secret to a 0600 file in a fresh 0700 directory, for tools that read credentials from a file
 * (PGPASSFILE, --defaults-extra-file). Secrets never go on a command line or in an environment.
 */
export async function writeSecretFile(name: string, content: string): Promise<SecretFile> {
  const directory = await mkdtemp(path.join(tmpdir(), 'dbbackup-secret-'));
  const file = path.join(directory, name);
  await writeFile(file, content, { mode: 0o600, flag: 'wx' });
  return { path: file, remove: () => rm(directory, { recursive: true, force: true }) };
}
