import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { ApiClient } from './support/api-client.js';
import { createDatabase, pgRestore, tableFingerprints } from './support/postgres.js';
import { type ApiProcess, type ServiceProcess } from './support/service-processes.js';
import { chinookDatabase, startStack, stopStack } from './support/stack.js';
import { postgresRegistration, type TestEnv } from './support/test-env.js';

const CHINOOK_TABLES = [
  'album', 'artist', 'customer', 'employee', 'genre', 'invoice', 'invoice_line',
  'media_type', 'playlist', 'playlist_track', 'track',
];

/** Files in the storage directory, relative, recursively. */
async function storedFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(root, path.join(e.parentPath, e.name))).sort();
}

describe('Backing up a real PostgreSQL database end to end', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let worker: ServiceProcess;
  let client: ApiClient;
  let source: string;
  let databaseId: string;

  beforeAll(async () => {
    ({ env, api, worker, client } = await startStack());
    source = await chinookDatabase(env, 'chinook_src');
    const created = await client.post('/databases', postgresRegistration('chinook', source));
    expect(created.status).toBe(201);
    databaseId = created.body.databaseId;
  });

  afterAll(() => stopStack({ env, api, worker }));

  let backup: any;

  it('triggers a backup with the exact 202 message of the spec', async () => {
    const response = await client.post('/backups', { databaseId });
    expect(response.status).toBe(202);
    expect(response.body).toEqual({
      message: `Backup triggered for database ID ${databaseId}`,
      backupId: expect.stringMatching(/^\d+$/),
      status: 'queued',
    });
    expect(response.headers.get('location')).toBe(`/backups/${response.body.backupId}`);
    const started = Date.now();
    const waited = await client.get(`/backups/${response.body.backupId}?waitSeconds=60`);
    expect(waited.status).toBe(200);
    expect(waited.body.status).toBe('success');
    // Woken by the worker's notification, not by the 60 s timeout.
    expect(Date.now() - started).toBeLessThan(30_000);
    backup = waited.body;
  });

  it('refuses a wait longer than 60 s (400)', async () => {
    const response = await client.get(`/backups/${backup.backupId}?waitSeconds=61`);
    expect(response.status).toBe(400);
    expect(response.body.details).toEqual([{ field: 'waitSeconds', messages: ['waitSeconds must not be greater than 60'] }]);
  });

  it('ends in success with a complete, checksummed file', async () => {
    expect(backup).toEqual({
      backupId: expect.any(String),
      databaseId,
      databaseName: 'chinook',
      status: 'success',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      fileLocation: expect.stringMatching(new RegExp(`^${env.storageDir}/db-${databaseId}/.+\\.dump\\.zst$`)),
      sizeBytes: expect.any(Number),
      checksum: expect.stringMatching(/^[0-9a-f]{64}$/),
      trigger: 'manual',
      scheduleId: null,
      scheduledFor: null,
      startedAt: expect.stringMatching(/Z$/),
      finishedAt: expect.stringMatching(/Z$/),
      error: null,
      serverVersion: expect.stringMatching(/^\d+\.\d+/),
      toolVersion: expect.stringMatching(/^pg_dump \d+\.\d+/),
      engine: 'postgres',
      compression: 'zstd',
      encrypted: false,
      storageTargetId: null,
      verificationStatus: null,
      verifiedAt: null,
      verificationError: null,
      progress: null,
      warnings: [],
      manifest: {
        consistency: 'snapshot',
        objects: { constraint: 22, extension: 1, index: 22, schema: 1, table: 11 },
        sequences: {},
        tables: {
          'public.album': 347,
          'public.artist': 275,
          'public.customer': 59,
          'public.employee': 8,
          'public.genre': 25,
          'public.invoice': 412,
          'public.invoice_line': 2240,
          'public.media_type': 5,
          'public.playlist': 18,
          'public.playlist_track': 8715,
          'public.track': 3503,
        },
      },
    });
    const file = await readFile(backup.fileLocation);
    expect(file.length).toBe(backup.sizeBytes);
    expect(createHash('sha256').update(file).digest('hex')).toBe(backup.checksum);
    // zstd frame magic: the default compression.
    expect(file.subarray(0, 4)).toEqual(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]));
    expect((await storedFiles(env.storageDir)).filter((name) => name.endsWith('.partial'))).toEqual([]);
  });

  it('restores with pg_restore into an identical copy of every table', async () => {
    const copy = `chinook_copy_${env.id}`;
    env.ownedDatabases.push(copy);
    await createDatabase(copy);
    await pgRestore(backup.fileLocation, copy);
    const [original, restored] = await Promise.all([tableFingerprints(source), tableFingerprints(copy)]);
    expect(Object.keys(original)).toEqual(CHINOOK_TABLES);
    expect(original.track!.rows).toBe(3503);
    expect(restored).toEqual(original);
  });

  it('lists backups newest first with exactly the fields of the spec', async () => {
    const second = await client.post('/backups', { databaseId: Number(databaseId) });
    expect(second.status).toBe(202);
    await client.waitForBackup(second.body.backupId);
    const list = await client.get('/backups');
    expect(list.status).toBe(200);
    expect(list.body.map((b: any) => b.backupId)).toEqual([second.body.backupId, backup.backupId]);
    expect(list.body[1]).toEqual({
      backupId: backup.backupId,
      databaseId,
      databaseName: 'chinook',
      status: 'success',
      timestamp: backup.timestamp,
      trigger: 'manual',
    });
  });

  it('deletes a backup and its file (204, then 404)', async () => {
    const deleted = await client.delete(`/backups/${backup.backupId}`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expect(existsSync(backup.fileLocation)).toBe(false);
    const again = await client.get(`/backups/${backup.backupId}`);
    expect(again.status).toBe(404);
    expect(again.body).toEqual({ error: 'Backup not found' });
    const twice = await client.delete(`/backups/${backup.backupId}`);
    expect(twice.status).toBe(404);
    expect(twice.body).toEqual({ error: 'Backup not found' });
  });

  it('fails a backup of a database that does not exist, with the reason and without a file', async () => {
    const created = await client.post('/databases', postgresRegistration('missing', `missing_${env.id}`));
    const filesBefore = await storedFiles(env.storageDir);
    const triggered = await client.post('/backups', { databaseId: created.body.databaseId });
    const failed = await client.waitForBackup(triggered.body.backupId);
    expect(failed.status).toBe('failed');
    expect(failed.error).toBe(`Cannot connect to PostgreSQL: database "missing_${env.id}" does not exist`);
    expect(failed.fileLocation).toBeNull();
    expect(failed.checksum).toBeNull();
    expect(await storedFiles(env.storageDir)).toEqual(filesBefore);
  });
});
