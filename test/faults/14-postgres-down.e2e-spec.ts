import { ApiClient } from '../support/api-client.js';
import { PrivatePostgres } from '../support/private-postgres.js';
import { type ApiProcess, waitFor } from '../support/service-processes.js';
import { startApiStack, stopStack } from '../support/stack.js';
import { postgresRegistration, type TestEnv } from '../support/test-env.js';

const DATABASE_DOWN = { error: 'Database unavailable; try again shortly' };

/** The metadata PostgreSQL (a cluster of the test's own) stops: the API answers 503 and says it is not ready. */
describe('Fault 14: PostgreSQL down', () => {
  let cluster: PrivatePostgres;
  let env: TestEnv;
  let api: ApiProcess;
  let client: ApiClient;

  beforeAll(async () => {
    cluster = await PrivatePostgres.start();
    ({ env, api, client } = await startApiStack({ DATABASE_URL: cluster.url('dbbackup_metadata') }));
  });

  afterAll(async () => {
    await stopStack({ env, api });
    await cluster?.destroy();
  });

  it('answers 503 with a JSON error while PostgreSQL is down, /health/ready says so, and recovers when it is back', async () => {
    const databaseId = (await client.post('/databases', postgresRegistration('target', 'postgres'))).body.databaseId;
    expect((await client.get('/health/ready')).status).toBe(200);

    await cluster.stop();
    for (const request of [() => client.post('/backups', { databaseId }), () => client.get('/backups'), () => client.get(`/databases/${databaseId}`)]) {
      const started = Date.now();
      const response = await request();
      expect({ status: response.status, body: response.body }).toEqual({ status: 503, body: DATABASE_DOWN });
      expect(Date.now() - started).toBeLessThan(5_000);
    }
    const ready = await client.get('/health/ready');
    expect({ status: ready.status, body: ready.body }).toEqual({ status: 503, body: { error: 'Not ready: database is down' } });
    expect((await client.get('/health/live')).body).toEqual({ status: 'ok' });

    await cluster.start();
    await waitFor(async () => ((await client.get('/health/ready')).status === 200 ? true : undefined), 30_000, 500);
    const accepted = await client.post('/backups', { databaseId });
    expect(accepted.status).toBe(202);
    expect(api.output).not.toMatch(/"level":50/);
  });
});
