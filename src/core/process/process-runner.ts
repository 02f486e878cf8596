import { Injectable } from '@nestjs/common';
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { Readable, type Writable } from 'node:stream';

/** The stderr kept from a child: its last bytes, where tools print the error that stopped them. */
const STDERR_LIMIT_BYTES = 64 * 1024;
const KILL_GRACE_MS = 5_000;

export interface RunOptions {
  /** Variables added to the child's minimal environment. Never put a secret here. */
  env?: Record<string, string>;
  /** The child's stdin: ignored (default), or `true` for a pipe to write to. */
  stdin?: boolean;
  /** A file descriptor the child reads its stdin from directly, such as one end of an OsPipe (overrides `stdin`). */
  stdinFd?: number;
  /** A file descriptor the child writes its stdout to directly (default: a pipe we read). */
  stdoutFd?: number;
  /** Aborting sends SIGTERM to the child, then SIGKILL if it has not exited after a grace period. */
  signal?: AbortSignal;
}

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

export interface RunningProcess {
  pid: number | undefined;
  /** Empty when the child writes to `stdoutFd`. */
  stdout: Readable;
  stdin: Writable | null;
  /** Settles when the process has exited and its stderr is drained; never rejects. */
  exited: Promise<ProcessResult>;
}

export class ProcessFailedError extends Error {
  constructor(
    readonly file: string,
    readonly result: ProcessResult,
  ) {
    super(describeFailure(file, result));
  }
}

function describeFailure(file: string, { code, signal, stderr }: ProcessResult): string {
  const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
  const detail = stderrTail(stderr);
  return detail ? `${file} ${how}: ${detail}` : `${file} ${how}`;
}

/** The last `limit` bytes of a stream, kept without growing (a client may echo megabytes of SQL before its error). */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private dropped = false;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    while (this.bytes - this.chunks[0]!.length >= this.limit) {
      this.bytes -= this.chunks.shift()!.length;
      this.dropped = true;
    }
  }

  /** The kept bytes as text, starting at a line boundary when the beginning was cut. */
  text(): string {
    const joined = Buffer.concat(this.chunks);
    const kept = joined.length > this.limit ? joined.subarray(joined.length - this.limit) : joined;
    const text = kept.toString('utf8');
    if (!this.dropped && kept.length === joined.length) return text;
    const firstBreak = text.indexOf('\n');
    return firstBreak >= 0 ? text.slice(firstBreak + 1) : text;
  }
}

/** The last `maxChars` characters of a tool's stderr, from a line start: where the error that stopped it is. */
export function stderrTail(stderr: string, maxChars = 2000): string {
  const trimmed = stderr.trim();
  if (trimmed.length <= maxChars) return trimmed;
  const cut = trimmed.slice(-maxChars);
  const firstBreak = cut.indexOf('\n');
  return `…${firstBreak >= 0 && firstBreak < cut.length - 1 ? cut.slice(firstBreak + 1) : cut}`;
}

/** The environment a child gets: enough to run, nothing of ours (no DATABASE_URL, no keys). */
function childEnvironment(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    TZ: 'UTC',
    ...extra,
  };
}

function isExecutableFile(candidate: string): boolean {
  try {
    accessSync(candidate, constants.X_OK);
    return statSync(candidate).isFile();
  } catch {
    return false;
  }
}

/** Where `file` would be found, as execvp looks it up, or undefined. */
export function resolveExecutable(file: string, searchPath: string): string | undefined {
  if (file.includes('/')) return isExecutableFile(file) ? file : undefined;
  return searchPath
    .split(':')
    .map((directory) => path.join(directory || '.', file))
    .find(isExecutableFile);
}

/** util-linux's setpriv (essential on Debian), which can set a parent-death signal and then exec a program. */
const SETPRIV = process.platform === 'linux' ? ['/usr/bin/setpriv', '/bin/setpriv'].find(isExecutableFile) : undefined;

/**
 * The command that runs `file`: through `setpriv --pdeathsig KILL` where it exists, so that the program is killed
 * when this process dies, even by SIGKILL. Otherwise an orphaned pg_dump would go on holding its snapshot on the
 * database, and its zstd disk space, while another worker runs the backup again.
 */
function commandFor(file: string, args: readonly string[], searchPath: string): [string, readonly string[]] {
  const executable = resolveExecutable(file, searchPath);
  // A missing program is spawned as it is, so that it fails the usual way (ENOENT).
  if (!SETPRIV || !executable) return [file, args];
  return [SETPRIV, ['--pdeathsig', 'KILL', '--', executable, ...args]];
}

/**
 * The only way the service starts a program: spawn(file, args) without a shell.
 *
 * Children stay in this process's session. With a session each (`detached`), Linux's autogroup scheduler gives
 * pg_dump and zstd a CPU share each against the database server's one, on a machine they share: the server's
 * backend, the critical path of a dump, then ran slower (bench/results/backup.md). None of the tools run here
 * starts processes of its own, so stopping the child stops the work.
 */
@Injectable()
export class ProcessRunner {
  run(file: string, args: readonly string[], options: RunOptions = {}): RunningProcess {
    const env = childEnvironment(options.env);
    const [command, argv] = commandFor(file, args, env.PATH!);
    const child = spawn(command, argv, {
      shell: false,
      env,
      stdio: [options.stdinFd ?? (options.stdin ? 'pipe' : 'ignore'), options.stdoutFd ?? 'pipe', 'pipe'],
    });
    const kill = (signal: NodeJS.Signals) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    };
    let escalation: NodeJS.Timeout | undefined;
    const onAbort = () => {
      kill('SIGTERM');
      escalation = setTimeout(() => kill('SIGKILL'), KILL_GRACE_MS);
      escalation.unref();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();

    const { stdout, stderr } = child as typeof child & { stdout: Readable | null; stderr: Readable };
    const keptStderr = new TailBuffer(STDERR_LIMIT_BYTES);
    stderr.on('data', (chunk: Buffer) => keptStderr.push(chunk));

    const exited = new Promise<ProcessResult>((resolve) => {
      child.once('error', (error) => {
        resolve({ code: null, signal: null, stderr: error.message });
      });
      child.once('close', (code, signal) => {
        options.signal?.removeEventListener('abort', onAbort);
        if (escalation) clearTimeout(escalation);
        resolve({ code, signal, stderr: keptStderr.text() });
      });
    });
    // Swallow EPIPE on stdin when the child exits early; the exit result tells what happened.
    child.stdin?.on('error', () => undefined);

    return { pid: child.pid, stdout: stdout ?? Readable.from([]), stdin: child.stdin, exited };
  }

  /** Runs a program to completion and returns its stdout; throws ProcessFailedError on a non-zero exit. */
  async output(file: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
    const running = this.run(file, args, options);
    const chunks: Buffer[] = [];
    running.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    const result = await running.exited;
    if (result.code !== 0) throw new ProcessFailedError(file, result);
    return Buffer.concat(chunks).toString('utf8');
  }
}
