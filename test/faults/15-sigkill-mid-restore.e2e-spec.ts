import { ApiClient } from '../support/api-client.js';
import { createDatabase, tableFingerprints, withClient } from '../support/postgres.js';
import { descendantsOf, isAlive, killAll, type ProcessInfo } from '../support/proc.js';
import { type ApiProcess, type ServiceProcess, startWorker, waitFor } from '../support/service-processes.js';
import { startApiStack, stopStack } from '../support/stack.js';
import { postgresRegistration, restoreDatabasesOf, type TestEnv } from '../support/test-env.js';

/** Rows of the slow table: its expression index sleeps 5 ms a row when built in a service's fresh database. */
const SLOW_ROWS = 1500;

/**
 * SIGKILL mid-restore: the restore runs in a fresh database, so the target is untouched while the dead worker's
 * pg_restore dies with it; another worker takes the restore over (attempt 2), drops attempt 1's fresh database and
 * switches in a complete, checked copy.
 */
describe('Fault 15: SIGKILL to a worker mid-restore', () => {
  let env: TestEnv;
  let api: ApiProcess;
  const workers: ServiceProcess[] = [];
  let client: ApiClient;
  let orphans: ProcessInfo[] = [];

  beforeAll(async () => {
    ({ env, api, client } = await startApiStack({ WORKER_LOCK_SECONDS: '2', RECONCILE_INTERVAL_SECONDS: '2' }));
  });

  afterAll(async () => {
    killAll(orphans);
    await stopStack({ env, api, workers });
  });

  async function worker(): Promise<ServiceProcess> {
    const started = await startWorker(env.vars);
    workers.push(started);
    return started;
  }

  /** A source whose restore takes several seconds: an expression index that sleeps only in the service's fresh databases. */
  async function slowSource(name: string): Promise<void> {
    await createDatabase(name);
    await withClient(name, (c) =>
      c.query(`
        CREATE FUNCTION slow_in_restore(i integer) RETURNS integer LANGUAGE plpgsql IMMUTABLE AS $$
        BEGIN
          IF current_database() LIKE 'dbbackup\\_restore\\_%' THEN PERFORM pg_sleep(0.005); END IF;
          RETURN i;
        END $$;
        CREATE TABLE slow AS SELECT g AS id FROM generate_series(1, ${SLOW_ROWS}) g;
        CREATE INDEX slow_expression ON slow ((slow_in_restore(id)));`),
    );
  }

  it('the target is untouched while the dead attempt restored; attempt 2 drops its leftovers and succeeds', async () => {
    const source = `f15_source_${env.id}`;
    const target = `f15_target_${env.id}`;
    env.ownedDatabases.push(source, target);
    await slowSource(source);
    await createDatabase(target);
    await withClient(target, (c) => c.query('CREATE TABLE previous AS SELECT g AS id FROM generate_series(1, 10) g'));
    const sourceId = (await client.post('/databases', postgresRegistration('f15-source', source))).body.databaseId;
    const targetId = (await client.post('/databases', postgresRegistration('f15-target', target))).body.databaseId;

    const first = await worker();
    const backup = await client.waitForBackup((await client.post('/backups', { databaseId: sourceId })).body.backupId);
    expect(backup.status).toBe('success');
    const before = await tableFingerprints(target);

    const { restoreId } = (await client.post(`/backups/${backup.backupId}/restore`, { targetDatabaseId: targetId })).body;
    orphans = await waitFor(async () => {
      const tools = (await descendantsOf(first.pid)).filter((p) => p.command === 'pg_restore');
      return tools.length ? tools : undefined;
    }, 30_000);
    const freshOfAttempt1 = await waitFor(() => freshDatabases(restoreId).then((names) => names[0]), 10_000);
    expect(freshOfAttempt1).toMatch(new RegExp(`^dbbackup_restore_${restoreId}_[0-9a-z]+_1$`));

    await first.stop('SIGKILL');
    await waitFor(async () => (orphans.some((p) => isAlive(p.pid)) ? undefined : true), 10_000);
    expect(await tableFingerprints(target)).toEqual(before);

    await worker();
    const finished = await client.waitFor(`/restores/${restoreId}`, 120_000);
    expect(finished).toMatchObject({ status: 'success', error: null, verification: { status: 'passed', tables: 1, rows: SLOW_ROWS } });
    const { rows } = await withClient(env.metadataDatabase, (c) => c.query('SELECT attempt FROM restores WHERE id = $1', [restoreId]));
    expect(rows).toEqual([{ attempt: 2 }]);
    expect(await freshDatabases(restoreId)).toEqual([]);
    expect(await tableFingerprints(target)).toEqual(await tableFingerprints(source));
    expect(await tableFingerprints(finished.asideDatabase)).toEqual(before);
  });

  async function freshDatabases(restoreId: string): Promise<string[]> {
    return (await restoreDatabasesOf(env, restoreId)).fresh;
  }
});
