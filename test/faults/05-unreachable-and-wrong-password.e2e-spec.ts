import { ApiClient } from '../support/api-client.js';
import { PrivatePostgres } from '../support/private-postgres.js';
import { type ApiProcess, freePort, type ServiceProcess, waitFor } from '../support/service-processes.js';
import { startStack, stopStack } from '../support/stack.js';
import { backupRow, type TestEnv } from '../support/test-env.js';

const ROLE = 'backup_role';
const PASSWORD = 'Right-Passw0rd-5f1c';

/**
 * A target that cannot be reached is retried (3 attempts, backoff 15 s then 30 s) and then fails; a target that
 * refuses the password fails at once. Runs its own PostgreSQL, which checks passwords (scram-sha-256).
 */
describe('Fault 5: unreachable target, wrong password', () => {
  let env: TestEnv;
  let cluster: PrivatePostgres;
  let api: ApiProcess;
  let worker: ServiceProcess;
  let client: ApiClient;

  beforeAll(async () => {
    ({ env, api, worker, client } = await startStack());
    cluster = await PrivatePostgres.start();
    await cluster.createRole(ROLE, PASSWORD);
    await cluster.createDatabase('target', ROLE);
  });

  afterAll(async () => {
    await stopStack({ env, api, worker });
    await cluster?.destroy();
  });

  function registration(name: string, port: number, password: string) {
    return { name, engine: 'postgres', host: '127.0.0.1', port, database: 'target', username: ROLE, password };
  }

  async function trigger(name: string, port: number, password: string): Promise<string> {
    const databaseId = (await client.post('/databases', registration(name, port, password))).body.databaseId;
    const response = await client.post('/backups', { databaseId });
    expect(response.status).toBe(202);
    return response.body.backupId;
  }

  it('backs up with the right password, fails a wrong one without retry, and gives up on an unreachable one after 3 attempts', async () => {
    const closedPort = await freePort();
    const unreachable = await trigger('unreachable', closedPort, PASSWORD);
    const wrong = await trigger('wrong_password', cluster.port, 'Wrong-Passw0rd');
    const right = await trigger('right_password', cluster.port, PASSWORD);

    expect(await client.waitForBackup(right, 60_000)).toMatchObject({ status: 'success', error: null });
    const refused = await client.waitForBackup(wrong, 60_000);
    expect(refused).toMatchObject({
      status: 'failed',
      error: `Cannot connect to PostgreSQL: password authentication failed for user "${ROLE}"`,
      fileLocation: null,
    });
    expect((await backupRow(env, wrong))?.attempt).toBe(1);

    const retrying = await waitFor(async () => {
      const row = await backupRow(env, unreachable);
      return row?.status === 'queued' && row.attempt >= 1 ? row : undefined;
    }, 30_000);
    expect(retrying.error).toBe(`Attempt 1 failed, retrying: Cannot connect to PostgreSQL: connect ECONNREFUSED 127.0.0.1:${closedPort}`);
    const gaveUp = await client.waitForBackup(unreachable, 120_000);
    expect(gaveUp).toMatchObject({
      status: 'failed',
      error: `Cannot connect to PostgreSQL: connect ECONNREFUSED 127.0.0.1:${closedPort}`,
      fileLocation: null,
    });
    expect((await backupRow(env, unreachable))?.attempt).toBe(3);
    const finished = new Date(gaveUp.finishedAt).getTime() - new Date(gaveUp.timestamp).getTime();
    expect(finished).toBeGreaterThanOrEqual(45_000);
    expect(worker.output).not.toContain('Right-Passw0rd');
  });
});
