import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion and collects its output; never rejects on a non-zero exit. */
export function run(file: string, args: string[], env: NodeJS.ProcessEnv = process.env, cwd?: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Runs a bash script with `set -o pipefail`; resolves with its wall time in seconds, rejects on failure. */
export async function timeBash(script: string, env: NodeJS.ProcessEnv): Promise<number> {
  const started = performance.now();
  const result = await run('bash', ['-c', `set -o pipefail; ${script}`], env);
  const seconds = (performance.now() - started) / 1000;
  if (result.code !== 0) {
    throw new Error(`bash -c '${script}' exited with ${result.signal ?? result.code}: ${result.stderr.trim()}`);
  }
  return seconds;
}

const KEEP_OUTPUT_CHARS = 64 * 1024;

/** A long-running child (the API or the worker) whose recent output is kept for waiting and for error messages. */
export class ServiceProcess {
  private output = '';

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-KEEP_OUTPUT_CHARS);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('error', (error) => keep(Buffer.from(`\n[spawn error] ${error.message}\n`)));
  }

  static start(name: string, file: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): ServiceProcess {
    return new ServiceProcess(name, spawn(file, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  tail(chars = 3000): string {
    return this.output.slice(-chars).trim();
  }

  async waitForOutput(pattern: RegExp, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.output)) {
      if (this.exited) throw new Error(`${this.name} exited (${this.exitStatus()}) before printing ${pattern}:\n${this.tail()}`);
      if (Date.now() > deadline) throw new Error(`${this.name} did not print ${pattern} within ${timeoutMs} ms:\n${this.tail()}`);
      await sleep(50);
    }
  }

  exitStatus(): string {
    return this.child.signalCode ?? `code ${this.child.exitCode}`;
  }

  /** SIGTERM, then SIGKILL if it is still running after `timeoutMs`. */
  async stop(timeoutMs = 30_000): Promise<void> {
    if (this.exited || this.child.pid === undefined) return;
    const exit = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await exit;
    clearTimeout(timer);
  }
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}
