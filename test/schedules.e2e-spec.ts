import { Queue } from 'bullmq';
import { ApiClient } from './support/api-client.js';
import { createDatabase, withClient } from './support/postgres.js';
import { type ApiProcess, freePort, type ServiceProcess, sleep, startApi, startWorker, waitFor } from './support/service-processes.js';
import { createTestEnv, PG_HOST, PG_PORT, PG_USER, REDIS_URL, type TestEnv } from './support/test-env.js';

const MINUTE = 60_000;

/** Every minute, with two API and two worker processes sharing one PostgreSQL and one Redis. */
describe('Schedules', () => {
  let env: TestEnv;
  let apis: ApiProcess[];
  let workers: ServiceProcess[];
  let first: ApiClient;
  let second: ApiClient;
  let schedulers: Queue;
  let databaseId: string;
  let unreachableId: string;
  let scheduleId: string;
  let unreachableScheduleId: string;

  const scheduledBackups = async (): Promise<any[]> => {
    const { body } = await first.get('/backups');
    const mine = (body as any[]).filter((b) => b.databaseId === databaseId && b.trigger === 'schedule');
    return Promise.all(mine.map(async (b) => (await first.get(`/backups/${b.backupId}`)).body));
  };
  const workerOutput = () => workers.map((w) => w.output).join('\n');

  beforeAll(async () => {
    env = await createTestEnv({ SCHEDULE_RECONCILE_INTERVAL_SECONDS: '2', SCHEDULE_MISSED_GRACE_SECONDS: '20' });
    const source = `sched_src_${env.id}`;
    env.ownedDatabases.push(source);
    await createDatabase(source);
    await withClient(source, (c) => c.query('CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 100)'));
    // One API first, so that only one process runs the migrations the first time.
    const api = await startApi(env.vars);
    apis = [api, ...(await Promise.all([startApi(env.vars)]))];
    workers = await Promise.all([startWorker(env.vars), startWorker(env.vars)]);
    [first, second] = apis.map((a) => new ApiClient(a));
    const registration = { engine: 'postgres', host: PG_HOST, port: PG_PORT, username: PG_USER, password: 'trust' };
    databaseId = (await first.post('/databases', { ...registration, name: 'scheduled', database: source })).body.databaseId;
    const nobodyListens = await freePort();
    unreachableId = (await first.post('/databases', { ...registration, name: 'unreachable', port: nobodyListens, database: 'x' })).body.databaseId;
    const { hostname, port } = new URL(REDIS_URL);
    schedulers = new Queue('schedules', { connection: { host: hostname, port: Number(port || 6379) }, prefix: env.queuePrefix });
  });

  afterAll(async () => {
    await schedulers?.close();
    await Promise.all([...(apis ?? []), ...(workers ?? [])].map((p) => p.stop()));
    await env?.cleanup();
  });

  it('refuses a bad cron or time zone with field details (400)', async () => {
    const response = await first.post(`/databases/${databaseId}/schedules`, { cron: '0 25 * * *', timezone: 'Europe/Atlantis' });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: 'Validation failed',
      details: [
        { field: 'cron', messages: ['cron is not valid: Constraint error, got value 25 expected range 0-23'] },
        { field: 'timezone', messages: ['timezone must be an IANA time zone such as "UTC" or "Europe/Paris"'] },
      ],
    });
    expect((await first.post('/databases/999999/schedules', { cron: '* * * * *' })).status).toBe(404);
  });

  it('creates schedules through either API process', async () => {
    const created = await first.post(`/databases/${databaseId}/schedules`, { cron: '* * * * *' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      scheduleId: expect.stringMatching(/^\d+$/),
      databaseId,
      cron: '* * * * *',
      timezone: 'UTC',
      enabled: true,
      nextRunAt: expect.stringMatching(/:00Z$/),
      expectedRunAt: null,
      lastSuccessfulBackupAt: null,
      missed: false,
      missedSince: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    scheduleId = created.body.scheduleId;
    const other = await second.post(`/databases/${unreachableId}/schedules`, { cron: '* * * * *', timezone: 'Europe/Paris' });
    expect(other.status).toBe(201);
    unreachableScheduleId = other.body.scheduleId;
    expect(await schedulers.getJobScheduler(`schedule-${scheduleId}`)).toMatchObject({ pattern: '* * * * *', tz: 'UTC' });
    expect((await second.get(`/databases/${databaseId}/schedules/${scheduleId}`)).body.scheduleId).toBe(scheduleId);
  });

  it('has the workers re-create a job scheduler that Redis lost', async () => {
    expect(await schedulers.removeJobScheduler(`schedule-${scheduleId}`)).toBe(true);
    const repaired = await waitFor(async () => (await schedulers.getJobScheduler(`schedule-${scheduleId}`)) ?? undefined, 15_000, 200);
    expect(repaired).toMatchObject({ key: `schedule-${scheduleId}`, pattern: '* * * * *', tz: 'UTC' });
    await waitFor(async () => (workerOutput().includes(`Job schedulers repaired from PostgreSQL: upserted [${scheduleId}]`) ? true : undefined), 10_000);
  });

  it('makes exactly one backup per minute tick, with trigger "schedule"', async () => {
    const backups = await waitFor(async () => {
      const found = await scheduledBackups();
      return found.filter((b) => b.status === 'success').length >= 2 ? found : undefined;
    }, 3 * MINUTE, 1_000);
    const ticks = backups.map((b) => Date.parse(b.scheduledFor)).sort((a, b) => a - b);
    // One backup per tick, on consecutive minutes: no tick lost, none doubled.
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(ticks.every((t) => t % MINUTE === 0)).toBe(true);
    expect(ticks[1]! - ticks[0]!).toBe(MINUTE);
    for (const backup of backups) {
      expect(backup).toMatchObject({ databaseId, trigger: 'schedule', scheduleId });
      expect(Date.parse(backup.timestamp)).toBeGreaterThanOrEqual(Date.parse(backup.scheduledFor));
    }
    // Neither a second job for the same tick nor a tick that found a backup still running.
    expect(workerOutput()).not.toMatch(new RegExp(`Schedule ${scheduleId} tick \\S+ (already has its backup|skipped)`));
    await waitFor(async () => (new RegExp(`Schedule ${scheduleId} tick \\S+: backup \\d+ of database ${databaseId} queued`).test(workerOutput()) ? true : undefined), 10_000);
  });

  it('flags a schedule whose backups do not succeed as missed, and reports it once', async () => {
    const database = await waitFor(async () => {
      const { body } = await second.get(`/databases/${unreachableId}`);
      return body.missedSchedule ? body : undefined;
    }, 2 * MINUTE, 1_000);
    expect(database.schedules).toEqual([
      expect.objectContaining({ scheduleId: unreachableScheduleId, timezone: 'Europe/Paris', missed: true, lastSuccessfulBackupAt: null }),
    ]);
    await waitFor(async () => (/missed: no successful backup/.test(workerOutput()) ? true : undefined), 10_000);
    await sleep(5_000);
    const reports = workerOutput().match(new RegExp(`Schedule ${unreachableScheduleId} of database ${unreachableId} \\(unreachable\\) missed`, 'g'));
    expect(reports).toHaveLength(1);
    const healthy = await first.get(`/databases/${databaseId}`);
    expect(healthy.body.missedSchedule).toBe(false);
    expect(healthy.body.schedules[0]).toMatchObject({ scheduleId, missed: false, missedSince: null });
  });

  it('stops making backups once disabled, and removes the job scheduler', async () => {
    const disabled = await second.patch(`/databases/${databaseId}/schedules/${scheduleId}`, { enabled: false });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ scheduleId, cron: '* * * * *', timezone: 'UTC', enabled: false, nextRunAt: null, missed: false });
    expect(await schedulers.getJobScheduler(`schedule-${scheduleId}`)).toBeUndefined();
    const before = (await scheduledBackups()).length;
    // Past the next minute tick, and past a reconcile that must not bring it back.
    await sleep(MINUTE - (Date.now() % MINUTE) + 8_000);
    expect((await scheduledBackups()).length).toBe(before);
    expect(await schedulers.getJobScheduler(`schedule-${scheduleId}`)).toBeUndefined();
  });

  it('deletes a schedule and its job scheduler; its backups stay', async () => {
    const before = (await scheduledBackups()).length;
    expect((await first.delete(`/databases/${unreachableId}/schedules/${unreachableScheduleId}`)).status).toBe(204);
    expect(await schedulers.getJobScheduler(`schedule-${unreachableScheduleId}`)).toBeUndefined();
    expect((await first.get(`/databases/${unreachableId}/schedules/${unreachableScheduleId}`)).status).toBe(404);
    expect((await first.delete(`/databases/${databaseId}/schedules/${scheduleId}`)).status).toBe(204);
    const kept = await scheduledBackups();
    expect(kept).toHaveLength(before);
    expect(kept.every((b) => b.scheduleId === null && b.trigger === 'schedule')).toBe(true);
  });
});
