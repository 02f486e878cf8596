import { createHash } from 'node:crypto';
import { ApiClient, bearer } from './support/api-client.js';
import { createLockableDatabase, withClient } from './support/postgres.js';
import { MYSQL_HOST, MYSQL_PORT, MYSQL_USER } from './support/mysql.js';
import { type ApiProcess, type ServiceProcess } from './support/service-processes.js';
import { ownedDatabase, startStack, stopStack } from './support/stack.js';
import { postgresRegistration, type TestEnv } from './support/test-env.js';

const CONFIRM_NEEDED = { error: 'Restoring into the source database replaces its contents: send "confirm": true' };
const RESTORE_BUSY = { error: 'A restore into this database is already queued or running' };

/**
 * A backup belongs to itself: it records its engine and file settings when requested, stays usable after its
 * registration is deleted, and restores identify their target physically (host, port, database), not by registration.
 */
describe('Backups that outlive their registration, and physical restore targets', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let worker: ServiceProcess;
  let client: ApiClient;
  let source: string;
  let target: string;
  let targetId: string;
  let mariadbId: string;

  const metadata = <T = any>(sql: string, parameters: unknown[] = []) =>
    withClient(env.metadataDatabase, async (c) => (await c.query(sql, parameters)).rows as T[]);
  const rowCount = (database: string) => withClient(database, async (c) => (await c.query('SELECT count(*)::int AS n FROM t')).rows[0].n);
  const register = async (name: string, database: string, overrides: Record<string, unknown> = {}) => {
    const response = await client.post('/databases', postgresRegistration(name, database, overrides));
    if (response.status !== 201) throw new Error(`Registration of ${name} failed: ${response.text}`);
    return response.body.databaseId as string;
  };

  beforeAll(async () => {
    ({ env, api, worker, client } = await startStack());
    source = await ownedDatabase(env, 'outlive_src', createLockableDatabase);
    target = await ownedDatabase(env, 'outlive_dst');
    targetId = await register('target', target);
    mariadbId = (
      await client.post('/databases', {
        name: 'mariadb',
        engine: 'mariadb',
        host: MYSQL_HOST,
        port: MYSQL_PORT,
        database: `outlive_${env.id}`,
        username: MYSQL_USER,
        password: 'x',
      })
    ).body.databaseId;
  });

  afterAll(() => stopStack({ env, api, worker }));

  it('keeps every backup endpoint working after DELETE /databases/:id, restoring into another registration', async () => {
    const sourceId = await register('doomed', source);
    const backup = await client.backupAndWait(sourceId);
    expect(backup.status).toBe('success');
    expect((await client.delete(`/databases/${sourceId}`)).status).toBe(204);
    expect((await client.get(`/databases/${sourceId}`)).status).toBe(404);

    const details = await client.get(`/backups/${backup.backupId}`);
    expect(details.status).toBe(200);
    expect(details.body).toMatchObject({
      backupId: backup.backupId,
      databaseId: sourceId,
      databaseName: 'doomed',
      status: 'success',
      engine: 'postgres',
      checksum: backup.checksum,
    });

    const download = await fetch(`${api.url}/backups/${backup.backupId}/download`, { headers: bearer(api) });
    expect(download.status).toBe(200);
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(bytes.length).toBe(backup.sizeBytes);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(backup.checksum);

    const verified = await client.post(`/backups/${backup.backupId}/verify`);
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ backupId: backup.backupId, verificationStatus: 'passed', verificationError: null });

    // Its own registration is gone: a target must be named, of the same engine family.
    const noTarget = await client.post(`/backups/${backup.backupId}/restore`, {});
    expect([noTarget.status, noTarget.body]).toEqual([
      404,
      { error: `Target database not found: the backup's source database (ID ${backup.databaseId}) is no longer registered; name another one in targetDatabaseId` },
    ]);
    const otherFamily = await client.post(`/backups/${backup.backupId}/restore`, { targetDatabaseId: mariadbId });
    expect([otherFamily.status, otherFamily.body]).toEqual([422, { error: 'Cannot restore a postgres backup into a mariadb database' }]);

    const restore = await client.restoreAndWait(backup.backupId, { targetDatabaseId: targetId });
    expect([restore.status, restore.error]).toEqual(['success', null]);
    expect(await rowCount(target)).toBe(1000);
  });

  it('records engine, compression, encryption and storage target on a backup that fails before any file', async () => {
    const missingId = await register('settings', `missing_${env.id}`, { compression: 'gzip', encrypted: true });
    const failed = await client.backupAndWait(missingId);
    expect(failed).toMatchObject({
      status: 'failed',
      engine: 'postgres',
      compression: 'gzip',
      encrypted: true,
      storageTargetId: null,
      fileLocation: null,
    });
    expect(failed.error).toMatch(/does not exist/);
  });

  it("refuses an engine change while the database has backups (409), allows it when it has none", async () => {
    const withBackups = await register('engine_locked', source);
    expect((await client.backupAndWait(withBackups)).status).toBe('success');
    const refused = await client.patch(`/databases/${withBackups}`, { engine: 'mariadb', port: MYSQL_PORT });
    expect([refused.status, refused.body]).toEqual([
      409,
      { error: 'This database has postgres backups, so its engine cannot change; register the other engine as a new database' },
    ]);
    expect((await client.get(`/databases/${withBackups}`)).body.engine).toBe('postgres');
    // Unchanged engine in the body is no change.
    expect((await client.patch(`/databases/${withBackups}`, { engine: 'postgres' })).status).toBe(200);

    const withoutBackups = await register('engine_free', source);
    const changed = await client.patch(`/databases/${withoutBackups}`, { engine: 'mariadb', port: MYSQL_PORT });
    expect([changed.status, changed.body.engine]).toEqual([200, 'mariadb']);
  });

  it("verifies and restores a backup as its own engine, even if its registration's engine was changed before this rule", async () => {
    const ownId = await register('own_engine', source);
    const backup = await client.backupAndWait(ownId);
    expect(backup.status).toBe('success');
    // What PATCH allowed before: the registration now says mariadb, the file is a PostgreSQL archive.
    await metadata("UPDATE databases SET engine = 'mariadb', port = $2 WHERE id = $1", [ownId, MYSQL_PORT]);

    const verified = await client.post(`/backups/${backup.backupId}/verify`);
    expect([verified.status, verified.body.verificationStatus, verified.body.engine]).toEqual([200, 'passed', 'postgres']);
    await withClient(target, (c) => c.query('DROP TABLE IF EXISTS t'));
    const restore = await client.restoreAndWait(backup.backupId, { targetDatabaseId: targetId });
    expect([restore.status, restore.error]).toEqual(['success', null]);
    expect(await rowCount(target)).toBe(1000);
  });

  describe('with no worker running (restores stay queued)', () => {
    let backupId: string;
    let sourceId: string;

    beforeAll(async () => {
      sourceId = await register('physical_src', source);
      backupId = (await client.backupAndWait(sourceId)).backupId;
      await worker.stop();
    });

    it('refuses DELETE /databases/:id while a restore into it is queued (409)', async () => {
      const queued = await client.post(`/backups/${backupId}/restore`, { targetDatabaseId: targetId });
      expect(queued.status).toBe(202);
      const refused = await client.delete(`/databases/${targetId}`);
      expect([refused.status, refused.body]).toEqual([
        409,
        { error: 'A restore into this database is queued or running; delete it once it finishes' },
      ]);
      expect((await client.get(`/databases/${targetId}`)).status).toBe(200);
    });

    it('allows one unfinished restore per physical database, whichever registration names it', async () => {
      // "localhost" resolves to the address the target's registration names: the same database.
      const aliasId = await register('target_alias', target, { host: 'localhost' });
      const second = await client.post(`/backups/${backupId}/restore`, { targetDatabaseId: aliasId });
      expect([second.status, second.body]).toEqual([409, RESTORE_BUSY]);
    });

    it('needs confirm to restore into the source database through another registration of it', async () => {
      const aliasId = await register('source_alias', source, { host: 'localhost' });
      const unconfirmed = await client.post(`/backups/${backupId}/restore`, { targetDatabaseId: aliasId });
      expect([unconfirmed.status, unconfirmed.body]).toEqual([400, CONFIRM_NEEDED]);
      const confirmed = await client.post(`/backups/${backupId}/restore`, { targetDatabaseId: aliasId, confirm: true });
      expect(confirmed.status).toBe(202);
      const [row] = await metadata('SELECT target_key FROM restores WHERE id = $1', [confirmed.body.restoreId]);
      expect(row.target_key).toBe(`127.0.0.1:${postgresRegistration('', '').port}/${source}`);
    });
  });
});
