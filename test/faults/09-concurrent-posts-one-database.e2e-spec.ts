import { ApiClient } from '../support/api-client.js';
import { createLockableDatabase, heldDumpSessions, lockTable, type TableLock, withClient } from '../support/postgres.js';
import { type ApiProcess, type ServiceProcess, sleep, startWorker, waitFor } from '../support/service-processes.js';
import { ownedDatabase, startApiStack, stopStack } from '../support/stack.js';
import { postgresRegistration, type TestEnv } from '../support/test-env.js';

/** One unfinished backup per database, across API requests and workers: a second POST gets 409 naming the first. */
describe('Fault 9: concurrent POST /backups for one database', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let client: ApiClient;
  let source: string;
  let lock: TableLock | undefined;
  const workers: ServiceProcess[] = [];

  beforeAll(async () => {
    ({ env, api, client } = await startApiStack());
    source = await ownedDatabase(env, 'one_at_a_time', createLockableDatabase);
    workers.push(...(await Promise.all([startWorker(env.vars), startWorker(env.vars)])));
  });

  afterAll(async () => {
    await lock?.release();
    await stopStack({ env, api, workers });
  });

  it('accepts one of two simultaneous requests, refuses others while it runs, and runs one dump at a time', async () => {
    const databaseId = (await client.post('/databases', postgresRegistration('single', source))).body.databaseId;
    lock = await lockTable(source);

    const pair = await Promise.all([client.post('/backups', { databaseId }), client.post('/backups', { databaseId })]);
    expect(pair.map((r) => r.status).sort()).toEqual([202, 409]);
    const accepted = pair.find((r) => r.status === 202)!.body.backupId;
    const conflict = { error: `A backup of this database is already queued or running (backup ${accepted})` };
    expect(pair.find((r) => r.status === 409)!.body).toEqual(conflict);

    await waitFor(async () => ((await heldDumpSessions(source)) === 1 ? true : undefined), 30_000);
    expect((await client.get(`/backups/${accepted}`)).body.status).toBe('running');
    const whileRunning = await Promise.all(Array.from({ length: 5 }, () => client.post('/backups', { databaseId })));
    expect(whileRunning.map((r) => [r.status, r.body])).toEqual(Array(5).fill([409, conflict]));
    await sleep(1_000);
    expect(await heldDumpSessions(source)).toBe(1);

    await lock.release();
    expect((await client.waitForBackup(accepted)).status).toBe('success');
    const next = await client.post('/backups', { databaseId });
    expect(next.status).toBe(202);
    expect((await client.waitForBackup(next.body.backupId)).status).toBe('success');
    const { rows } = await withClient(env.metadataDatabase, (c) =>
      c.query('SELECT id::text, status FROM backups WHERE database_id = $1 ORDER BY id', [databaseId]),
    );
    expect(rows).toEqual([
      { id: accepted, status: 'success' },
      { id: next.body.backupId, status: 'success' },
    ]);
  });
});
