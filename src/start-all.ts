import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadEnvironment } from './core/config/load-environment.js';
import { prepareDatabase } from './core/database/prepare-database.js';

/**
 * `npm start`: the API and one worker on one machine, for development and trials. Production runs
 * dist/main.js and dist/worker.js as separate services.
 */
const env = loadEnvironment('api');
// Done once here so the two processes do not both wait on the migration lock.
await prepareDatabase(env.DATABASE_URL);

/**
 * Each child runs in a process group of its own (`detached`), so that Ctrl-C at a terminal, which signals the whole
 * foreground group, reaches only this process, and each child gets the signal once, from stopAll. A worker takes a
 * second signal as "stop now, without handing the running jobs back".
 */
function startChild(entry: string, childEnv: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [fileURLToPath(new URL(entry, import.meta.url))], { stdio: 'inherit', env: childEnv, detached: true });
}

// The worker never needs the admin API key, so it does not get it.
const { ADMIN_API_KEY: _adminKey, ...workerEnv } = process.env;
const children: ChildProcess[] = [startChild('main.js', process.env), startChild('worker.js', workerEnv)];

let stopping = false;
function stopAll(signal: NodeJS.Signals): void {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill(signal);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => stopAll(signal));
// Closing the terminal no longer reaches the children (other process groups): stop them as a SIGTERM would.
process.on('SIGHUP', () => stopAll('SIGTERM'));
for (const child of children) {
  child.on('exit', (code) => {
    if (!stopping) process.exitCode = code ?? 1;
    stopAll('SIGTERM');
  });
}
