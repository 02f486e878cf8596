import { readdir } from 'node:fs/promises';
import type pg from 'pg';
import { ApiClient } from './support/api-client.js';
import { connect, createDatabase, withClient } from './support/postgres.js';
import { type ApiProcess, type ServiceProcess, startApi, startWorker } from './support/service-processes.js';
import { createTestEnv, PG_HOST, PG_PORT, PG_USER, type TestEnv } from './support/test-env.js';

/** A dump held up by a lock runs past BACKUP_TIMEOUT_SECONDS: it is killed and the backup fails, "timed out". */
describe('Per-backup time limit', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let worker: ServiceProcess;
  let locker: pg.Client;

  beforeAll(async () => {
    env = await createTestEnv({ BACKUP_TIMEOUT_SECONDS: '2' });
    [api, worker] = await Promise.all([startApi(env.vars), startWorker(env.vars)]);
  });

  afterAll(async () => {
    await locker?.end().catch(() => undefined);
    await Promise.all([api?.stop(), worker?.stop()]);
    await env?.cleanup();
  });

  it('kills the dump, fails the backup with "timed out", and leaves no file and no session', async () => {
    const source = `timeout_src_${env.id}`;
    env.ownedDatabases.push(source);
    await createDatabase(source);
    await withClient(source, (c) => c.query('CREATE TABLE t AS SELECT 1 AS id'));
    locker = connect(source);
    await locker.connect();
    await locker.query('BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE');

    const client = new ApiClient(api);
    const databaseId = (
      await client.post('/databases', { name: 't', engine: 'postgres', host: PG_HOST, port: PG_PORT, database: source, username: PG_USER, password: 'x' })
    ).body.databaseId;
    const backup = await client.waitForBackup((await client.post('/backups', { databaseId })).body.backupId, 30_000);
    expect(backup).toMatchObject({ status: 'failed', error: 'Backup timed out after 2 s', fileLocation: null });
    const files = (await readdir(env.storageDir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile());
    expect(files).toEqual([]);
    const { rows } = await withClient('postgres', (c) =>
      c.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'db-backup-service'", [source]),
    );
    expect(rows[0].n).toBe(0);
  });
});
