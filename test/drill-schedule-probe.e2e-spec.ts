import { ApiClient } from './support/api-client.js';
import { MYSQL_HOST, MYSQL_PORT, MYSQL_USER } from './support/mysql.js';
import { createDatabase, withClient } from './support/postgres.js';
import { type ApiProcess, type ServiceProcess, startApi, startWorker, waitFor } from './support/service-processes.js';
import { createTestEnv, PG_HOST, PG_PORT, PG_USER, postgresRegistration, type TestEnv } from './support/test-env.js';

const PROBE = { sql: 'select count(*) from t', expect: { op: '=', value: 100 } };

/**
 * Drill schedules with a sandbox and a probe, on the real servers (both sandboxes are the shared local PostgreSQL):
 * each scheduled drill restores on the schedule's sandbox, not the default one, and runs its probe; a drill schedule
 * whose ticks make no drill is counted in dbbackup_drill_schedule_missed.
 */
describe('Drill schedules: sandbox, probe and missed-drill metric', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let worker: ServiceProcess;
  let client: ApiClient;
  let databaseId: string;
  let noBackupId: string;
  let defaultSandboxId: string;
  let chosenSandboxId: string;
  let mariadbSandboxId: string;

  async function sandbox(name: string, engine = 'postgres'): Promise<string> {
    const connection = engine === 'postgres' ? { host: PG_HOST, port: PG_PORT, username: PG_USER } : { host: MYSQL_HOST, port: MYSQL_PORT, username: MYSQL_USER };
    const created = await client.post('/sandboxes', { name, engine, ...connection, password: 'x' });
    expect(created.status).toBe(201);
    return created.body.sandboxId;
  }

  beforeAll(async () => {
    env = await createTestEnv({ SCHEDULE_RECONCILE_INTERVAL_SECONDS: '2', SCHEDULE_MISSED_GRACE_SECONDS: '20', RECONCILE_INTERVAL_SECONDS: '2' });
    const source = `drill_sched_probe_${env.id}`;
    env.ownedDatabases.push(source);
    await createDatabase(source);
    await withClient(source, (c) => c.query('CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 100) g'));
    [api, worker] = await Promise.all([startApi(env.vars), startWorker(env.vars)]);
    client = new ApiClient(api);
    databaseId = (await client.post('/databases', postgresRegistration('probed', source))).body.databaseId;
    noBackupId = (await client.post('/databases', postgresRegistration('never-backed-up', source))).body.databaseId;
    defaultSandboxId = await sandbox('first');
    chosenSandboxId = await sandbox('chosen');
    mariadbSandboxId = await sandbox('maria', 'mariadb');
    expect((await client.backupAndWait(databaseId)).status).toBe('success');
  });

  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await env?.cleanup();
  });

  it('checks the probe as POST /databases/:id/drills does, and the sandbox (404 unknown, 422 other engine)', async () => {
    const path = `/databases/${databaseId}/drill-schedules`;
    const twoStatements = await client.post(path, { cron: '* * * * *', probe: { sql: 'select 1; drop table t', expect: { op: '=', value: 1 } } });
    expect(twoStatements.status).toBe(400);
    expect(twoStatements.body.details).toEqual([{ field: 'probe.sql', messages: ['probe.sql: the probe must be one statement (no ";" except at the end)'] }]);
    const notAQuery = await client.post(path, { cron: '* * * * *', probe: { sql: 'drop table t', expect: { op: '=', value: 1 } } });
    expect(notAQuery.body.details).toEqual([{ field: 'probe.sql', messages: ['probe.sql must be a query (SELECT, WITH, VALUES or TABLE)'] }]);
    const badOperator = await client.post(path, { cron: '* * * * *', probe: { sql: 'select 1', expect: { op: '~', value: 1 } } });
    expect(badOperator.status).toBe(400);
    const unknown = await client.post(path, { cron: '* * * * *', sandboxId: '999999999' });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: 'Sandbox not found' });
    const otherEngine = await client.post(path, { cron: '* * * * *', sandboxId: mariadbSandboxId });
    expect(otherEngine.status).toBe(422);
    expect(otherEngine.body).toEqual({ error: 'A postgres backup cannot be drilled on a mariadb sandbox' });
    expect((await client.get(path)).body).toEqual([]);
  });

  it("each scheduled drill runs on the schedule's sandbox with its probe; a PATCH keeps or removes them", async () => {
    const created = await client.post(`/databases/${databaseId}/drill-schedules`, { cron: '* * * * *', sandboxId: Number(chosenSandboxId), probe: PROBE });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ databaseId, cron: '* * * * *', enabled: true, sandboxId: chosenSandboxId, probe: PROBE });
    const { scheduleId } = created.body;
    expect((await client.get(`/databases/${databaseId}/drill-schedules/${scheduleId}`)).body).toMatchObject({ sandboxId: chosenSandboxId, probe: PROBE });

    const drill = await waitFor(async () => {
      const listed = (await client.get(`/drills?databaseId=${databaseId}`)).body as any[];
      return listed.find((candidate) => candidate.scheduleId === scheduleId && candidate.status === 'success');
    }, 150_000, 1_000);
    expect(drill).toMatchObject({
      trigger: 'schedule',
      sandboxId: chosenSandboxId,
      probe: PROBE,
      probeResult: { passed: true, value: '100', reason: null },
      verification: { status: 'passed', tables: 1, rows: 100 },
      scratchDropped: true,
    });
    expect(drill.sandboxId).not.toBe(defaultSandboxId);

    const kept = await client.patch(`/databases/${databaseId}/drill-schedules/${scheduleId}`, { timezone: 'Europe/Paris' });
    expect(kept.status).toBe(200);
    expect(kept.body).toMatchObject({ timezone: 'Europe/Paris', sandboxId: chosenSandboxId, probe: PROBE });
    const removed = await client.patch(`/databases/${databaseId}/drill-schedules/${scheduleId}`, { probe: null, sandboxId: null });
    expect(removed.body).toMatchObject({ sandboxId: null, probe: null });
    const { rows } = await withClient(env.metadataDatabase, (c) => c.query('SELECT drill_sandbox_id, drill_probe FROM schedules WHERE id = $1', [scheduleId]));
    expect(rows).toEqual([{ drill_sandbox_id: null, drill_probe: null }]);
    expect((await client.patch(`/databases/${databaseId}/drill-schedules/${scheduleId}`, { enabled: false })).status).toBe(200);
  });

  it('shows a drill schedule whose ticks make no drill as 1 in dbbackup_drill_schedule_missed, per schedule and database', async () => {
    const created = await client.post(`/databases/${noBackupId}/drill-schedules`, { cron: '* * * * *', sandboxId: chosenSandboxId });
    expect(created.status).toBe(201);
    const { scheduleId } = created.body;
    const series = `dbbackup_drill_schedule_missed{schedule_id="${scheduleId}",database_id="${noBackupId}",database="never-backed-up"}`;
    expect((await client.get('/metrics')).text).toContain(`${series} 0\n`);

    await waitFor(async () => {
      const { body } = await client.get(`/databases/${noBackupId}/drill-schedules/${scheduleId}`);
      return body.missed && body.missedSince ? body : undefined;
    }, 120_000, 500);
    const { rows } = await withClient(env.metadataDatabase, (c) => c.query('SELECT count(*)::int AS drills FROM drills WHERE database_id = $1', [noBackupId]));
    expect(rows).toEqual([{ drills: 0 }]);
    const text = (await client.get('/metrics')).text;
    expect(text).toContain('# TYPE dbbackup_drill_schedule_missed gauge\n');
    expect(text.split('\n').filter((line) => line.startsWith('dbbackup_drill_schedule_missed{'))).toEqual([`${series} 1`]);
    // Drill schedules are not backup schedules: dbbackup_schedule_missed has no series for them.
    expect(text.split('\n').filter((line) => line.startsWith('dbbackup_schedule_missed{'))).toEqual([]);
  });
});
