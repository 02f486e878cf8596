import { open, readFile, rm } from 'node:fs/promises';
import { constants } from 'node:fs';
import { ApiClient, bearer } from './support/api-client.js';
import { runTool, withClient } from './support/postgres.js';
import { descendantsOf } from './support/proc.js';
import { type ApiProcess, type ServiceProcess, waitFor } from './support/service-processes.js';
import { chinookDatabase, startStack, stopStack } from './support/stack.js';
import { postgresRegistration, type TestEnv } from './support/test-env.js';

const CHECKSUM_FAILURE = 'Backup verification failed: Backup file checksum does not match the record (altered)';

/**
 * Verify of a corrupted file answers 422 at once for every compression and encryption, and leaves no pg_restore
 * behind. The gzip stage used to wait for ever for the rest of an input that had failed its checksum (a byte of
 * the gzip header's mtime, which gunzip ignores, or the last chunk of an encrypted file), and pg_restore with it.
 * A client that goes away mid-verify stops pg_restore too, and records no verdict.
 */
describe('Verify cannot hang', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let worker: ServiceProcess;
  let client: ApiClient;
  let source: string;

  beforeAll(async () => {
    ({ env, api, worker, client } = await startStack());
    source = await chinookDatabase(env, 'verify_hang');
  });

  afterAll(() => stopStack({ env, api, worker }));

  async function backupWith(compression: string, encrypted: boolean): Promise<any> {
    const name = `verify-${compression}-${encrypted ? 'enc' : 'plain'}-${Math.random().toString(36).slice(2, 8)}`;
    const registered = await client.post('/databases', postgresRegistration(name, source, { compression, encrypted }));
    expect(registered.status).toBe(201);
    const backup = await client.backupAndWait(registered.body.databaseId);
    expect(backup.status).toBe('success');
    return backup;
  }

  async function flipByte(file: string, position: number): Promise<void> {
    const handle = await open(file, 'r+');
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, position);
    byte[0] = byte[0]! ^ 0x01;
    await handle.write(byte, 0, 1, position);
    await handle.close();
  }

  /** The restore tools the service runs: a worker's since verify is a job (the API's too, should it start one). */
  async function restoreTools(): Promise<string[]> {
    const processes = [...(await descendantsOf(api.pid)), ...(await descendantsOf(worker.pid))];
    return processes.filter((p) => p.command === 'pg_restore').map((p) => String(p.pid));
  }

  const positions = {
    /** Byte 4 of a gzip file is its mtime: gunzip ignores it, only the checksum tells. */
    'gzip header mtime': (size: number) => (size > 0 ? 4 : 0),
    middle: (size: number) => Math.floor(size / 2),
    'last byte': (size: number) => size - 1,
  };

  const cases: Array<[string, boolean, keyof typeof positions]> = [
    ['gzip', false, 'gzip header mtime'],
    ['gzip', false, 'middle'],
    ['gzip', false, 'last byte'],
    ['gzip', true, 'last byte'],
    ['zstd', false, 'middle'],
    ['zstd', true, 'last byte'],
    ['none', false, 'middle'],
    ['none', true, 'last byte'],
  ];
  // Encrypted files are flipped in their final chunk: a flip in an earlier chunk fails its authentication first,
  // with a message of its own.

  it.each(cases)('%s, encrypted %s, one byte flipped (%s): 422 within seconds, no pg_restore left', async (compression, encrypted, where) => {
    const backup = await backupWith(compression, encrypted);
    await flipByte(backup.fileLocation, positions[where](backup.sizeBytes));
    const started = Date.now();
    const verified = await client.post(`/backups/${backup.backupId}/verify`);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(verified.status).toBe(422);
    expect(verified.body).toEqual({ error: CHECKSUM_FAILURE });
    expect((await client.get(`/backups/${backup.backupId}`)).body).toMatchObject({
      verificationStatus: 'failed',
      verificationError: 'Backup file checksum does not match the record (altered)',
    });
    await waitFor(async () => ((await restoreTools()).length === 0 ? true : undefined), 5_000);
  });

  it('a client that goes away mid-verify: pg_restore is stopped at once and no verdict is recorded', async () => {
    const backup = await backupWith('gzip', false);
    const original = await readFile(backup.fileLocation);
    // The stored file becomes a FIFO fed by the test: half of the file, then nothing, as from a stalled disk.
    await rm(backup.fileLocation);
    await runTool('mkfifo', ['-m', '600', backup.fileLocation]);
    await withClient(env.metadataDatabase, (c) => c.query('UPDATE backups SET size_bytes = 0 WHERE id = $1', [backup.backupId]));
    const fifo = await open(backup.fileLocation, constants.O_RDWR);
    try {
      // More than a pipe holds: the write ends once the API has read it all.
      const written = fifo.write(original.subarray(0, Math.floor(original.length / 2)));
      const controller = new AbortController();
      const verifying = fetch(`${api.url}/backups/${backup.backupId}/verify`, {
        method: 'POST',
        headers: bearer(api),
        signal: controller.signal,
      }).catch((error: Error) => error.name);
      const tools = await waitFor(async () => {
        const found = await restoreTools();
        return found.length ? found : undefined;
      }, 30_000);
      expect(tools).toHaveLength(1);
      // The API only queued the verification: the tool runs under the worker.
      expect((await descendantsOf(api.pid)).filter((p) => p.command === 'pg_restore')).toEqual([]);
      await written;

      controller.abort();
      expect(await verifying).toBe('AbortError');
      const stopped = Date.now();
      await waitFor(async () => ((await restoreTools()).length === 0 ? true : undefined), 10_000);
      expect(Date.now() - stopped).toBeLessThan(7_000);
      expect((await client.get(`/backups/${backup.backupId}`)).body).toMatchObject({ verificationStatus: null, verifiedAt: null });
    } finally {
      await fifo.close();
    }
  });
});
