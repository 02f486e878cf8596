import { readFileSync, rmSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface SecretFile {
  path: string;
  remove(): Promise<void>;
}

/** The root refused: another user could read or replace the secrets written under it. */
export class UnsafeSecretFilesRootError extends Error {}

/** A process's directory under the root: `<pid>-<start time in clock ticks>`, which tells a reused pid apart. */
const OWNER_DIRECTORY = /^(\d+)-(\d+)$/;

/** Where secret files go unless SECRET_FILES_DIR says otherwise: one root per user, under the temporary directory. */
export function defaultSecretFilesRoot(): string {
  return path.join(tmpdir(), `dbbackup-secrets-${process.getuid?.() ?? 'user'}`);
}

let root = defaultSecretFilesRoot();
let ownDirectory: Promise<string> | undefined;
let removeOnExit: (() => void) | undefined;

/** Sets the root of secret files (SECRET_FILES_DIR); call before the first secret is written. */
export function useSecretFilesRoot(directory: string): void {
  root = path.resolve(directory);
  ownDirectory = undefined;
}

export function secretFilesRoot(): string {
  return root;
}

/**
 * Writes a secret to a 0600 file, for tools that read credentials from a file (PGPASSFILE, --defaults-extra-file).
 * Secrets never go on a command line or in an environment. The file lives in this process's own directory under
 * the root, which is removed when the process exits, and, after a SIGKILL, by the next process that starts
 * (sweepDeadOwners): a plaintext password never outlives its process for long.
 */
export async function writeSecretFile(name: string, content: string): Promise<SecretFile> {
  const directory = await mkdtemp(path.join(await processDirectory(), 'secret-'));
  const file = path.join(directory, name);
  await writeFile(file, content, { mode: 0o600, flag: 'wx' });
  return { path: file, remove: () => rm(directory, { recursive: true, force: true }) };
}

/**
 * Removes the directories of processes that no longer run (killed before they could clean up). Returns the pids
 * of those owners. Directories of running processes, on this host, are left alone.
 */
export async function sweepDeadOwners(): Promise<number[]> {
  await ensureSafeRoot(root);
  const removed: number[] = [];
  for (const entry of await readdir(root, { withFileTypes: true })) {
    const owner = OWNER_DIRECTORY.exec(entry.name);
    if (!owner || !entry.isDirectory() || isRunning(Number(owner[1]), owner[2]!)) continue;
    await rm(path.join(root, entry.name), { recursive: true, force: true });
    removed.push(Number(owner[1]));
  }
  return removed;
}

/** Removes this process's directory, at the end of a clean shutdown (its tools have exited). */
export function removeProcessDirectory(): void {
  removeOnExit?.();
  ownDirectory = undefined; // a secret written after this makes the directory again
}

function processDirectory(): Promise<string> {
  ownDirectory ??= createProcessDirectory(root).catch((error: Error) => {
    ownDirectory = undefined;
    throw error;
  });
  return ownDirectory;
}

async function createProcessDirectory(secretsRoot: string): Promise<string> {
  await ensureSafeRoot(secretsRoot);
  const directory = path.join(secretsRoot, `${process.pid}-${startTicks(process.pid) ?? '0'}`);
  await mkdir(directory, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  if (removeOnExit) process.removeListener('exit', removeOnExit);
  // 'exit' listeners must be synchronous; this one also runs when shutdown is cut short by process.exit().
  removeOnExit = () => rmSync(directory, { recursive: true, force: true });
  process.once('exit', removeOnExit);
  return directory;
}

/** The root must be a real directory of this user that nobody else may enter: created so if missing. */
async function ensureSafeRoot(directory: string): Promise<void> {
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const info = await lstat(directory);
  const uid = process.getuid?.();
  if (!info.isDirectory() || (uid !== undefined && info.uid !== uid) || (info.mode & 0o077) !== 0) {
    throw new UnsafeSecretFilesRootError(
      `The secret files directory ${directory} must be a directory owned by this user with mode 0700 ` +
        '(not a symbolic link); fix it or set SECRET_FILES_DIR',
    );
  }
}

interface ProcStat {
  state: string;
  startTicks: string;
}

/** /proc/<pid>/stat: the state (field 3) and the start time since boot (field 22); null if no such process. */
function procStat(pid: number): ProcStat | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state …": comm may itself hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, startTicks: fields[19]! };
  } catch {
    return null;
  }
}

function startTicks(pid: number): string | null {
  return procStat(pid)?.startTicks ?? null;
}

const HAS_PROC = procStat(process.pid) !== null;

/** Whether the process that made a directory still runs: same pid, same start time, not a zombie. */
function isRunning(pid: number, ticks: string): boolean {
  if (HAS_PROC) {
    const stat = procStat(pid);
    return stat !== null && stat.state !== 'Z' && (ticks === '0' || stat.startTicks === ticks);
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
