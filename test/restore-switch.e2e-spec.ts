import { readFile, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { ApiClient } from './support/api-client.js';
import { connect, loadChinook, tableFingerprints, withClient } from './support/postgres.js';
import { type ApiProcess, type ServiceProcess } from './support/service-processes.js';
import { ownedDatabase, startStack, stopStack } from './support/stack.js';
import { postgresRegistration, restoreDatabasesOf, type TestEnv } from './support/test-env.js';

/**
 * The restore path's promises, engine-neutral parts, on PostgreSQL: the copy is made in a fresh database, checked
 * against the backup's manifest, and only then switched in; the target's previous content goes aside; every
 * failure leaves the target as it was.
 */
describe('Restores: fresh database, manifest check, switch, aside', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let worker: ServiceProcess;
  let client: ApiClient;
  let serial = 0;

  beforeAll(async () => {
    ({ env, api, worker, client } = await startStack());
  });

  afterAll(() => stopStack({ env, api, worker }));

  async function chinookDatabase(label: string): Promise<{ name: string; id: string }> {
    const name = await ownedDatabase(env, `rs_${label}`);
    await loadChinook(name);
    const registered = await client.post('/databases', postgresRegistration(`rs-${++serial}-${label}`, name));
    expect(registered.status).toBe(201);
    return { name, id: registered.body.databaseId };
  }

  async function emptyTarget(label: string): Promise<{ name: string; id: string }> {
    const name = await ownedDatabase(env, `rs_${label}`);
    const registered = await client.post('/databases', postgresRegistration(`rs-${++serial}-${label}`, name));
    return { name, id: registered.body.databaseId };
  }

  async function backup(databaseId: string): Promise<any> {
    const done = await client.backupAndWait(databaseId);
    expect(done).toMatchObject({ status: 'success', error: null });
    return done;
  }

  const restore = (backupId: string, body: Record<string, unknown>) => client.restoreAndWait(backupId, body);

  async function databaseExists(name: string): Promise<boolean> {
    const { rows } = await withClient('postgres', (c) => c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]));
    return rows.length === 1;
  }

  async function serviceDatabasesOf(restoreId: string): Promise<string[]> {
    const { fresh, aside } = await restoreDatabasesOf(env, restoreId);
    return [...aside, ...fresh];
  }

  async function rowCounts(database: string): Promise<Record<string, number>> {
    return withClient(database, async (c) => {
      const { rows: tables } = await c.query<{ name: string }>(
        "SELECT schemaname || '.' || relname AS name FROM pg_stat_user_tables ORDER BY 1",
      );
      const counts: Record<string, number> = {};
      for (const { name } of tables) {
        const [schema, table] = name.split('.');
        const { rows } = await c.query(`SELECT count(*)::int AS n FROM ${pg.escapeIdentifier(schema!)}.${pg.escapeIdentifier(table!)}`);
        counts[name] = rows[0].n;
      }
      return counts;
    });
  }

  it("records a manifest with every table's exact row count, and no warnings for Chinook", async () => {
    const source = await chinookDatabase('manifest');
    const done = await backup(source.id);
    expect(done.warnings).toEqual([]);
    expect(done.manifest.consistency).toBe('snapshot');
    expect(done.manifest.tables).toEqual(await rowCounts(source.name));
    expect(done.manifest.objects.table).toBe(11);
    const row = await withClient(env.metadataDatabase, (c) => c.query('SELECT catalog_key, catalog_checksum FROM backups WHERE id = $1', [done.backupId]));
    const sidecar = await readFile(path.join(env.storageDir, row.rows[0].catalog_key));
    expect(createHash('sha256').update(sidecar).digest('hex')).toBe(row.rows[0].catalog_checksum);
    expect(JSON.parse(sidecar.toString()).manifest).toEqual(done.manifest);
  });

  it('in place: the copy replaces the target whole (leftovers gone), the previous content is kept aside, then dropped on request', async () => {
    const source = await chinookDatabase('inplace');
    const done = await backup(source.id);
    const original = await tableFingerprints(source.name);
    await withClient(source.name, async (c) => {
      await c.query('CREATE TABLE leftover (id int)');
      await c.query('DELETE FROM playlist_track WHERE playlist_id = 1');
    });

    const restored = await restore(done.backupId, { confirm: true });
    expect(restored).toMatchObject({ status: 'success', error: null, asideDatabase: expect.stringMatching(/^dbbackup_aside_\d+_[0-9a-z]+$/) });
    expect(restored.verification).toMatchObject({ status: 'passed', tables: 11, differences: [], consistency: 'snapshot' });
    expect(restored.verification.rows).toBe(Object.values(done.manifest.tables as Record<string, number>).reduce((a, b) => a + b, 0));
    expect(restored.options).toEqual({ ownership: 'preserve', createMissingRoles: false, rewriteMissingDefiners: false, terminateConnections: false });

    expect(await tableFingerprints(source.name)).toEqual(original);
    const aside = restored.asideDatabase as string;
    const kept = await tableFingerprints(aside);
    expect(Object.keys(kept)).toContain('leftover');
    expect(kept.playlist_track!.rows).toBeLessThan(original.playlist_track!.rows);
    expect(await serviceDatabasesOf(restored.restoreId)).toEqual([aside]);

    const dropped = await client.delete(`/restores/${restored.restoreId}/aside`);
    expect(dropped.status).toBe(202);
    expect(dropped.body.asideDatabase).toBe(aside);
    const deadline = Date.now() + 30_000;
    while ((await databaseExists(aside)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await databaseExists(aside)).toBe(false);
    const after = await client.get(`/restores/${restored.restoreId}`);
    expect(after.body.asideDroppedAt).toEqual(expect.any(String));
    const again = await client.delete(`/restores/${restored.restoreId}/aside`);
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ error: `The database ${aside} set aside by this restore was already dropped` });
  });

  it('a copy that does not match the manifest fails, naming the difference, and the target is left as it was', async () => {
    const source = await chinookDatabase('mismatch');
    const target = await chinookDatabase('mismatch_target');
    const done = await backup(source.id);
    await forgeManifest(done.backupId, (catalog) => {
      catalog.manifest.tables['public.invoice'] = 413;
      delete catalog.manifest.tables['public.genre'];
    });
    const before = await tableFingerprints(target.name);

    const failed = await restore(done.backupId, { targetDatabaseId: target.id });
    expect(failed.status).toBe('failed');
    expect(failed.error).toBe(
      "The restored copy does not match the backup's manifest, so it was not switched in: " +
        'public.genre rows: expected none, found 25; public.invoice rows: expected 413, found 412',
    );
    expect(failed.verification).toMatchObject({
      status: 'failed',
      differences: [
        { kind: 'rows', name: 'public.genre', expected: null, actual: 25 },
        { kind: 'rows', name: 'public.invoice', expected: 413, actual: 412 },
      ],
    });
    expect(failed.asideDatabase).toBeNull();
    expect(await tableFingerprints(target.name)).toEqual(before);
    expect(await serviceDatabasesOf(failed.restoreId)).toEqual([]);
  });

  it('a session on the target fails the switch, naming it, and changes nothing; terminateConnections ends it', async () => {
    const source = await chinookDatabase('sessions');
    const target = await emptyTarget('sessions_target');
    const done = await backup(source.id);
    const holder = connect(target.name);
    await holder.connect();
    holder.on('error', () => undefined);
    try {
      const failed = await restore(done.backupId, { targetDatabaseId: target.id });
      expect(failed.status).toBe('failed');
      expect(failed.error).toMatch(/1 session.* connected to database .*terminateConnections/);
      expect(await tableFingerprints(target.name)).toEqual({});
      expect(await serviceDatabasesOf(failed.restoreId)).toEqual([]);
      expect((await holder.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);

      const restored = await restore(done.backupId, { targetDatabaseId: target.id, terminateConnections: true });
      expect(restored).toMatchObject({ status: 'success', options: { terminateConnections: true } });
      expect(await tableFingerprints(target.name)).toEqual(await tableFingerprints(source.name));
      await expect(holder.query('SELECT 1')).rejects.toThrow();
    } finally {
      await holder.end().catch(() => undefined);
    }
  });

  it('a backup without a manifest is refused before anything is written', async () => {
    const source = await chinookDatabase('legacy');
    const target = await emptyTarget('legacy_target');
    const done = await backup(source.id);
    await withClient(env.metadataDatabase, (c) => c.query('UPDATE backups SET catalog_key = NULL WHERE id = $1', [done.backupId]));
    const failed = await restore(done.backupId, { targetDatabaseId: target.id });
    expect(failed.status).toBe('failed');
    expect(failed.error).toBe(
      `Backup ${done.backupId} has no manifest (it was taken before manifests were recorded), so a restore of it cannot be ` +
        'checked; take a new backup, or download this one and restore it by hand',
    );
    expect(failed.verification).toBeNull();
    expect(await serviceDatabasesOf(failed.restoreId)).toEqual([]);
  });

  it('validates the restore options (400)', async () => {
    const source = await chinookDatabase('options');
    const done = await backup(source.id);
    const bad = await client.post(`/backups/${done.backupId}/restore`, { confirm: true, ownership: 'nobody' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('Validation failed');
    expect(JSON.stringify(bad.body.details)).toContain('ownership');
  });

  /** Rewrites a backup's catalog sidecar (and its recorded size and checksum), as a restore that lost rows would see it. */
  async function forgeManifest(backupId: string, change: (catalog: any) => void): Promise<void> {
    const { rows } = await withClient(env.metadataDatabase, (c) => c.query('SELECT catalog_key FROM backups WHERE id = $1', [backupId]));
    const file = path.join(env.storageDir, rows[0].catalog_key);
    const catalog = JSON.parse(await readFile(file, 'utf8'));
    change(catalog);
    const content = Buffer.from(JSON.stringify(catalog));
    await writeFile(file, content);
    await withClient(env.metadataDatabase, (c) =>
      c.query('UPDATE backups SET catalog_size_bytes = $2, catalog_checksum = $3 WHERE id = $1', [
        backupId,
        content.length,
        createHash('sha256').update(content).digest('hex'),
      ]),
    );
  }
});
