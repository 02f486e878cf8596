import { readdir } from 'node:fs/promises';
import type pg from 'pg';
import { ApiClient } from './support/api-client.js';
import { connect, createDatabase, withClient } from './support/postgres.js';
import { type ApiProcess, type ServiceProcess, startApi, startWorker, waitFor } from './support/service-processes.js';
import { createTestEnv, PG_HOST, PG_PORT, PG_USER, type TestEnv } from './support/test-env.js';

/** pg_dump sessions of the service still connected to the source database. */
async function dumpSessions(database: string): Promise<number> {
  const { rows } = await withClient('postgres', (c) =>
    c.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'db-backup-service'", [database]),
  );
  return rows[0].n;
}

/**
 * A table held under ACCESS EXCLUSIVE by another session makes pg_dump wait: the backup stays `running`
 * for as long as the test wants, without a large database.
 */
describe('Worker shutdown: SIGTERM hands the running backup back', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let client: ApiClient;
  let source: string;
  let locker: pg.Client;
  const workers: ServiceProcess[] = [];

  beforeAll(async () => {
    env = await createTestEnv({ SHUTDOWN_GRACE_SECONDS: '1' });
    source = `shutdown_src_${env.id}`;
    env.ownedDatabases.push(source);
    await createDatabase(source);
    await withClient(source, (c) => c.query('CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 1000) g'));
    api = await startApi(env.vars);
    client = new ApiClient(api);
    locker = connect(source);
    await locker.connect();
  });

  afterAll(async () => {
    await locker?.end().catch(() => undefined);
    await Promise.all([api?.stop(), ...workers.map((w) => w.stop('SIGKILL'))]);
    await env?.cleanup();
  });

  it('aborts the dump after the grace period, kills pg_dump, removes the partial file, and another worker finishes it', async () => {
    const databaseId = (
      await client.post('/databases', {
        name: 'locked', engine: 'postgres', host: PG_HOST, port: PG_PORT, database: source, username: PG_USER, password: 'x',
      })
    ).body.databaseId;
    await locker.query('BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE');

    const first = await startWorker(env.vars);
    workers.push(first);
    const backupId = (await client.post('/backups', { databaseId })).body.backupId;
    await waitFor(async () => ((await dumpSessions(source)) === 1 ? true : undefined), 30_000);
    expect((await client.get(`/backups/${backupId}`)).body.status).toBe('running');

    const stopping = Date.now();
    await first.stop('SIGTERM');
    // Nest re-raises the signal once its shutdown hooks are done; no SIGKILL was needed.
    expect(first.child.signalCode).toBe('SIGTERM');
    expect(Date.now() - stopping).toBeLessThan(15_000);
    expect(await dumpSessions(source)).toBe(0);
    const handedBack = (await client.get(`/backups/${backupId}`)).body;
    expect(handedBack).toMatchObject({ status: 'queued', startedAt: null, error: null, fileLocation: null });
    expect(first.output).toContain(`Job backup-${backupId} interrupted by shutdown; handing it back to the queue`);
    expect((await readdir(env.storageDir, { recursive: true })).filter((f) => String(f).endsWith('.partial'))).toEqual([]);

    await locker.query('COMMIT');
    const second = await startWorker(env.vars);
    workers.push(second);
    const finished = await client.waitForBackup(backupId);
    expect(finished.status).toBe('success');
    expect(finished.fileLocation).toMatch(new RegExp(`backup-${backupId}-a2\\.dump\\.zst$`));
  });
});
