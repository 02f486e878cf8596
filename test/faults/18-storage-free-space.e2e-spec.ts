import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ApiClient } from '../support/api-client.js';
import { type ApiProcess, startApi } from '../support/service-processes.js';
import { createTestEnv, mountTmpfs, type TestEnv } from '../support/test-env.js';

const MIB = 1024 * 1024;

/**
 * A nearly full disk: STORAGE_DIR on an 8 MiB tmpfs, with a floor of 4 MiB free. /health/ready reports the free
 * space, and goes not-ready (503) once a file leaves less than the floor, ready again once it is removed.
 */
describe('Fault 18: storage free space in /health/ready', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let client: ApiClient;
  let unmount: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    env = await createTestEnv({ STORAGE_MIN_FREE_BYTES: String(4 * MIB) });
    unmount = await mountTmpfs(env.storageDir, 'size=8m,mode=0700');
    api = await startApi(env.vars);
    client = new ApiClient(api);
  });

  afterAll(async () => {
    await api?.stop();
    await unmount?.().catch(() => undefined);
    await env?.cleanup();
  });

  it('reports free and total bytes with the floor, and is not ready under the floor', async () => {
    const ready = await client.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.info.storage).toEqual({
      status: 'up',
      freeBytes: 8 * MIB,
      totalBytes: 8 * MIB,
      minFreeBytes: 4 * MIB,
      responseTime: expect.any(Number),
    });

    const filler = path.join(env.storageDir, 'filler');
    await writeFile(filler, Buffer.alloc(5 * MIB));
    const full = await client.get('/health/ready');
    expect(full.status).toBe(503);
    expect(full.body).toEqual({
      error:
        `Not ready: storage is down (low on space: ${3 * MIB} bytes free of ${8 * MIB}, under the floor of ${4 * MIB} ` +
        'bytes (STORAGE_MIN_FREE_BYTES, STORAGE_MIN_FREE_PERCENT))',
    });
    expect((await client.get('/health/live')).status).toBe(200);

    await rm(filler);
    const again = await client.get('/health/ready');
    expect(again.status).toBe(200);
    expect(again.body.info.storage).toMatchObject({ status: 'up', freeBytes: 8 * MIB });
  });

  it('STORAGE_MIN_FREE_PERCENT: 75 % of the 8 MiB is a floor of 6 MiB', async () => {
    const byPercent = await startApi({ ...env.vars, STORAGE_MIN_FREE_BYTES: '0', STORAGE_MIN_FREE_PERCENT: '75' });
    try {
      const percentClient = new ApiClient(byPercent);
      const ready = await percentClient.get('/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body.info.storage).toMatchObject({ status: 'up', freeBytes: 8 * MIB, minFreeBytes: 6 * MIB });
      const filler = path.join(env.storageDir, 'filler-percent');
      await writeFile(filler, Buffer.alloc(3 * MIB));
      const full = await percentClient.get('/health/ready');
      await rm(filler);
      expect(full.status).toBe(503);
      expect(full.body.error).toBe(
        `Not ready: storage is down (low on space: ${5 * MIB} bytes free of ${8 * MIB}, under the floor of ${6 * MIB} ` +
          'bytes (STORAGE_MIN_FREE_BYTES, STORAGE_MIN_FREE_PERCENT))',
      );
    } finally {
      await byPercent.stop();
    }
  });
});
