import { ApiClient } from './api-client.js';
import { createDatabase, loadChinook } from './postgres.js';
import { type ApiProcess, type ServiceProcess, startApi, startWorker } from './service-processes.js';
import { createTestEnv, type TestEnv } from './test-env.js';

/** What most end-to-end files run against: their own env, an API (with an admin client) and, usually, a worker. */
export interface ApiStack {
  env: TestEnv;
  api: ApiProcess;
  client: ApiClient;
}

export interface Stack extends ApiStack {
  worker: ServiceProcess;
}

/** A new env (`vars` added to its variables), with an API and a worker started on it. */
export async function startStack(vars: Record<string, string> = {}): Promise<Stack> {
  const env = await createTestEnv(vars);
  const [api, worker] = await Promise.all([startApi(env.vars), startWorker(env.vars)]);
  return { env, api, worker, client: new ApiClient(api) };
}

/** A new env (`vars` added to its variables), with an API alone: the test starts workers when it wants them. */
export async function startApiStack(vars: Record<string, string> = {}): Promise<ApiStack> {
  const env = await createTestEnv(vars);
  const api = await startApi(env.vars);
  return { env, api, client: new ApiClient(api) };
}

/** What stopStack stops: the services the test holds now (it may have replaced its worker, or started several). */
export interface RunningStack {
  env?: TestEnv;
  api?: ApiProcess;
  worker?: ServiceProcess;
  workers?: readonly ServiceProcess[];
}

/** Stops the services, then drops what the env owns. Any part may be missing, when set-up failed half-way. */
export async function stopStack({ env, api, worker, workers = [] }: RunningStack): Promise<void> {
  await Promise.all([api?.stop(), worker?.stop(), ...workers.map((one) => one.stop())]);
  await env?.cleanup();
}

/** Creates `${prefix}_${env.id}` on the PostgreSQL server, dropped with the env, with `create`; returns its name. */
export async function ownedDatabase(env: TestEnv, prefix: string, create: (name: string) => Promise<void> = createDatabase): Promise<string> {
  const name = `${prefix}_${env.id}`;
  env.ownedDatabases.push(name);
  await create(name);
  return name;
}

/** An owned database (see ownedDatabase) holding the Chinook sample. */
export function chinookDatabase(env: TestEnv, prefix: string): Promise<string> {
  return ownedDatabase(env, prefix, async (name) => {
    await createDatabase(name);
    await loadChinook(name);
  });
}
