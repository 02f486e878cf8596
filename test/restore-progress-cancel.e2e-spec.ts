import { ApiClient } from './support/api-client.js';
import { createDatabase, tableFingerprints, withClient } from './support/postgres.js';
import { descendantsOf, isAlive } from './support/proc.js';
import { type ApiProcess, type ServiceProcess, sleep, startWorker, waitFor } from './support/service-processes.js';
import { startStack, stopStack } from './support/stack.js';
import { listRedisKeys, postgresRegistration, REDIS_URL, restoreDatabasesOf, type TestEnv } from './support/test-env.js';

/** Rows of the slow table: restoring each one sleeps 1 ms in a service's fresh database, so the replay lasts a minute. */
const SLOW_ROWS = 40_000;
const CANCELLED = 'Cancelled by request';

/**
 * Restore progress and POST /restores/:id/cancel on the real servers: a running restore shows its phase and the
 * stored bytes read growing; a cancel kills pg_restore, drops the fresh database and leaves the target as it was;
 * a queued restore ends at once and never runs; a finished one answers 409.
 */
describe('Restore progress and cancellation', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let worker: ServiceProcess;
  let client: ApiClient;

  beforeAll(async () => {
    ({ env, api, worker, client } = await startStack({ RECONCILE_INTERVAL_SECONDS: '2' }));
  });

  afterAll(() => stopStack({ env, api, worker }));

  /**
   * A source of ~20 MB of hard-to-compress rows whose domain check sleeps only in the service's fresh databases:
   * pg_restore's COPY, and so its reading of the stored file, is slow; the backup is not.
   */
  async function slowSource(name: string): Promise<void> {
    await createDatabase(name);
    await withClient(name, (c) =>
      c.query(`
        CREATE FUNCTION slow_in_restore(v text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
        BEGIN
          IF current_database() LIKE 'dbbackup\\_restore\\_%' THEN PERFORM pg_sleep(0.001); END IF;
          RETURN true;
        END $$;
        CREATE DOMAIN slow_text AS text CHECK (slow_in_restore(VALUE));
        CREATE TABLE big (id integer PRIMARY KEY, payload slow_text NOT NULL);
        INSERT INTO big SELECT g, (SELECT string_agg(md5(g || '-' || k), '') FROM generate_series(1, 16) k)
          FROM generate_series(1, ${SLOW_ROWS}) g;`),
    );
  }

  async function registered(name: string, database: string): Promise<string> {
    return (await client.post('/databases', postgresRegistration(name, database))).body.databaseId;
  }

  /** A target holding content of its own, which a cancelled restore must leave as it is. */
  async function targetWithContent(name: string): Promise<void> {
    await createDatabase(name);
    await withClient(name, (c) => c.query('CREATE TABLE previous AS SELECT g AS id FROM generate_series(1, 10) g'));
  }

  async function restoreRow(restoreId: string): Promise<{ attempt: number; progress_phase: string | null }> {
    const { rows } = await withClient(env.metadataDatabase, (c) =>
      c.query('SELECT attempt, progress_phase FROM restores WHERE id = $1', [restoreId]),
    );
    return rows[0];
  }

  /** This restore's fresh copies, whatever their attempt (other runs on the shared server have restores of the same id). */
  async function freshDatabasesOf(restoreId: string): Promise<string[]> {
    return (await restoreDatabasesOf(env, restoreId)).fresh;
  }

  it('needs the restore scope; unknown restore: 404; a finished restore cannot be cancelled (409) and stays as it was', async () => {
    const readOnly = (await client.post('/api-keys', { name: 'rpc-read', scopes: ['read'] })).body.key as string;
    const forbidden = await new ApiClient(api, readOnly).post('/restores/999999999/cancel');
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toEqual({ error: "This API key lacks the 'restore' scope" });
    const missing = await client.post('/restores/999999999/cancel');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: 'Restore not found' });

    const source = `rpc_small_${env.id}`;
    const target = `rpc_small_target_${env.id}`;
    env.ownedDatabases.push(source, target);
    await createDatabase(source);
    await withClient(source, (c) => c.query('CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 100) g'));
    await createDatabase(target);
    const backup = await client.backupAndWait(await registered('rpc-small', source));
    expect(backup.status).toBe('success');
    const restored = await client.restoreAndWait(backup.backupId, { targetDatabaseId: await registered('rpc-small-target', target) });
    expect(restored).toMatchObject({ status: 'success', error: null, progress: null });

    const refused = await client.post(`/restores/${restored.restoreId}/cancel`);
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({ error: 'The restore has already finished (status: success); there is nothing to cancel' });
    expect((await client.get(`/restores/${restored.restoreId}`)).body).toEqual(restored);
  });

  it('a running restore shows phase "restoring" with growing bytes; cancel kills pg_restore, drops the fresh database, leaves the target', async () => {
    const source = `rpc_slow_${env.id}`;
    const target = `rpc_target_${env.id}`;
    env.ownedDatabases.push(source, target);
    await slowSource(source);
    await targetWithContent(target);
    const backup = await client.backupAndWait(await registered('rpc-slow', source), 180_000);
    expect(backup.status).toBe('success');
    const before = await tableFingerprints(target);

    const requested = await client.post(`/backups/${backup.backupId}/restore`, { targetDatabaseId: await registered('rpc-target', target) });
    expect(requested.status).toBe(202);
    const { restoreId } = requested.body;

    const restoring = async () => {
      const { body } = await client.get(`/restores/${restoreId}`);
      return body.progress?.phase === 'restoring' && body.progress.bytesRead > 0 ? body : undefined;
    };
    const first = await waitFor(restoring, 60_000, 200);
    expect(first).toMatchObject({ status: 'running', progress: { phase: 'restoring', bytesRead: expect.any(Number) } });
    const later = await waitFor(async () => {
      const body = await restoring();
      return body && body.progress.bytesRead > first.progress.bytesRead ? body : undefined;
    }, 20_000, 200);
    expect(later.status).toBe('running');
    expect(later.progress.bytesRead).toBeLessThan(backup.sizeBytes);

    const tools = (await descendantsOf(worker.pid)).filter((p) => p.command === 'pg_restore');
    expect(tools).toHaveLength(1);
    expect(await freshDatabasesOf(restoreId)).toHaveLength(1);

    const cancelled = await client.post(`/restores/${restoreId}/cancel`);
    expect(cancelled.status).toBe(202);
    expect(cancelled.body).toMatchObject({ restoreId, status: 'failed', error: CANCELLED, progress: null, asideDatabase: null });
    expect(cancelled.body.finishedAt).toEqual(expect.any(String));

    // The worker finds out at its next progress write (a second), kills pg_restore and drops its fresh database.
    await waitFor(async () => (tools.some((p) => isAlive(p.pid)) ? undefined : true), 15_000);
    await waitFor(async () => ((await freshDatabasesOf(restoreId)).length ? undefined : true), 15_000);
    expect(await restoreDatabasesOf(env, restoreId)).toEqual({ fresh: [], aside: [] });
    expect((await descendantsOf(worker.pid)).filter((p) => p.command === 'pg_restore')).toEqual([]);
    expect(await tableFingerprints(target)).toEqual(before);

    const after = (await client.get(`/restores/${restoreId}`)).body;
    expect(after).toMatchObject({ status: 'failed', error: CANCELLED, progress: null, asideDatabase: null, verification: null });
    expect(await restoreRow(restoreId)).toMatchObject({ attempt: 1 });

    const again = await client.post(`/restores/${restoreId}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ error: 'The restore has already finished (status: failed); there is nothing to cancel' });

  });

  it('a queued restore ends at once: its job is removed and no worker ever runs it', async () => {
    await worker.stop();
    const source = `rpc_queued_${env.id}`;
    const target = `rpc_queued_target_${env.id}`;
    env.ownedDatabases.push(source, target);
    await createDatabase(source);
    await withClient(source, (c) => c.query('CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 10) g'));
    await targetWithContent(target);
    const targetId = await registered('rpc-queued-target', target);
    // A backup needs a worker: one that is stopped again before the restore is requested.
    const backupWorker = await startWorker(env.vars);
    const backup = await client.backupAndWait(await registered('rpc-queued', source));
    await backupWorker.stop();
    const before = await tableFingerprints(target);

    const requested = await client.post(`/backups/${backup.backupId}/restore`, { targetDatabaseId: targetId });
    expect(requested.status).toBe(202);
    const { restoreId } = requested.body;
    expect(await listRedisKeys(REDIS_URL, `${env.queuePrefix}:restores:restore-${restoreId}`)).toHaveLength(1);

    const cancelled = await client.post(`/restores/${restoreId}/cancel`);
    expect(cancelled.status).toBe(202);
    expect(cancelled.body).toMatchObject({ restoreId, status: 'failed', error: CANCELLED, startedAt: null, progress: null });
    expect(await listRedisKeys(REDIS_URL, `${env.queuePrefix}:restores:restore-${restoreId}`)).toEqual([]);

    worker = await startWorker(env.vars);
    await sleep(5_000);
    expect(await restoreRow(restoreId)).toEqual({ attempt: 0, progress_phase: null });
    expect((await client.get(`/restores/${restoreId}`)).body).toMatchObject({ status: 'failed', error: CANCELLED, startedAt: null });
    expect(await freshDatabasesOf(restoreId)).toEqual([]);
    expect(await tableFingerprints(target)).toEqual(before);
  });
});
