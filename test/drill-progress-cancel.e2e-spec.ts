import { ApiClient } from './support/api-client.js';
import { scratchDatabasesOfDrill } from './support/drill-scratch.js';
import { createDatabase, withClient } from './support/postgres.js';
import { descendantsOf, isAlive } from './support/proc.js';
import { type ApiProcess, type ServiceProcess, sleep, startApi, startWorker, waitFor } from './support/service-processes.js';
import { createTestEnv, listRedisKeys, PG_HOST, PG_PORT, PG_USER, postgresRegistration, REDIS_URL, type TestEnv } from './support/test-env.js';

/** Rows of the slow table: restoring each one sleeps 1 ms in a drill's scratch database, so the replay lasts a minute. */
const SLOW_ROWS = 40_000;
const CANCELLED = 'Cancelled by request';
/** A probe that holds (t has 100 rows) after six seconds: long enough to see the drill in phase "probing". */
const SLOW_PROBE = { sql: 'select count(*) from t, pg_sleep(6)', expect: { op: '=', value: 100 } };

/**
 * Drill progress and POST /drills/:id/cancel on the real servers, the sandbox being the shared local PostgreSQL: a
 * running drill shows its phase and the stored bytes read growing, then "probing" while its probe runs; a cancel
 * kills pg_restore (or outlasts the probe) and drops the scratch database; a queued drill ends at once and never
 * runs; a finished one answers 409.
 */
describe('Drill progress and cancellation', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let worker: ServiceProcess;
  let client: ApiClient;
  let serial = 0;

  beforeAll(async () => {
    env = await createTestEnv({ RECONCILE_INTERVAL_SECONDS: '2' });
    [api, worker] = await Promise.all([startApi(env.vars), startWorker(env.vars)]);
    client = new ApiClient(api);
    const sandbox = await client.post('/sandboxes', { name: 'local', engine: 'postgres', host: PG_HOST, port: PG_PORT, username: PG_USER, password: 'x' });
    expect(sandbox.status).toBe(201);
  });

  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await env?.cleanup();
  });

  interface BackedUp {
    databaseId: string;
    sizeBytes: number;
  }

  /** A registered database of 100 rows, backed up. */
  async function smallBackedUp(label: string): Promise<BackedUp> {
    const name = `dpc_${label}_${env.id}`;
    env.ownedDatabases.push(name);
    await createDatabase(name);
    await withClient(name, (c) => c.query('CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 100) g'));
    return backedUp(label, name);
  }

  async function backedUp(label: string, name: string): Promise<BackedUp> {
    const databaseId = (await client.post('/databases', postgresRegistration(`dpc-${++serial}-${label}`, name))).body.databaseId;
    const backup = await client.backupAndWait(databaseId, 180_000);
    expect(backup.status).toBe('success');
    return { databaseId, sizeBytes: backup.sizeBytes };
  }

  /**
   * ~20 MB of hard-to-compress rows whose domain check sleeps only in a drill's scratch database: pg_restore's COPY,
   * and so its reading of the stored file, is slow; the backup is not.
   */
  async function slowBackedUp(label: string): Promise<BackedUp> {
    const name = `dpc_${label}_${env.id}`;
    env.ownedDatabases.push(name);
    await createDatabase(name);
    await withClient(name, (c) =>
      c.query(`
        CREATE FUNCTION slow_in_drill(v text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
        BEGIN
          IF current_database() LIKE 'dbbackup\\_drill\\_%' THEN PERFORM pg_sleep(0.001); END IF;
          RETURN true;
        END $$;
        CREATE DOMAIN slow_text AS text CHECK (slow_in_drill(VALUE));
        CREATE TABLE big (id integer PRIMARY KEY, payload slow_text NOT NULL);
        INSERT INTO big SELECT g, (SELECT string_agg(md5(g || '-' || k), '') FROM generate_series(1, 16) k)
          FROM generate_series(1, ${SLOW_ROWS}) g;`),
    );
    return backedUp(label, name);
  }

  async function requestDrill(databaseId: string, body: Record<string, unknown> = {}): Promise<string> {
    const response = await client.post(`/databases/${databaseId}/drills`, body);
    expect(response.status).toBe(202);
    return response.body.drillId;
  }

  async function drillRow(drillId: string): Promise<{ attempt: number; progress_phase: string | null }> {
    const { rows } = await withClient(env.metadataDatabase, (c) => c.query('SELECT attempt, progress_phase FROM drills WHERE id = $1', [drillId]));
    return rows[0];
  }

  function scratchDatabasesOf(drillId: string): Promise<string[]> {
    return scratchDatabasesOfDrill(env.metadataDatabase, drillId);
  }

  /** The drill as GET /drills/:id shows it, once `check` holds. */
  function drillWhen(drillId: string, check: (drill: any) => boolean, timeoutMs = 60_000): Promise<any> {
    return waitFor(async () => {
      const { body } = await client.get(`/drills/${drillId}`);
      return check(body) ? body : undefined;
    }, timeoutMs, 200);
  }

  it('needs the restore scope; unknown drill: 404; a finished drill cannot be cancelled (409) and stays as it was', async () => {
    const readOnly = (await client.post('/api-keys', { name: 'dpc-read', scopes: ['read'] })).body.key as string;
    const forbidden = await new ApiClient(api, readOnly).post('/drills/999999999/cancel');
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toEqual({ error: "This API key lacks the 'restore' scope" });
    const missing = await client.post('/drills/999999999/cancel');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: 'Drill not found' });
    expect((await client.post('/drills/not-an-id/cancel')).body).toEqual({ error: 'Drill not found' });

    const drillId = await requestDrill((await smallBackedUp('finished')).databaseId);
    const finished = await client.waitFor(`/drills/${drillId}`, 120_000);
    expect(finished).toMatchObject({ status: 'success', error: null, progress: null });

    const refused = await client.post(`/drills/${drillId}/cancel`);
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({ error: 'The drill has already finished (status: success); there is nothing to cancel' });
    expect((await client.get(`/drills/${drillId}`)).body).toEqual(finished);
  });

  it('a running drill shows phase "restoring" with growing bytes; cancel kills pg_restore and drops the scratch database', async () => {
    const { databaseId, sizeBytes } = await slowBackedUp('slow');
    const drillId = await requestDrill(databaseId);

    const restoring = (drill: any) => drill.progress?.phase === 'restoring' && drill.progress.bytesRead > 0;
    const first = await drillWhen(drillId, restoring);
    expect(first).toMatchObject({ status: 'running', progress: { phase: 'restoring', bytesRead: expect.any(Number) } });
    const later = await drillWhen(drillId, (drill) => restoring(drill) && drill.progress.bytesRead > first.progress.bytesRead, 20_000);
    expect(later.status).toBe('running');
    expect(later.progress.bytesRead).toBeLessThan(sizeBytes);
    // The list shows the same progress; the database's lastDrill is its newest finished drill, so none yet.
    const listed = (await client.get(`/drills?databaseId=${databaseId}`)).body;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ drillId, status: 'running', progress: { phase: 'restoring', bytesRead: expect.any(Number) } });
    expect((await client.get(`/databases/${databaseId}`)).body.lastDrill).toBeNull();

    const tools = (await descendantsOf(worker.pid)).filter((p) => p.command === 'pg_restore');
    expect(tools).toHaveLength(1);
    const [scratch] = await scratchDatabasesOf(drillId);
    expect(scratch).toMatch(new RegExp(`^dbbackup_drill_${drillId}_[0-9a-z]+_1$`));

    const cancelled = await client.post(`/drills/${drillId}/cancel`);
    expect(cancelled.status).toBe(202);
    expect(cancelled.body).toMatchObject({ drillId, status: 'failed', error: CANCELLED, progress: null, scratchDatabase: scratch });
    expect(cancelled.body.finishedAt).toEqual(expect.any(String));

    // The worker finds out at its next progress write (a second), kills pg_restore and drops the scratch database.
    await waitFor(async () => (tools.some((p) => isAlive(p.pid)) ? undefined : true), 15_000);
    await waitFor(async () => ((await scratchDatabasesOf(drillId)).length ? undefined : true), 15_000);
    const after = await drillWhen(drillId, (drill) => drill.scratchDropped, 15_000);
    expect(after).toMatchObject({ status: 'failed', error: CANCELLED, progress: null, verification: null, probeResult: null, restoreTimeSeconds: null });
    expect((await descendantsOf(worker.pid)).filter((p) => p.command === 'pg_restore')).toEqual([]);
    expect(await drillRow(drillId)).toMatchObject({ attempt: 1 });
    expect((await client.get(`/databases/${databaseId}`)).body.lastDrill).toEqual(after);

    const again = await client.post(`/drills/${drillId}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ error: 'The drill has already finished (status: failed); there is nothing to cancel' });
  });

  it('a drill shows phase "probing" while its probe runs; cancelled then, it ends once the probe returns, without a result', async () => {
    const { databaseId, sizeBytes } = await smallBackedUp('probe');

    const probedId = await requestDrill(databaseId, { probe: SLOW_PROBE });
    const probing = await drillWhen(probedId, (drill) => drill.progress?.phase === 'probing');
    // Every byte of the stored file was read before the copy was checked and probed.
    expect(probing).toMatchObject({ status: 'running', progress: { phase: 'probing', bytesRead: sizeBytes }, verification: { status: 'passed' } });
    const probed = await client.waitFor(`/drills/${probedId}`, 60_000);
    expect(probed).toMatchObject({ status: 'success', progress: null, probeResult: { passed: true, value: '100', reason: null }, scratchDropped: true });

    const cancelledId = await requestDrill(databaseId, { probe: SLOW_PROBE });
    await drillWhen(cancelledId, (drill) => drill.progress?.phase === 'probing');
    const cancelled = await client.post(`/drills/${cancelledId}/cancel`);
    expect(cancelled.status).toBe(202);
    expect(cancelled.body).toMatchObject({ status: 'failed', error: CANCELLED, progress: null });
    const after = await drillWhen(cancelledId, (drill) => drill.scratchDropped, 30_000);
    expect(after).toMatchObject({ status: 'failed', error: CANCELLED, probeResult: null, verification: { status: 'passed' } });
    expect(await scratchDatabasesOf(cancelledId)).toEqual([]);
  });

  it('a queued drill ends at once: its job is removed and no worker ever runs it', async () => {
    const { databaseId } = await smallBackedUp('queued');
    await worker.stop();
    const drillId = await requestDrill(databaseId);
    expect(await listRedisKeys(REDIS_URL, `${env.queuePrefix}:drills:drill-${drillId}`)).toHaveLength(1);

    const cancelled = await client.post(`/drills/${drillId}/cancel`);
    expect(cancelled.status).toBe(202);
    expect(cancelled.body).toMatchObject({ drillId, status: 'failed', error: CANCELLED, startedAt: null, progress: null, scratchDatabase: null });
    expect(await listRedisKeys(REDIS_URL, `${env.queuePrefix}:drills:drill-${drillId}`)).toEqual([]);

    worker = await startWorker(env.vars);
    await sleep(5_000);
    expect(await drillRow(drillId)).toEqual({ attempt: 0, progress_phase: null });
    expect((await client.get(`/drills/${drillId}`)).body).toMatchObject({ status: 'failed', error: CANCELLED, startedAt: null });
    expect(await scratchDatabasesOf(drillId)).toEqual([]);
  });
});
