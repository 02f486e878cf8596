import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ApiClient } from './support/api-client.js';
import { withClient } from './support/postgres.js';
import { type ApiProcess, type ServiceProcess, startWorker } from './support/service-processes.js';
import { startApiStack, stopStack } from './support/stack.js';
import { postgresRegistration, type TestEnv } from './support/test-env.js';

/** Temporary files left by a killed worker are removed; those of attempts still running are kept. */
describe('Partial-file sweeper', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let worker: ServiceProcess | undefined;
  let client: ApiClient;

  beforeAll(async () => {
    // A long period: only the sweep at start-up runs, and the reconciler leaves these fresh rows alone.
    ({ env, api, client } = await startApiStack({ RECONCILE_INTERVAL_SECONDS: '3600' }));
  });

  afterAll(() => stopStack({ env, api, worker }));

  it('removes .partial files of finished backups and of superseded attempts, and nothing else', async () => {
    const databaseId = (
      await client.post('/databases', postgresRegistration('s', 'postgres'))
    ).body.databaseId;
    const [failed, running] = await withClient(env.metadataDatabase, async (c) => {
      const a = await c.query("INSERT INTO backups (database_id, engine, status, attempt, error) VALUES ($1, 'postgres', 'failed', 1, 'x') RETURNING id", [databaseId]);
      const b = await c.query("INSERT INTO backups (database_id, engine, status, attempt) VALUES ($1, 'postgres', 'running', 2) RETURNING id", [databaseId]);
      return [a.rows[0].id as string, b.rows[0].id as string];
    });
    const dir = path.join(env.storageDir, `db-${databaseId}`);
    await mkdir(dir, { recursive: true });
    const files = {
      failedAttempt: `20260101T000000Z-backup-${failed}-a1.dump.zst.0123456789ab.partial`,
      supersededAttempt: `20260101T000000Z-backup-${running}-a1.dump.zst.0123456789ab.partial`,
      currentAttempt: `20260101T000000Z-backup-${running}-a2.dump.zst.0123456789ab.partial`,
      finishedFile: `20260101T000000Z-backup-${failed}-a1.dump.zst`,
    };
    for (const name of Object.values(files)) await writeFile(path.join(dir, name), 'x');

    worker = await startWorker(env.vars);
    await worker.waitForOutput(/Removed partial files left by stopped workers/);
    expect((await readdir(dir)).sort()).toEqual([files.currentAttempt, files.finishedFile].sort());
    await worker.waitForOutput(`db-${databaseId}/${files.failedAttempt}`, 10_000);
    await worker.waitForOutput(`db-${databaseId}/${files.supersededAttempt}`, 10_000);
  });
});
