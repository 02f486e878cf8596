import { randomBytes } from 'node:crypto';
import { ApiClient, type ApiResponse } from '../support/api-client.js';
import { lockTable, type TableLock } from '../support/postgres.js';
import { PrivatePostgres } from '../support/private-postgres.js';
import { PrivateRedis } from '../support/private-redis.js';
import { descendantsOf, readProcText } from '../support/proc.js';
import { type ApiProcess, type ServiceProcess, waitFor } from '../support/service-processes.js';
import { startStack, stopStack } from '../support/stack.js';
import { type TestEnv } from '../support/test-env.js';

const ROLE = 'secret_owner';
const PASSWORD = `Pw-${randomBytes(12).toString('hex')}-zq`;

/** An ApiClient that keeps every response it received, headers and body, for the scan. */
class RecordingApiClient extends ApiClient {
  readonly received: string[] = [];

  override async request<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>> {
    const response = await super.request<T>(method, path, body, headers);
    this.received.push(`${method} ${path} ${response.status}\n${[...response.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${response.text}`);
    return response;
  }
}

/** Every key of the prefix with its whole content, whatever its type. */
async function dumpRedis(redis: PrivateRedis, prefix: string): Promise<string> {
  return redis.withClient(async (client) => {
    const parts: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const type = await client.type(key);
        const value =
          type === 'string' ? await client.get(key)
          : type === 'hash' ? await client.hgetall(key)
          : type === 'list' ? await client.lrange(key, 0, -1)
          : type === 'set' ? await client.smembers(key)
          : type === 'zset' ? await client.zrange(key, '0', '-1', 'WITHSCORES')
          : type === 'stream' ? await client.xrange(key, '-', '+')
          : `<${type}>`;
        parts.push(`${key} ${type} ${JSON.stringify(value)}`);
      }
    } while (cursor !== '0');
    return parts.join('\n');
  });
}

/**
 * While dumps run (held by a lock on a PostgreSQL of the test's own, which checks the password), the password of
 * the target is nowhere to be read: not in the argv or environment of any process, not in Redis, not in the logs,
 * not in any API response.
 */
describe('Fault 12: secrets scan while dumps run', () => {
  let cluster: PrivatePostgres;
  let redis: PrivateRedis;
  let env: TestEnv;
  let api: ApiProcess;
  let worker: ServiceProcess;
  let client: RecordingApiClient;
  const locks: TableLock[] = [];

  beforeAll(async () => {
    cluster = await PrivatePostgres.start();
    await cluster.createRole(ROLE, PASSWORD);
    redis = await PrivateRedis.start();
    ({ env, api, worker } = await startStack({ REDIS_URL: redis.url, WORKER_CONCURRENCY: '2', LOG_LEVEL: 'debug' }));
    client = new RecordingApiClient(api);
  });

  afterAll(async () => {
    for (const lock of locks) await lock.release();
    await stopStack({ env, api, worker });
    await redis?.stop();
    await cluster?.destroy();
  });

  it('finds the password in no process, Redis key, log line or response', async () => {
    const backupIds: string[] = [];
    for (const name of ['secret_a', 'secret_b']) {
      await cluster.createDatabase(name, ROLE);
      await cluster.query(`CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 1000) g; ALTER TABLE t OWNER TO ${ROLE}`, [], name);
      locks.push(await lockTable(name, 't', (database) => cluster.client(database)));
      const registration = { name, engine: 'postgres', host: '127.0.0.1', port: cluster.port, database: name, username: ROLE, password: PASSWORD };
      const databaseId = (await client.post('/databases', registration)).body.databaseId;
      expect((await client.post(`/databases/${databaseId}/test`)).status).toBe(200);
      backupIds.push((await client.post('/backups', { databaseId })).body.backupId);
    }

    // Both dumps are connected and waiting for the lock: pg_dump and zstd of each are alive.
    const children = await waitFor(async () => {
      const found = await descendantsOf(worker.pid);
      return found.filter((p) => p.command === 'pg_dump').length === 2 ? found : undefined;
    }, 30_000);
    expect(children.map((p) => p.command).sort()).toEqual(['pg_dump', 'pg_dump', 'zstd', 'zstd']);
    const processes = [worker.pid, api.pid, ...children.map((p) => p.pid)];
    for (const pid of processes) {
      for (const file of ['cmdline', 'environ'] as const) {
        const text = await readProcText(pid, file);
        expect({ pid, file, text: text?.includes(PASSWORD) ? text : 'clean' }).toEqual({ pid, file, text: 'clean' });
      }
    }
    // pg_dump did read the password (from its 0600 PGPASSFILE): the environment names the file, not the secret.
    const dumpEnvironment = await readProcText(children.find((p) => p.command === 'pg_dump')!.pid, 'environ');
    expect(dumpEnvironment).toMatch(/PGPASSFILE=\S+/);
    const redisWhileRunning = await dumpRedis(redis, env.queuePrefix);
    expect(redisWhileRunning).toContain(`backup-${backupIds[0]}`);
    expect(redisWhileRunning).not.toContain(PASSWORD);

    for (const lock of locks) await lock.release();
    for (const backupId of backupIds) expect((await client.waitForBackup(backupId, 60_000)).status).toBe('success');
    await client.get('/backups');
    await client.get('/databases');

    expect(await dumpRedis(redis, env.queuePrefix)).not.toContain(PASSWORD);
    await worker.waitForOutput(`Backup ${backupIds[1]} succeeded`, 10_000);
    expect(worker.output).not.toContain(PASSWORD);
    expect(api.output).not.toContain(PASSWORD);
    expect(client.received.length).toBeGreaterThan(8);
    expect(client.received.filter((response) => response.includes(PASSWORD))).toEqual([]);
  });
});
