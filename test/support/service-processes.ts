import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';

const DIST = path.resolve('dist');

/** The long-lived children this test file started (services, private servers) that have not exited yet. */
const children = new Set<ChildProcess>();

/** Records a long-lived child, so that a test that fails before its own cleanup cannot leave it running. */
export function tracked<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/**
 * Kills what the file's own cleanup did not stop (its beforeAll failed half-way, say): a running child keeps jest
 * from exiting. Returns the command lines killed. Run after every test file (jest.config.js, setupFilesAfterEnv).
 */
export async function killLeftoverChildren(): Promise<string[]> {
  const left = [...children];
  await Promise.all(
    left.map((child) => {
      const closed = once(child, 'close');
      child.kill('SIGKILL');
      return closed;
    }),
  );
  return left.map((child) => child.spawnargs.join(' '));
}

/** A running API or worker process, started from the compiled dist/ exactly as in production. */
export class ServiceProcess {
  output = '';

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.closed = new Promise((resolve) => child.once('close', () => resolve()));
    void this.closed.then(() => (this.outputComplete = true));
  }

  /** Settles once the process has exited and its stdout and stderr are read to the end. */
  readonly closed: Promise<void>;
  private outputComplete = false;

  get pid(): number {
    return this.child.pid!;
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Logs are written asynchronously, so a line may reach the pipe a little after the action it reports. */
  async waitForOutput(expected: RegExp | string, timeoutMs = 30_000): Promise<void> {
    const pattern = typeof expected === 'string' ? new RegExp(escapeRegExp(expected)) : expected;
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.output)) {
      if (this.outputComplete) throw new Error(`${this.name} exited before ${pattern}: ${this.output.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`${this.name} did not print ${pattern}: ${this.output.slice(-2000)}`);
      await sleep(50);
    }
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 30_000): Promise<void> {
    if (this.exited) return this.closed;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.closed;
    clearTimeout(timer);
  }
}

export interface ApiProcess extends ServiceProcess {
  url: string;
  /** The admin key the process was started with (ADMIN_API_KEY), used by ApiClient by default. */
  apiKey?: string;
}

function start(name: string, entry: string, vars: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, [path.join(DIST, entry)], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...vars },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new ServiceProcess(name, tracked(child));
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

export async function startApi(vars: Record<string, string>): Promise<ApiProcess> {
  const port = await freePort();
  const api = start('api', 'main.js', { ...vars, PORT: String(port) }) as ApiProcess;
  api.url = `http://127.0.0.1:${port}`;
  api.apiKey = vars.ADMIN_API_KEY;
  await startedOrKilled(api, /Nest application successfully started/);
  return api;
}

export async function startWorker(vars: Record<string, string>): Promise<ServiceProcess> {
  const worker = start('worker', 'worker.js', vars);
  await startedOrKilled(worker, /consuming backup jobs/);
  return worker;
}

/** A process that does not start is killed, so a failed test never leaves it running (and jest waiting on it). */
async function startedOrKilled(service: ServiceProcess, ready: RegExp): Promise<void> {
  try {
    await service.waitForOutput(ready, STARTUP_TIMEOUT_MS);
  } catch (error) {
    service.child.kill('SIGKILL');
    throw error;
  }
}

/** Generous: CI machines have two cores, shared by every process a test starts. */
const STARTUP_TIMEOUT_MS = 90_000;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` until it returns a value, or fails with the last value seen. */
export async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
