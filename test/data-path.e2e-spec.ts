import { createHash } from 'node:crypto';
import { open, readFile, truncate } from 'node:fs/promises';
import pg from 'pg';
import { ApiClient, bearer } from './support/api-client.js';
import {
  createMysqlDatabase,
  dropMysqlDatabase,
  loadChinookMysql,
  mysqlQuery,
  mysqlTableFingerprints,
} from './support/mysql.js';
import { createDatabase, loadChinook, tableFingerprints, withClient } from './support/postgres.js';
import { startS3Server } from './support/s3-server.js';
import { type ApiProcess, type ServiceProcess } from './support/service-processes.js';
import { startStack, stopStack } from './support/stack.js';
import { PG_HOST, PG_PORT, PG_USER, type TestEnv } from './support/test-env.js';

type S3 = Awaited<ReturnType<typeof startS3Server>>;
type Engine = 'postgres' | 'mysql';

/** Every round trip goes backup → verify → download → restore into another registered database → compare. */
describe('Data path: both engines, local and S3 storage, with and without encryption', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let worker: ServiceProcess;
  let client: ApiClient;
  let s3: S3;
  let s3TargetId: string;
  const mysqlDatabases: string[] = [];
  let serial = 0;

  beforeAll(async () => {
    ({ env, api, worker, client } = await startStack());
    s3 = await startS3Server();
    const target = await client.post('/storage-targets', {
      name: 'test-s3',
      kind: 's3',
      bucket: s3.bucket,
      endpoint: s3.endpoint,
      forcePathStyle: true,
      prefix: 'backups/',
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
    });
    expect(target.status).toBe(201);
    expect(Object.keys(target.body)).not.toContain('secretAccessKey');
    const stored = await withClient(env.metadataDatabase, (c) => c.query('SELECT secret_encrypted FROM storage_targets'));
    expect(stored.rows[0].secret_encrypted).toMatch(/^v1:/);
    s3TargetId = target.body.storageTargetId;
    expect((await client.post(`/storage-targets/${s3TargetId}/test`)).body).toEqual({ ok: true });
  });

  afterAll(async () => {
    await stopStack({ env, api, worker });
    await s3?.stop();
    for (const name of mysqlDatabases) await dropMysqlDatabase(name).catch(() => undefined);
  });

  async function makeDatabase(engine: Engine, name: string, load: boolean): Promise<string> {
    if (engine === 'postgres') {
      env.ownedDatabases.push(name);
      await createDatabase(name);
      if (load) await loadChinook(name);
    } else {
      mysqlDatabases.push(name);
      await createMysqlDatabase(name);
      if (load) await loadChinookMysql(name);
    }
    return name;
  }

  async function register(engine: Engine, database: string, settings: Record<string, unknown>): Promise<string> {
    const mysql = engine === 'mysql';
    const response = await client.post('/databases', {
      name: `db-${++serial}-${database}`.slice(0, 100),
      engine: mysql ? 'mariadb' : 'postgres',
      host: mysql ? '127.0.0.1' : PG_HOST,
      port: mysql ? 3306 : PG_PORT,
      database,
      username: mysql ? 'root' : PG_USER,
      password: '',
      ...settings,
    });
    expect(response.status).toBe(201);
    return response.body.databaseId;
  }

  function fingerprints(engine: Engine, database: string) {
    return engine === 'postgres' ? tableFingerprints(database) : mysqlTableFingerprints(database);
  }

  async function backup(databaseId: string): Promise<any> {
    const triggered = await client.post('/backups', { databaseId });
    expect(triggered.status).toBe(202);
    const done = await client.waitForBackup(triggered.body.backupId);
    expect(done).toMatchObject({ status: 'success', error: null });
    return done;
  }

  async function restore(backupId: string, targetDatabaseId: string, extra: Record<string, unknown> = {}): Promise<any> {
    const response = await client.post(`/backups/${backupId}/restore`, { targetDatabaseId, ...extra });
    expect(response.status).toBe(202);
    expect(response.headers.get('location')).toBe(`/restores/${response.body.restoreId}`);
    return client.waitFor(`/restores/${response.body.restoreId}`, 120_000);
  }

  const matrix: Array<{ engine: Engine; storage: 'local' | 's3'; compression: string; encrypted: boolean }> = [
    { engine: 'postgres', storage: 'local', compression: 'zstd', encrypted: false },
    { engine: 'postgres', storage: 'local', compression: 'gzip', encrypted: true },
    { engine: 'postgres', storage: 's3', compression: 'zstd', encrypted: true },
    { engine: 'postgres', storage: 's3', compression: 'none', encrypted: false },
    { engine: 'mysql', storage: 'local', compression: 'zstd', encrypted: false },
    { engine: 'mysql', storage: 'local', compression: 'zstd', encrypted: true },
    { engine: 'mysql', storage: 's3', compression: 'gzip', encrypted: true },
    { engine: 'mysql', storage: 's3', compression: 'zstd', encrypted: false },
  ];

  it.each(matrix)('$engine, $storage storage, $compression, encrypted=$encrypted: restores an identical copy', async (row) => {
    const source = await makeDatabase(row.engine, `dp_src_${env.id}_${++serial}`, true);
    const copy = await makeDatabase(row.engine, `dp_copy_${env.id}_${++serial}`, false);
    const settings = { compression: row.compression, encrypted: row.encrypted, storageTargetId: row.storage === 's3' ? s3TargetId : null };
    const sourceId = await register(row.engine, source, settings);
    const copyId = await register(row.engine, copy, {});

    const done = await backup(sourceId);
    expect(done).toMatchObject({ compression: row.compression, encrypted: row.encrypted, storageTargetId: settings.storageTargetId });
    const suffix = `.${row.engine === 'postgres' ? 'dump' : 'sql'}${{ zstd: '.zst', gzip: '.gz', none: '' }[row.compression]}${row.encrypted ? '.enc' : ''}`;
    expect(done.fileLocation.endsWith(suffix)).toBe(true);
    expect(done.fileLocation.startsWith(row.storage === 's3' ? `s3://${s3.bucket}/backups/db-${sourceId}/` : env.storageDir)).toBe(true);

    const download = await fetch(`${api.url}/backups/${done.backupId}/download`, { headers: bearer(api) });
    expect(download.status).toBe(200);
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(bytes.length).toBe(done.sizeBytes);
    expect(download.headers.get('content-length')).toBe(String(done.sizeBytes));
    expect(download.headers.get('x-checksum-sha256')).toBe(done.checksum);
    expect(download.headers.get('content-disposition')).toMatch(/^attachment; filename=".+"$/);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(done.checksum);

    const verified = await client.post(`/backups/${done.backupId}/verify`);
    expect({ status: verified.status, error: verified.body.error }).toEqual({ status: 200, error: null });
    expect(verified.body).toMatchObject({ verificationStatus: 'passed', verificationError: null, verifiedAt: expect.stringMatching(/Z$/) });

    const restored = await restore(done.backupId, copyId);
    expect(restored).toMatchObject({ status: 'success', error: null, backupId: done.backupId, targetDatabaseId: copyId });
    const [original, result] = await Promise.all([fingerprints(row.engine, source), fingerprints(row.engine, copy)]);
    expect(Object.keys(original).length).toBe(11);
    expect(result).toEqual(original);
  });

  it.each<Engine>(['postgres', 'mysql'])('%s: names with spaces, quotes, capitals and non-ASCII characters round-trip', async (engine) => {
    const source = await makeDatabase(engine, `Chïnook "Quoted" 'db' ${env.id}`, false);
    const copy = await makeDatabase(engine, `Copy Ünï "Q" ${env.id}`, false);
    const rows = [
      [1, 'plain'],
      [2, 'Ünïcödé ✓ 日本語'],
      [3, `it's "quoted" \\ back\\slash`],
    ];
    if (engine === 'postgres') {
      await withClient(source, async (c) => {
        await c.query(`CREATE TABLE ${pg.escapeIdentifier('Mixed Case "Quoted" Täble')} (id int PRIMARY KEY, "Välue Col" text)`);
        for (const [id, value] of rows) await c.query(`INSERT INTO ${pg.escapeIdentifier('Mixed Case "Quoted" Täble')} VALUES ($1, $2)`, [id, value]);
      });
    } else {
      await mysqlQuery(source, 'CREATE TABLE `Mixed Case "Quoted" Täble` (id int PRIMARY KEY, `Välue Col` text) DEFAULT CHARSET=utf8mb4');
      for (const [id, value] of rows) {
        await mysqlQuery(source, `INSERT INTO \`Mixed Case "Quoted" Täble\` VALUES (${id}, '${String(value).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}')`);
      }
    }
    const sourceId = await register(engine, source, { encrypted: true });
    const copyId = await register(engine, copy, {});
    const done = await backup(sourceId);
    expect((await restore(done.backupId, copyId)).status).toBe('success');
    const [original, result] = await Promise.all([fingerprints(engine, source), fingerprints(engine, copy)]);
    expect(Object.keys(original)).toEqual(['Mixed Case "Quoted" Täble']);
    expect(original['Mixed Case "Quoted" Täble']!.rows).toBe(3);
    expect(result).toEqual(original);
  });

  describe('a tampered or truncated file is refused', () => {
    let sourceId: string;
    let copyId: string;
    let copy: string;

    beforeAll(async () => {
      const source = await makeDatabase('postgres', `dp_tamper_src_${env.id}`, true);
      copy = await makeDatabase('postgres', `dp_tamper_copy_${env.id}`, false);
      await withClient(copy, (c) => c.query('CREATE TABLE sentinel (id int); INSERT INTO sentinel VALUES (42)'));
      sourceId = await register('postgres', source, { encrypted: false });
      copyId = await register('postgres', copy, {});
    });

    async function expectRefused(backupId: string, reason: RegExp) {
      const verified = await client.post(`/backups/${backupId}/verify`);
      expect(verified.status).toBe(422);
      expect(verified.body.error).toMatch(reason);
      const details = (await client.get(`/backups/${backupId}`)).body;
      expect(details).toMatchObject({ verificationStatus: 'failed', verificationError: expect.stringMatching(reason) });
      const restored = await restore(backupId, copyId);
      expect(restored.status).toBe('failed');
      expect(restored.error).toMatch(/^Backup file failed verification: /);
      // Nothing was written to the target: its own table is still there, no Chinook table arrived.
      expect(Object.keys(await tableFingerprints(copy))).toEqual(['sentinel']);
    }

    it('one flipped byte: verify answers 422, restore fails before touching the target, download is cut', async () => {
      const done = await backup(sourceId);
      const file = await open(done.fileLocation, 'r+');
      const middle = Math.floor(done.sizeBytes / 2);
      const byte = Buffer.alloc(1);
      await file.read(byte, 0, 1, middle);
      byte[0] = byte[0]! ^ 0xff;
      await file.write(byte, 0, 1, middle);
      await file.close();
      await expectRefused(done.backupId, /checksum does not match/);
      await expect(fetch(`${api.url}/backups/${done.backupId}/download`, { headers: bearer(api) }).then((r) => r.arrayBuffer())).rejects.toThrow();
    });

    it('a truncated file: verify answers 422, restore fails, download answers 409', async () => {
      const done = await backup(sourceId);
      await truncate(done.fileLocation, done.sizeBytes - 100);
      await expectRefused(done.backupId, /truncated or altered/);
      const download = await client.get(`/backups/${done.backupId}/download`);
      expect(download.status).toBe(409);
      expect(download.body.error).toMatch(/^Backup file failed verification: /);
    });

    it('an encrypted file tampered on S3 is refused too', async () => {
      const encryptedId = await register('postgres', `dp_tamper_src_${env.id}`, { encrypted: true, storageTargetId: s3TargetId });
      const done = await backup(encryptedId);
      const key = done.fileLocation.replace(`s3://${s3.bucket}/`, '');
      const original = await s3.getObject(key);
      original[original.length - 5] = original[original.length - 5]! ^ 0x01;
      await s3.putObject(key, original);
      await expectRefused(done.backupId, /checksum does not match/);
    });
  });

  describe('restore rules', () => {
    let sourceId: string;
    let done: any;

    beforeAll(async () => {
      const source = await makeDatabase('postgres', `dp_rules_${env.id}`, true);
      sourceId = await register('postgres', source, {});
      done = await backup(sourceId);
    });

    it('restoring into the source database needs "confirm": true (400), then succeeds', async () => {
      const refused = await client.post(`/backups/${done.backupId}/restore`, {});
      expect(refused.status).toBe(400);
      expect(refused.body).toEqual({ error: 'Restoring into the source database replaces its contents: send "confirm": true' });
      expect((await restore(done.backupId, sourceId, { confirm: true })).status).toBe('success');
    });

    it('refuses a PostgreSQL backup into a MySQL database (422) and unknown backups/targets (404)', async () => {
      const mysqlId = await register('mysql', await makeDatabase('mysql', `dp_rules_my_${env.id}`, false), {});
      const mismatch = await client.post(`/backups/${done.backupId}/restore`, { targetDatabaseId: mysqlId });
      expect(mismatch.status).toBe(422);
      expect(mismatch.body).toEqual({ error: 'Cannot restore a postgres backup into a mariadb database' });
      expect((await client.post('/backups/999999/restore', {})).body).toEqual({ error: 'Backup not found' });
      expect((await client.post(`/backups/${done.backupId}/restore`, { targetDatabaseId: '999999' })).body).toEqual({
        error: 'Target database not found: no registered database has ID 999999',
      });
      expect((await client.get('/restores/999999')).body).toEqual({ error: 'Restore not found' });
    });

    it('lists restores newest first', async () => {
      const list = await client.get('/restores');
      expect(list.status).toBe(200);
      const ids = list.body.map((r: any) => Number(r.restoreId));
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
    });

    it('a backup without a file cannot be downloaded, verified or restored (409)', async () => {
      const missing = await register('postgres', `no_such_db_${env.id}`, {});
      const triggered = await client.post('/backups', { databaseId: missing });
      const failed = await client.waitForBackup(triggered.body.backupId);
      expect(failed.status).toBe('failed');
      for (const response of [
        await client.get(`/backups/${failed.backupId}/download`),
        await client.post(`/backups/${failed.backupId}/verify`),
        await client.post(`/backups/${failed.backupId}/restore`, { confirm: true }),
      ]) {
        expect(response.status).toBe(409);
      }
    });
  });

  it('deletes a backup stored on S3 from the bucket', async () => {
    const source = await makeDatabase('postgres', `dp_delete_${env.id}`, true);
    const done = await backup(await register('postgres', source, { storageTargetId: s3TargetId }));
    const key = done.fileLocation.replace(`s3://${s3.bucket}/`, '');
    expect((await s3.getObject(key)).length).toBe(done.sizeBytes);
    expect((await client.delete(`/backups/${done.backupId}`)).status).toBe(204);
    await expect(s3.getObject(key)).rejects.toThrow();
  });

  it('stores files that the offline tools can read: zstd -d | pg_restore --list', async () => {
    const source = await makeDatabase('postgres', `dp_offline_${env.id}`, true);
    const done = await backup(await register('postgres', source, { compression: 'zstd' }));
    const { execFileSync } = await import('node:child_process');
    const plainFile = `${env.storageDir}/offline.dump`;
    execFileSync('zstd', ['-d', '-q', '-o', plainFile, done.fileLocation]);
    const listing = execFileSync('pg_restore', ['--list', plainFile]).toString();
    expect(listing).toContain('TABLE DATA public track');
    expect((await readFile(done.fileLocation)).subarray(0, 4)).toEqual(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]));
  });
});
