import { existsSync } from 'node:fs';
import { ApiClient } from './support/api-client.js';
import { withClient } from './support/postgres.js';
import { type ApiProcess, type ServiceProcess, waitFor } from './support/service-processes.js';
import { ownedDatabase, startStack, stopStack } from './support/stack.js';
import { postgresRegistration, type TestEnv } from './support/test-env.js';

describe('Retention', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let worker: ServiceProcess;
  let client: ApiClient;
  let databaseId: string;
  /** Successful backups, oldest first, with their stored file. */
  const made: Array<{ backupId: string; fileLocation: string }> = [];
  let failedId: string;

  const metadata = <T>(sql: string, params: unknown[] = []) =>
    withClient(env.metadataDatabase, async (c) => (await c.query(sql, params)).rows as T[]);
  const backupIdsOf = async () => {
    const { body } = await client.get('/backups');
    return (body as any[]).filter((b) => b.databaseId === databaseId).map((b) => b.backupId).sort((a, b) => Number(a) - Number(b));
  };
  const backUp = async () => {
    const triggered = await client.post('/backups', { databaseId });
    expect(triggered.status).toBe(202);
    const done = await client.waitForBackup(triggered.body.backupId);
    expect(done.status).toBe('success');
    made.push({ backupId: done.backupId, fileLocation: done.fileLocation });
  };

  beforeAll(async () => {
    ({ env, api, worker, client } = await startStack());
    const source = await ownedDatabase(env, 'retention_src');
    await withClient(source, (c) => c.query('CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 100)'));
    const created = await client.post('/databases', postgresRegistration('kept', source));
    databaseId = created.body.databaseId;
    for (let i = 0; i < 5; i++) await backUp();
    // Spread them in time: 40, 20, 10, 2 days ago, and now.
    const ages = [40, 20, 10, 2];
    for (const [index, days] of ages.entries()) {
      await metadata("UPDATE backups SET requested_at = now() - make_interval(days => $2) WHERE id = $1", [made[index]!.backupId, days]);
    }
    [{ id: failedId }] = await metadata<{ id: string }>(
      "INSERT INTO backups (database_id, engine, status, trigger, requested_at, error) VALUES ($1, 'postgres', 'failed', 'manual', now() - interval '90 days', 'x') RETURNING id::text",
      [databaseId],
    );
  });

  afterAll(() => stopStack({ env, api, worker }));

  it('has no policy at first: everything is kept', async () => {
    expect((await client.get(`/databases/${databaseId}/retention`)).body).toEqual({
      keepLast: null, keepDays: null, gfs: { daily: null, weekly: null, monthly: null },
    });
    expect((await client.get(`/databases/${databaseId}/retention/preview`)).body.delete).toEqual([]);
  });

  it('refuses a policy with bad counts (400 with field details)', async () => {
    const response = await client.request('PUT', `/databases/${databaseId}/retention`, { keepLast: 0, gfs: { weekly: 'x' } });
    expect(response.status).toBe(400);
    expect(response.body.details).toEqual([
      { field: 'keepLast', messages: ['keepLast must not be less than 1'] },
      { field: 'gfs.weekly', messages: ['weekly must be an integer number', 'weekly must not be less than 1', 'weekly must not be greater than 100000'] },
    ]);
  });

  it('previews what a policy deletes now, and why', async () => {
    const put = await client.request('PUT', `/databases/${databaseId}/retention`, { keepLast: 1, keepDays: 7 });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ keepLast: 1, keepDays: 7, gfs: { daily: null, weekly: null, monthly: null } });
    const preview = await client.get(`/databases/${databaseId}/retention/preview`);
    expect(preview.status).toBe(200);
    const [b1, b2, b3, b4, b5] = made.map((b) => b.backupId);
    expect(preview.body.delete.map((b: any) => [b.backupId, b.reason])).toEqual([
      [b3, 'not among the last 1; older than 7 days'],
      [b2, 'not among the last 1; older than 7 days'],
      [b1, 'not among the last 1; older than 7 days'],
    ]);
    expect(preview.body.keep.map((b: any) => [b.backupId, b.keptBy])).toEqual([
      [b5, ['newest', 'keepLast', 'keepDays']],
      [b4, ['keepDays']],
    ]);
    // A preview deletes nothing.
    expect(await backupIdsOf()).toEqual([b1, b2, b3, b4, b5, failedId].sort((a, b) => Number(a) - Number(b)));
  });

  it('enforces it: the files, then the records, of exactly what the preview listed', async () => {
    const enforced = await client.post(`/databases/${databaseId}/retention/enforce`);
    expect(enforced.status).toBe(202);
    const [, , , b4, b5] = made.map((b) => b.backupId);
    const expected = [failedId, b4!, b5!].sort((a, b) => Number(a) - Number(b));
    await waitFor(async () => ((await backupIdsOf()).join() === expected.join() ? true : undefined), 30_000, 200);
    expect(made.map((b) => existsSync(b.fileLocation))).toEqual([false, false, false, true, true]);
    expect((await client.get(`/databases/${databaseId}/retention/preview`)).body.delete).toEqual([]);
  });

  it('enforces the policy after each successful backup', async () => {
    await client.request('PUT', `/databases/${databaseId}/retention`, { keepLast: 2 });
    await backUp();
    const [, , , b4, b5, b6] = made.map((b) => b.backupId);
    const expected = [failedId, b5!, b6!].sort((a, b) => Number(a) - Number(b));
    await waitFor(async () => ((await backupIdsOf()).join() === expected.join() ? true : undefined), 30_000, 200);
    expect(existsSync(made[3]!.fileLocation)).toBe(false);
    expect((await client.get(`/backups/${b4}`)).status).toBe(404);
    expect(worker.output).toMatch(new RegExp(`Retention of database ${databaseId} deleted backups ${b4}\\b`));
  });

  it('never deletes the newest successful backup', async () => {
    await metadata("UPDATE backups SET requested_at = now() - interval '400 days' WHERE database_id = $1", [databaseId]);
    await client.request('PUT', `/databases/${databaseId}/retention`, { keepDays: 1 });
    const preview = await client.get(`/databases/${databaseId}/retention/preview`);
    const [, , , , b5, b6] = made.map((b) => b.backupId);
    expect(preview.body.keep.map((b: any) => [b.backupId, b.keptBy])).toEqual([[b6, ['newest']]]);
    expect(preview.body.delete.map((b: any) => b.backupId)).toEqual([b5]);
  });
});
