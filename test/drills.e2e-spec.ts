import { open } from 'node:fs/promises';
import { ApiClient } from './support/api-client.js';
import { createMysqlDatabase, dropMysqlDatabase, loadChinookMysql, MYSQL_HOST, MYSQL_PORT, MYSQL_USER, mysqlQuery } from './support/mysql.js';
import { descendantsOf, isAlive, killAll, type ProcessInfo } from './support/proc.js';
import { databasesNamed, scratchDatabasesOfDrill } from './support/drill-scratch.js';
import { createDatabase, loadChinook, withClient } from './support/postgres.js';
import { type ApiProcess, type ServiceProcess, startApi, startWorker, waitFor } from './support/service-processes.js';
import { createTestEnv, PG_HOST, PG_PORT, PG_USER, postgresRegistration, type TestEnv } from './support/test-env.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

/**
 * Restore drills on PostgreSQL, the sandbox being the shared local server (trust auth): a drill restores the newest
 * successful backup into a scratch database, checks it, times it and drops it; a failing probe or an altered file
 * fails it and reaches a webhook receiver.
 */
describe('Restore drills', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let worker: ServiceProcess;
  let client: ApiClient;
  let receiver: WebhookReceiver;
  let serial = 0;

  beforeAll(async () => {
    // The receiver listens on loopback, which webhooks may reach only when the allowlist names it.
    env = await createTestEnv({ RECONCILE_INTERVAL_SECONDS: '2', TARGET_HOST_ALLOWLIST: `${PG_HOST}, 127.0.0.1` });
    receiver = await new WebhookReceiver().start();
    [api, worker] = await Promise.all([startApi(env.vars), startWorker(env.vars)]);
    client = new ApiClient(api);
  });

  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await receiver?.stop();
    await env?.cleanup();
  });

  async function chinookDatabase(label: string): Promise<{ name: string; id: string }> {
    const name = `drill_${label}_${env.id}`;
    env.ownedDatabases.push(name);
    await createDatabase(name);
    await loadChinook(name);
    const registered = await client.post('/databases', postgresRegistration(`drill-${++serial}-${label}`, name));
    expect(registered.status).toBe(201);
    return { name, id: registered.body.databaseId };
  }

  function scratchDatabasesOf(drillId: string): Promise<string[]> {
    return scratchDatabasesOfDrill(env.metadataDatabase, drillId);
  }

  async function drillAndWait(databaseId: string, body: Record<string, unknown> = {}): Promise<any> {
    const response = await client.post(`/databases/${databaseId}/drills`, body);
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ message: `Drill of database ID ${databaseId} triggered`, drillId: expect.stringMatching(/^\d+$/), status: 'queued' });
    expect(response.headers.get('location')).toBe(`/drills/${response.body.drillId}`);
    return client.waitFor(`/drills/${response.body.drillId}`, 180_000);
  }

  let sandboxId: string;

  it('registers a sandbox and never returns its password', async () => {
    const created = await client.post('/sandboxes', {
      name: `sandbox-${env.id}`,
      engine: 'postgres',
      host: PG_HOST,
      port: PG_PORT,
      username: PG_USER,
      password: 'sandbox-s3cret',
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      sandboxId: expect.stringMatching(/^\d+$/),
      name: `sandbox-${env.id}`,
      engine: 'postgres',
      host: PG_HOST,
      port: PG_PORT,
      maintenanceDatabase: 'postgres',
      username: PG_USER,
      createdAt: expect.stringMatching(/Z$/),
      updatedAt: expect.stringMatching(/Z$/),
    });
    sandboxId = created.body.sandboxId;
    const listed = await client.get('/sandboxes');
    expect(listed.body.map((sandbox: any) => sandbox.sandboxId)).toEqual([sandboxId]);
    const { rows } = await withClient(env.metadataDatabase, (c) => c.query('SELECT password_encrypted FROM sandboxes WHERE id = $1', [sandboxId]));
    expect(rows[0].password_encrypted).not.toContain('sandbox-s3cret');
    expect(created.text + listed.text + (await client.get(`/sandboxes/${sandboxId}`)).text).not.toContain('sandbox-s3cret');
    expect((await client.post('/sandboxes', { name: `sandbox-${env.id}`, engine: 'postgres', host: PG_HOST, port: PG_PORT, username: PG_USER, password: 'x' })).body).toEqual({
      error: `A sandbox named "sandbox-${env.id}" already exists`,
    });
  });

  it('refuses a drill of a database without a successful backup, and an invalid probe', async () => {
    const database = await chinookDatabase('nobackup');
    expect((await client.post(`/databases/${database.id}/drills`, {})).body).toEqual({ error: 'The database has no successful backup to drill' });
    const twoStatements = await client.post(`/databases/${database.id}/drills`, { probe: { sql: 'select 1; drop table album', expect: { op: '=', value: 1 } } });
    expect(twoStatements.status).toBe(400);
    expect(twoStatements.body.details).toEqual([
      { field: 'probe.sql', messages: ['probe.sql: the probe must be one statement (no ";" except at the end)'] },
    ]);
    const notAQuery = await client.post(`/databases/${database.id}/drills`, { probe: { sql: 'drop table album', expect: { op: '=', value: 1 } } });
    expect(notAQuery.body.details).toEqual([{ field: 'probe.sql', messages: ['probe.sql must be a query (SELECT, WITH, VALUES or TABLE)'] }]);
    const tooLong = await client.post(`/databases/${database.id}/drills`, { probe: { sql: `select '${'x'.repeat(4000)}'`, expect: { op: '=', value: 1 } } });
    expect(tooLong.status).toBe(400);
  });

  it('a drill of a good Chinook backup succeeds, records its restore time and leaves no scratch database', async () => {
    const source = await chinookDatabase('good');
    const backup = await client.backupAndWait(source.id);
    expect(backup.status).toBe('success');

    const drill = await drillAndWait(source.id, { probe: { sql: 'select count(*) from invoice_line;', expect: { op: '>', value: 0 } } });
    expect(drill).toMatchObject({
      databaseId: source.id,
      sandboxId,
      backupId: backup.backupId,
      trigger: 'manual',
      status: 'success',
      error: null,
      scratchDropped: true,
      toolVersion: expect.stringMatching(/^pg_restore \d+/),
      probeResult: { passed: true, value: '2240', reason: null },
    });
    expect(drill.scratchDatabase).toMatch(new RegExp(`^dbbackup_drill_${drill.drillId}_[0-9a-z]+_1$`));
    expect(drill.verification).toMatchObject({ status: 'passed', tables: 11, differences: [] });
    expect(drill.restoreTimeSeconds).toBeGreaterThan(0);
    expect(drill.restoreTimeSeconds).toBeLessThan(120);
    expect(await scratchDatabasesOf(drill.drillId)).toEqual([]);

    const details = await client.get(`/databases/${source.id}`);
    expect(details.body.lastDrill).toEqual(drill);
    expect(details.body.restoreTimeSeconds).toBe(drill.restoreTimeSeconds);
    expect((await client.get('/drills')).body.map((d: any) => d.drillId)).toContain(drill.drillId);
    expect((await client.get(`/drills?databaseId=${source.id}`)).body).toEqual([drill]);

    const metrics = (await client.get('/metrics')).text;
    const labels = `{database_id="${source.id}",database="drill-${serial}-good",engine="postgres"}`;
    expect(metrics).toContain(`dbbackup_drill_restore_time_seconds${labels} ${drill.restoreTimeSeconds}`);
    expect(metrics).toContain(`dbbackup_drill_last_success_timestamp_seconds${labels} ${new Date(drill.finishedAt).getTime() / 1000}`);
  });

  it('a drill whose probe does not hold, or errors, ends failed with the reason and reaches a webhook receiver', async () => {
    const source = await chinookDatabase('probe');
    const hook = await client.post('/webhooks', { url: receiver.url('/drills'), databaseId: source.id, events: ['drill.succeeded', 'drill.failed'] });
    expect(hook.status).toBe(201);
    expect((await client.backupAndWait(source.id)).status).toBe('success');

    const wrong = await drillAndWait(source.id, { probe: { sql: 'select count(*) from artist', expect: { op: '>', value: 1000 } } });
    expect(wrong).toMatchObject({
      status: 'failed',
      error: 'The probe did not hold: the probe returned 275; expected > 1000',
      probeResult: { passed: false, value: '275', reason: 'the probe returned 275; expected > 1000' },
      scratchDropped: true,
    });
    expect(wrong.verification.status).toBe('passed');
    expect(await scratchDatabasesOf(wrong.drillId)).toEqual([]);

    const broken = await drillAndWait(source.id, { probe: { sql: 'select count(*) from no_such_table', expect: { op: '>', value: 0 } } });
    expect(broken).toMatchObject({ status: 'failed', error: 'The probe failed: relation "no_such_table" does not exist', probeResult: null });
    expect(await scratchDatabasesOf(broken.drillId)).toEqual([]);

    const writes = await drillAndWait(source.id, { probe: { sql: 'with gone as (delete from artist returning 1) select count(*) from gone', expect: { op: '>', value: 0 } } });
    expect(writes).toMatchObject({ status: 'failed', error: 'The probe failed: cannot execute SELECT in a read-only transaction' });

    const deliveries = await waitFor(async () => {
      const received = receiver.received('/drills');
      return received.length >= 3 ? received : undefined;
    }, 30_000, 200);
    const payloads = deliveries.map((request) => JSON.parse(request.body));
    expect(payloads.map((payload) => [payload.event, payload.drill.drillId, payload.error])).toEqual([
      ['drill.failed', wrong.drillId, wrong.error],
      ['drill.failed', broken.drillId, broken.error],
      ['drill.failed', writes.drillId, writes.error],
    ]);
    expect(payloads[0].database).toEqual({ id: source.id, name: `drill-${serial}-probe` });
    expect((await client.get(`/databases/${source.id}`)).body).toMatchObject({ lastDrill: { drillId: writes.drillId, status: 'failed' }, restoreTimeSeconds: null });
  });

  it('a drill of a backup whose file was altered fails, and drops its scratch database', async () => {
    const source = await chinookDatabase('altered');
    const backup = await client.backupAndWait(source.id);
    expect(backup.status).toBe('success');
    const file = await open(backup.fileLocation, 'r+');
    const byte = Buffer.alloc(1);
    const middle = Math.floor(backup.sizeBytes / 2);
    await file.read(byte, 0, 1, middle);
    await file.write(Buffer.from([byte[0]! ^ 0xff]), 0, 1, middle);
    await file.close();

    const drill = await drillAndWait(source.id);
    expect(drill).toMatchObject({
      status: 'failed',
      backupId: backup.backupId,
      error: 'Backup file failed verification: Backup file checksum does not match the record (altered)',
      restoreTimeSeconds: null,
      scratchDropped: true,
    });
    expect(await scratchDatabasesOf(drill.drillId)).toEqual([]);
  });

  it('the sweeper drops a scratch database whose drill is finished, and leaves names it does not know', async () => {
    const { rows } = await withClient(env.metadataDatabase, (c) => c.query("SELECT id, requested_at FROM drills WHERE status = 'success' ORDER BY id LIMIT 1"));
    const finished = `dbbackup_drill_${rows[0].id}_${(rows[0].requested_at as Date).getTime().toString(36)}_1`;
    const foreign = `dbbackup_drill_${rows[0].id}_${(rows[0].requested_at.getTime() + 1).toString(36)}_1`;
    env.ownedDatabases.push(finished, foreign);
    await createDatabase(finished);
    await createDatabase(foreign);
    const planted = (): Promise<string[]> => databasesNamed((name) => name === finished || name === foreign);
    await waitFor(async () => ((await planted()).includes(finished) ? undefined : true), 30_000, 200);
    expect(await planted()).toEqual([foreign]);
  });
});

/** Rows of the slow table: its expression index sleeps 5 ms a row when built in a drill's scratch database. */
const SLOW_ROWS = 1500;

describe('Restore drills: a worker killed mid-drill leaves no scratch database', () => {
  let env: TestEnv;
  let api: ApiProcess;
  const workers: ServiceProcess[] = [];
  let client: ApiClient;
  let orphans: ProcessInfo[] = [];

  beforeAll(async () => {
    env = await createTestEnv({ WORKER_LOCK_SECONDS: '2', RECONCILE_INTERVAL_SECONDS: '2' });
    api = await startApi(env.vars);
    client = new ApiClient(api);
  });

  afterAll(async () => {
    killAll(orphans);
    await Promise.all([api?.stop(), ...workers.map((worker) => worker.stop())]);
    await env?.cleanup();
  });

  async function worker(): Promise<ServiceProcess> {
    const started = await startWorker(env.vars);
    workers.push(started);
    return started;
  }

  function scratchDatabasesOf(drillId: string): Promise<string[]> {
    return scratchDatabasesOfDrill(env.metadataDatabase, drillId);
  }

  it("another worker takes the drill over (attempt 2), drops attempt 1's scratch database and its own", async () => {
    const source = `drill_slow_${env.id}`;
    env.ownedDatabases.push(source);
    await createDatabase(source);
    await withClient(source, (c) =>
      c.query(`
        CREATE FUNCTION slow_in_drill(i integer) RETURNS integer LANGUAGE plpgsql IMMUTABLE AS $$
        BEGIN
          IF current_database() LIKE 'dbbackup\\_drill\\_%' THEN PERFORM pg_sleep(0.005); END IF;
          RETURN i;
        END $$;
        CREATE TABLE slow AS SELECT g AS id FROM generate_series(1, ${SLOW_ROWS}) g;
        CREATE INDEX slow_expression ON slow ((slow_in_drill(id)));`),
    );
    const databaseId = (await client.post('/databases', postgresRegistration('slow', source))).body.databaseId;
    expect((await client.post('/sandboxes', { name: 'local', engine: 'postgres', host: PG_HOST, port: PG_PORT, username: PG_USER, password: 'x' })).status).toBe(201);

    const first = await worker();
    expect((await client.backupAndWait(databaseId)).status).toBe('success');
    const { drillId } = (await client.post(`/databases/${databaseId}/drills`, {})).body;
    orphans = await waitFor(async () => {
      const tools = (await descendantsOf(first.pid)).filter((p) => p.command === 'pg_restore');
      return tools.length ? tools : undefined;
    }, 30_000);
    const [scratchOfAttempt1] = await scratchDatabasesOf(drillId);
    expect(scratchOfAttempt1).toMatch(new RegExp(`^dbbackup_drill_${drillId}_[0-9a-z]+_1$`));

    await first.stop('SIGKILL');
    await waitFor(async () => (orphans.some((p) => isAlive(p.pid)) ? undefined : true), 10_000);

    await worker();
    const finished = await client.waitFor(`/drills/${drillId}`, 120_000);
    expect(finished).toMatchObject({ status: 'success', error: null, scratchDropped: true, verification: { status: 'passed', tables: 1, rows: SLOW_ROWS } });
    expect(finished.scratchDatabase).toMatch(new RegExp(`^dbbackup_drill_${drillId}_[0-9a-z]+_2$`));
    expect(finished.restoreTimeSeconds).toBeGreaterThan(SLOW_ROWS * 0.005);
    const { rows } = await withClient(env.metadataDatabase, (c) => c.query('SELECT attempt FROM drills WHERE id = $1', [drillId]));
    expect(rows).toEqual([{ attempt: 2 }]);
    expect(await scratchDatabasesOf(drillId)).toEqual([]);
  });
});

describe('Restore drills on MariaDB', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let worker: ServiceProcess;
  let client: ApiClient;
  const owned: string[] = [];

  beforeAll(async () => {
    env = await createTestEnv({ RECONCILE_INTERVAL_SECONDS: '2' });
    [api, worker] = await Promise.all([startApi(env.vars), startWorker(env.vars)]);
    client = new ApiClient(api);
  });

  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    for (const name of owned) await dropMysqlDatabase(name);
    await env?.cleanup();
  });

  async function scratchDatabasesOf(drillId: string): Promise<string[]> {
    const rows = await mysqlQuery(null, `SHOW DATABASES LIKE 'dbbackup\\_drill\\_${drillId}\\_%'`);
    return rows.map(([name]) => name!);
  }

  it('drills Chinook on a MariaDB sandbox with a probe, drops the scratch database, and sweeps a leftover by name', async () => {
    const source = `drill_chinook_${env.id}`;
    owned.push(source);
    await createMysqlDatabase(source);
    await loadChinookMysql(source);
    const registration = { name: 'chinook', engine: 'mariadb', host: MYSQL_HOST, port: MYSQL_PORT, database: source, username: MYSQL_USER, password: '' };
    const databaseId = (await client.post('/databases', registration)).body.databaseId;
    const sandbox = await client.post('/sandboxes', { name: 'maria', engine: 'mariadb', host: MYSQL_HOST, port: MYSQL_PORT, username: MYSQL_USER, password: '' });
    expect(sandbox.body).toMatchObject({ engine: 'mariadb', maintenanceDatabase: 'mysql' });
    expect((await client.backupAndWait(databaseId)).status).toBe('success');

    const { drillId } = (await client.post(`/databases/${databaseId}/drills`, { probe: { sql: 'SELECT COUNT(*) FROM `Track`', expect: { op: '=', value: 3503 } } })).body;
    const drill = await client.waitFor(`/drills/${drillId}`, 180_000);
    expect(drill).toMatchObject({
      status: 'success',
      error: null,
      scratchDropped: true,
      toolVersion: expect.stringMatching(/^mariadb /),
      verification: { status: 'passed', tables: 11, differences: [] },
      probeResult: { passed: true, value: '3503', reason: null },
    });
    expect(drill.restoreTimeSeconds).toBeGreaterThan(0);
    expect(await scratchDatabasesOf(drillId)).toEqual([]);

    const failing = await client.post(`/databases/${databaseId}/drills`, { probe: { sql: 'SELECT COUNT(*) FROM `NoSuchTable`', expect: { op: '>', value: 0 } } });
    const failed = await client.waitFor(`/drills/${failing.body.drillId}`, 180_000);
    expect(failed).toMatchObject({ status: 'failed', scratchDropped: true });
    expect(failed.error).toMatch(/^The probe failed: .*Table '.*NoSuchTable' doesn't exist/);

    const { rows } = await withClient(env.metadataDatabase, (c) => c.query('SELECT requested_at FROM drills WHERE id = $1', [drillId]));
    const leftover = `dbbackup_drill_${drillId}_${(rows[0].requested_at as Date).getTime().toString(36)}_1`;
    owned.push(leftover);
    await createMysqlDatabase(leftover);
    await waitFor(async () => ((await scratchDatabasesOf(drillId)).length ? undefined : true), 30_000, 200);
  });
});
