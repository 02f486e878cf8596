import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { ApiClient } from './support/api-client.js';
import { createDatabase, withClient } from './support/postgres.js';
import { type ApiProcess, freePort, type ServiceProcess, startApi, startWorker, waitFor } from './support/service-processes.js';
import { createTestEnv, PG_HOST, PG_PORT, PG_USER, REDIS_URL, type TestEnv } from './support/test-env.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

const MINUTE = 60_000;

interface TickBackupRow {
  id: string;
  trigger: string;
  scheduleId: string | null;
  scheduledFor: Date;
}

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
  let redis: Redis;
  let receiver: WebhookReceiver;

  const scheduledBackups = async (): Promise<any[]> => {
    const { body } = await first.get('/backups');
    const mine = (body as any[]).filter((b) => b.databaseId === databaseId && b.trigger === 'schedule');
    return Promise.all(mine.map(async (b) => (await first.get(`/backups/${b.backupId}`)).body));
  };
  /** The backup rows the schedules' ticks made, as PostgreSQL holds them. */
  const tickBackupRows = async (tickedBy: string): Promise<TickBackupRow[]> => {
    const { rows } = await withClient(env.metadataDatabase, (c) =>
      c.query<TickBackupRow>(
        `SELECT id::text AS id, trigger, schedule_id::text AS "scheduleId", scheduled_for AS "scheduledFor"
           FROM backups WHERE schedule_id = $1 ORDER BY scheduled_for`,
        [tickedBy],
      ),
    );
    return rows;
  };
  const missedSince = async (id: string): Promise<Date | null> => {
    const { rows } = await withClient(env.metadataDatabase, (c) => c.query('SELECT missed_since FROM schedules WHERE id = $1', [id]));
    return rows[0].missed_since;
  };
  const missedDeliveries = () => receiver.received('/missed').map((request) => JSON.parse(request.body));
  /**
   * Settles after the workers' missed-schedule monitor has run once more: only a run of the monitor clears a stale
   * missed flag on the healthy schedule.
   */
  const missedMonitorRun = async (): Promise<void> => {
    await withClient(env.metadataDatabase, (c) => c.query('UPDATE schedules SET missed_since = now() WHERE id = $1', [scheduleId]));
    await waitFor(async () => ((await missedSince(scheduleId)) === null ? true : undefined), 30_000, 200);
  };
  /**
   * Settles after the workers' schedule reconciler has run once more: only a run of the reconciler re-creates the job
   * scheduler of the enabled schedule `probeScheduleId` once it is removed from Redis.
   */
  const reconcilerRun = async (probeScheduleId: string): Promise<void> => {
    expect(await schedulers.removeJobScheduler(`schedule-${probeScheduleId}`)).toBe(true);
    await waitFor(async () => (await schedulers.getJobScheduler(`schedule-${probeScheduleId}`)) ?? undefined, 30_000, 200);
  };

  beforeAll(async () => {
    // The webhook receiver listens on loopback, which webhooks may reach only when the allowlist names it.
    env = await createTestEnv({
      SCHEDULE_RECONCILE_INTERVAL_SECONDS: '2',
      SCHEDULE_MISSED_GRACE_SECONDS: '20',
      TARGET_HOST_ALLOWLIST: `${PG_HOST}, 127.0.0.1`,
    });
    receiver = await new WebhookReceiver().start();
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
    const missed = await first.post('/webhooks', { url: receiver.url('/missed'), events: ['schedule.missed'] });
    expect(missed.status).toBe(201);
    // The whole URL, database number included, as the services read it.
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    schedulers = new Queue('schedules', { connection: redis, prefix: env.queuePrefix });
  });

  afterAll(async () => {
    await schedulers?.close();
    // BullMQ leaves a connection it was given open.
    await redis?.quit();
    await receiver?.stop();
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
    // Repaired from the row: it ticks again, on the minute, and the schedule is unchanged.
    expect(repaired.next! % MINUTE).toBe(0);
    expect(repaired.next!).toBeGreaterThan(Date.now() - MINUTE);
    const { body } = await second.get(`/databases/${databaseId}/schedules/${scheduleId}`);
    expect(body).toMatchObject({ scheduleId, cron: '* * * * *', timezone: 'UTC', enabled: true });
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
    // Each tick's backup row, as recorded: one per tick, and no tick between the first and the last skipped.
    const rows = await tickBackupRows(scheduleId);
    const rowTicks = rows.map((row) => row.scheduledFor.getTime());
    expect(rows.every((row) => row.trigger === 'schedule' && row.scheduleId === scheduleId)).toBe(true);
    expect(new Set(rowTicks).size).toBe(rowTicks.length);
    expect(rowTicks.map((tick) => tick - rowTicks[0]!)).toEqual(rowTicks.map((_, index) => index * MINUTE));
    expect(rowTicks.slice(0, ticks.length)).toEqual(ticks);
  });

  it('flags a schedule whose backups do not succeed as missed, and reports it once', async () => {
    const database = await waitFor(async () => {
      const { body } = await second.get(`/databases/${unreachableId}`);
      return body.missedSchedule ? body : undefined;
    }, 2 * MINUTE, 1_000);
    expect(database.schedules).toEqual([
      expect.objectContaining({ scheduleId: unreachableScheduleId, timezone: 'Europe/Paris', missed: true, lastSuccessfulBackupAt: null }),
    ]);
    // Recorded by the workers, and reported once however many of their monitor runs see it.
    const since = await waitFor(() => missedSince(unreachableScheduleId).then((at) => at ?? undefined), 10_000, 200);
    await waitFor(async () => (missedDeliveries().length ? true : undefined), 30_000, 200);
    await missedMonitorRun();
    await missedMonitorRun();
    expect(missedDeliveries()).toEqual([
      expect.objectContaining({
        event: 'schedule.missed',
        database: { id: unreachableId, name: 'unreachable' },
        schedule: expect.objectContaining({ scheduleId: unreachableScheduleId }),
        error: expect.stringMatching(/^no successful backup since /),
      }),
    ]);
    expect(await missedSince(unreachableScheduleId)).toEqual(since);
    const metrics = (await first.get('/metrics')).text;
    expect(metrics).toContain(`dbbackup_schedule_missed{schedule_id="${unreachableScheduleId}",database_id="${unreachableId}",database="unreachable"} 1`);
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
    // Past the next minute tick (the still enabled schedule's job scheduler has moved on to the one after), and past
    // a reconcile that must not bring it back.
    const nextTick = Date.now() - (Date.now() % MINUTE) + MINUTE;
    await waitFor(async () => ((await schedulers.getJobScheduler(`schedule-${unreachableScheduleId}`))?.next ?? 0) > nextTick || undefined, 2 * MINUTE, 500);
    await reconcilerRun(unreachableScheduleId);
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
