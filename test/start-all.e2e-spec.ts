import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { isAlive } from './support/proc.js';
import { freePort, ServiceProcess, tracked } from './support/service-processes.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';

/** A log line of the API or the worker, as pino writes it when stdout is not a terminal. */
interface LogLine {
  level: number;
  pid: number;
  context?: string;
  msg: string;
}

function logLines(output: string): LogLine[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

/**
 * `npm start` (dist/start-all.js) stopped the way a person stops it: Ctrl-C at the terminal, which signals the whole
 * foreground process group. Each child must get the signal once, so the worker stops gracefully instead of taking
 * a second signal as "exit now".
 */
describe('npm start stopped with Ctrl-C', () => {
  let env: TestEnv;
  let all: ServiceProcess;
  let url: string;

  beforeAll(async () => {
    env = await createTestEnv();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    // Its own process group, as a terminal's foreground job has.
    const child = spawn(process.execPath, [path.resolve('dist/start-all.js')], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env.vars, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    all = new ServiceProcess('start-all', tracked(child));
    await all.waitForOutput(`API ready: ${url} (Swagger UI: ${url}/docs)`, 90_000);
    await all.waitForOutput(/consuming backup jobs/, 90_000);
  });

  afterAll(async () => {
    if (all && !all.exited) process.kill(-all.pid, 'SIGKILL');
    await all?.closed;
    await env?.cleanup();
  });

  it('stops the API and the worker once each, without a forced exit, and exits 0', async () => {
    const lines = logLines(all.output);
    const apiPid = lines.find((line) => line.context === 'Api')!.pid;
    const workerPid = lines.find((line) => line.context === 'Worker')!.pid;
    expect(new Set([apiPid, workerPid, all.pid]).size).toBe(3);

    process.kill(-all.pid, 'SIGINT');
    await all.closed;

    expect(all.child.exitCode).toBe(0);
    expect(all.output).not.toContain('received again while stopping');
    expect(logLines(all.output).filter((line) => line.level >= 50)).toEqual([]);
    expect([isAlive(apiPid), isAlive(workerPid)]).toEqual([false, false]);
  });
});
