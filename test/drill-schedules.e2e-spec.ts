import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { ApiClient } from './support/api-client.js';
import { createDatabase, withClient } from './support/postgres.js';
import { type ApiProcess, type ServiceProcess, startApi, startWorker, waitFor } from './support/service-processes.js';
import { createTestEnv, PG_HOST, PG_PORT, PG_USER, postgresRegistration, REDIS_URL, type TestEnv } from './support/test-env.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

const MINUTE = 60_000;

interface TickDrillRow {
  id: string;
  trigger: string;
  status: string;
  scheduleId: string;
  scheduledFor: Date;
}

/** A drill schedule of every minute, with two API and two worker processes sharing one PostgreSQL and one Redis. */
describe('Drill schedules', () => {
  let env: TestEnv;
  let apis: ApiProcess[];
  let workers: ServiceProcess[];
  let first: ApiClient;
  let second: ApiClient;
  let redis: Redis;
  let schedulers: Queue;
  let receiver: WebhookReceiver;
  let databaseId: string;
  let noBackupId: string;
  let scheduleId: string;
  let missedScheduleId: string;

  const tickDrillRows = async (tickedBy: string): Promise<TickDrillRow[]> => {
    const { rows } = await withClient(env.metadataDatabase, (c) =>
      c.query<TickDrillRow>(
        `SELECT id::text AS id, trigger, status, schedule_id::text AS "scheduleId", scheduled_for AS "scheduledFor"
           FROM drills WHERE schedule_id = $1 ORDER BY scheduled_for`,
        [tickedBy],
      ),
    );
    return rows;
  };

  beforeAll(async () => {
    env = await createTestEnv({
      SCHEDULE_RECONCILE_INTERVAL_SECONDS: '2',
      SCHEDULE_MISSED_GRACE_SECONDS: '20',
      TARGET_HOST_ALLOWLIST: `${PG_HOST}, 127.0.0.1`,
    });
    receiver = await new WebhookReceiver().start();
    const source = `drill_sched_${env.id}`;
    env.ownedDatabases.push(source);
    await createDatabase(source);
    await withClient(source, (c) => c.query('CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 100)'));
    // One API first, so that only one process runs the migrations the first time.
    const api = await startApi(env.vars);
    apis = [api, await startApi(env.vars)];
    workers = await Promise.all([startWorker(env.vars), startWorker(env.vars)]);
    [first, second] = apis.map((a) => new ApiClient(a));
    databaseId = (await first.post('/databases', postgresRegistration('drilled', source))).body.databaseId;
    noBackupId = (await first.post('/databases', postgresRegistration('never-backed-up', source))).body.databaseId;
    const sandbox = await first.post('/sandboxes', { name: `sandbox-${env.id}`, engine: 'postgres', host: PG_HOST, port: PG_PORT, username: PG_USER, password: 'x' });
    expect(sandbox.status).toBe(201);
    expect((await first.backupAndWait(databaseId)).status).toBe('success');
    expect((await first.post('/webhooks', { url: receiver.url('/missed'), events: ['drill.missed'] })).status).toBe(201);
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    schedulers = new Queue('schedules', { connection: redis, prefix: env.queuePrefix });
  });

  afterAll(async () => {
    await schedulers?.close();
    await redis?.quit();
    await receiver?.stop();
    await Promise.all([...(apis ?? []), ...(workers ?? [])].map((p) => p.stop()));
    await env?.cleanup();
  });

  it('creates drill schedules through either API process, apart from backup schedules', async () => {
    const created = await first.post(`/databases/${databaseId}/drill-schedules`, { cron: '* * * * *' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      scheduleId: expect.stringMatching(/^\d+$/),
      databaseId,
      cron: '* * * * *',
      timezone: 'UTC',
      enabled: true,
      sandboxId: null,
      probe: null,
      nextRunAt: expect.stringMatching(/:00Z$/),
      expectedRunAt: null,
      lastSuccessfulDrillAt: null,
      missed: false,
      missedSince: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    scheduleId = created.body.scheduleId;
    const other = await second.post(`/databases/${noBackupId}/drill-schedules`, { cron: '* * * * *', timezone: 'Europe/Paris' });
    expect(other.status).toBe(201);
    missedScheduleId = other.body.scheduleId;
    expect(await schedulers.getJobScheduler(`schedule-${scheduleId}`)).toMatchObject({ pattern: '* * * * *', tz: 'UTC' });
    expect((await second.get(`/databases/${databaseId}/drill-schedules`)).body.map((s: any) => s.scheduleId)).toEqual([scheduleId]);
    // A drill schedule is not a backup schedule, and the other way round.
    expect((await second.get(`/databases/${databaseId}/schedules`)).body).toEqual([]);
    expect((await second.get(`/databases/${databaseId}/schedules/${scheduleId}`)).status).toBe(404);
    expect((await first.post('/databases/999999/drill-schedules', { cron: '* * * * *' })).status).toBe(404);
    expect((await first.post(`/databases/${databaseId}/drill-schedules`, { cron: '0 25 * * *' })).status).toBe(400);
  });

  it('has the workers re-create a drill job scheduler that Redis lost', async () => {
    expect(await schedulers.removeJobScheduler(`schedule-${scheduleId}`)).toBe(true);
    const repaired = await waitFor(async () => (await schedulers.getJobScheduler(`schedule-${scheduleId}`)) ?? undefined, 15_000, 200);
    expect(repaired).toMatchObject({ key: `schedule-${scheduleId}`, pattern: '* * * * *', tz: 'UTC' });
    expect(repaired.next! % MINUTE).toBe(0);
  });

  it('runs exactly one drill per minute tick, with trigger "schedule"', async () => {
    const rows = await waitFor(async () => {
      const found = await tickDrillRows(scheduleId);
      return found.filter((row) => row.status === 'success').length >= 2 ? found : undefined;
    }, 150_000, 1_000);
    const ticks = rows.map((row) => row.scheduledFor.getTime());
    expect(rows.every((row) => row.trigger === 'schedule' && row.scheduleId === scheduleId)).toBe(true);
    // One drill per tick, on consecutive minutes: no tick lost, none doubled.
    expect(ticks.every((tick) => tick % MINUTE === 0)).toBe(true);
    expect(ticks.map((tick) => tick - ticks[0]!)).toEqual(ticks.map((_, index) => index * MINUTE));
    const listed = (await second.get(`/drills?databaseId=${databaseId}`)).body as any[];
    for (const row of rows.filter((candidate) => candidate.status === 'success')) {
      expect(listed.find((drill) => drill.drillId === row.id)).toMatchObject({
        databaseId,
        trigger: 'schedule',
        status: 'success',
        scheduleId,
        scheduledFor: row.scheduledFor.toISOString().replace('.000Z', 'Z'),
      });
    }
    // The record itself refuses a second drill for a tick (a tick job delivered twice, or by two workers).
    const duplicate = withClient(env.metadataDatabase, (c) =>
      c.query(`INSERT INTO drills (database_id, trigger, status, schedule_id, scheduled_for) VALUES ($1, 'schedule', 'success', $2, $3)`, [
        databaseId,
        scheduleId,
        rows[0]!.scheduledFor,
      ]),
    );
    await expect(duplicate).rejects.toThrow(/drills_one_per_tick_idx/);
    const { body } = await first.get(`/databases/${databaseId}/drill-schedules/${scheduleId}`);
    expect(body).toMatchObject({ scheduleId, missed: false, missedSince: null, lastSuccessfulDrillAt: expect.stringMatching(/Z$/) });
  });

  it('flags a drill schedule with no successful drill as missed, and reports drill.missed once', async () => {
    const missed = await waitFor(async () => {
      const { body } = await first.get(`/databases/${noBackupId}/drill-schedules/${missedScheduleId}`);
      return body.missed && body.missedSince ? body : undefined;
    }, 90_000, 500);
    expect(missed).toMatchObject({ scheduleId: missedScheduleId, timezone: 'Europe/Paris', lastSuccessfulDrillAt: null, expectedRunAt: expect.stringMatching(/:00Z$/) });
    // The tick was skipped (no backup to drill): no drill row, and the miss reached the webhook once.
    expect(await tickDrillRows(missedScheduleId)).toEqual([]);
    const deliveries = await waitFor(async () => {
      const found = receiver.received('/missed').map((request) => JSON.parse(request.body));
      return found.length ? found : undefined;
    }, 15_000, 200);
    expect(deliveries).toEqual([
      expect.objectContaining({
        event: 'drill.missed',
        database: { id: noBackupId, name: 'never-backed-up' },
        schedule: expect.objectContaining({ scheduleId: missedScheduleId, missed: true }),
        error: expect.stringMatching(/^no successful drill since \d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z$/),
      }),
    ]);
    // Two more runs of the workers' monitor (every 2 s) report nothing new: the miss is reported once.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect(receiver.received('/missed')).toHaveLength(1);
  });
});
