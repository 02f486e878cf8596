import type { ApiClient } from './api-client.js';
import { createLockableDatabase, heldDumpSessions, lockTable, type TableLock } from './postgres.js';
import { type ApiProcess, type ServiceProcess, startWorker, waitFor } from './service-processes.js';
import { ownedDatabase, startApiStack } from './stack.js';
import { postgresRegistration, type TestEnv } from './test-env.js';

/**
 * The stage of the worker fault tests: an API, a registered database whose table is locked so that its dump waits
 * (running, pg_dump and zstd alive, partial file open) for as long as the test wants, and workers started on demand.
 */
export class HeldDumpStage {
  readonly workers: ServiceProcess[] = [];
  private lock?: TableLock;

  private constructor(
    readonly env: TestEnv,
    readonly api: ApiProcess,
    readonly client: ApiClient,
    readonly source: string,
    readonly databaseId: string,
  ) {}

  static async create(name: string, vars: Record<string, string> = {}): Promise<HeldDumpStage> {
    const { env, api, client } = await startApiStack(vars);
    const source = await ownedDatabase(env, `${name}_src`, createLockableDatabase);
    const databaseId = (await client.post('/databases', postgresRegistration(name, source))).body.databaseId;
    return new HeldDumpStage(env, api, client, source, databaseId);
  }

  async startWorker(): Promise<ServiceProcess> {
    const worker = await startWorker(this.env.vars);
    this.workers.push(worker);
    return worker;
  }

  /** Locks the table, triggers a backup and returns its id once its dump is connected and waiting. */
  async triggerHeldBackup(): Promise<string> {
    this.lock ??= await lockTable(this.source);
    const backupId = (await this.client.post('/backups', { databaseId: this.databaseId })).body.backupId;
    await this.waitForDumpSessions(1);
    return backupId;
  }

  async waitForDumpSessions(count: number): Promise<void> {
    await waitFor(async () => ((await heldDumpSessions(this.source)) === count ? true : undefined), 30_000);
  }

  /** Lets the waiting dumps run to their end. */
  async release(): Promise<void> {
    await this.lock?.release();
  }

  /** The storage key of a stored file, from its location. */
  keyOf(fileLocation: string): string {
    return fileLocation.slice(this.env.storageDir.length + 1);
  }

  async teardown(): Promise<void> {
    await this.release();
    for (const worker of this.workers) worker.child.kill('SIGCONT');
    await Promise.all([this.api?.stop(), ...this.workers.map((w) => w.stop('SIGKILL'))]);
    await this.env.cleanup();
  }
}
