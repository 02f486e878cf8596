import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiClient } from './support/api-client.js';
import { createMysqlDatabase, dropMysqlDatabase, loadChinookMysql, MYSQL_HOST, MYSQL_PORT, MYSQL_USER, mysqlIdentifier } from './support/mysql.js';
import { mysqlAllFingerprints, mysqlSchemaDump, withRoot } from './support/mysql-fidelity.js';
import { type ApiProcess, type ServiceProcess, startApi, startWorker } from './support/service-processes.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';

/**
 * Partial restores of MariaDB backups: named tables taken out of the dump stream (structure, rows, triggers; no
 * foreign keys) into a registered database as it is, possibly under another name, leaving everything else there
 * untouched. Each restored table is compared with its source (SHOW CREATE TABLE, every row, its triggers), and the
 * rest of the target before and after.
 */
describe('Partial restores: named MariaDB tables', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let worker: ServiceProcess;
  let client: ApiClient;
  const owned: string[] = [];
  let serial = 0;

  beforeAll(async () => {
    env = await createTestEnv();
    [api, worker] = await Promise.all([startApi(env.vars), startWorker(env.vars)]);
    client = new ApiClient(api);
  });

  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    for (const name of owned) await dropMysqlDatabase(name).catch(() => undefined);
    await env?.cleanup();
  });

  async function query(database: string, sql: string): Promise<unknown[]> {
    return withRoot(async (connection) => {
      await connection.query(`USE ${mysqlIdentifier(database)}`);
      // Chinook's foreign keys would keep a referenced table from being dropped.
      await connection.query('SET FOREIGN_KEY_CHECKS = 0');
      return (await connection.query(sql)) as unknown[];
    });
  }

  /** Chinook, plus a trigger on Track and a system-versioned table with history rows. */
  async function registered(label: string, chinook: boolean): Promise<{ name: string; id: string }> {
    const name = `mpr_${label}_${env.id}`;
    owned.push(name);
    await createMysqlDatabase(name);
    if (chinook) {
      await loadChinookMysql(name);
      for (const statement of [
        'CREATE TRIGGER track_name BEFORE INSERT ON Track FOR EACH ROW SET NEW.Name = TRIM(NEW.Name)',
        'CREATE TABLE Price (Id INT PRIMARY KEY, Amount DECIMAL(10,2) NOT NULL DEFAULT 0.00) WITH SYSTEM VERSIONING',
        'INSERT INTO Price VALUES (1, 1.00), (2, 2.00)',
        'UPDATE Price SET Amount = 1.50 WHERE Id = 1',
        'DELETE FROM Price WHERE Id = 2',
      ]) {
        await query(name, statement);
      }
    }
    const registration = { name: `mpr-${++serial}-${label}`, engine: 'mariadb', host: MYSQL_HOST, port: MYSQL_PORT, database: name, username: MYSQL_USER, password: '' };
    const response = await client.post('/databases', registration);
    expect(response.status).toBe(201);
    return { name, id: response.body.databaseId };
  }

  async function backupOf(databaseId: string): Promise<any> {
    const done = await client.backupAndWait(databaseId);
    expect(done).toMatchObject({ status: 'success', error: null });
    return done;
  }

  /** Every definition and every row fingerprint of `database`, keyed "table x", "trigger y", … */
  async function everything(database: string): Promise<{ schema: Record<string, string>; data: Record<string, string> }> {
    return { schema: await mysqlSchemaDump(database), data: await mysqlAllFingerprints(database) };
  }

  /** SHOW CREATE TABLE of the source table as a partial restore makes it: without its foreign keys, under `as`. */
  function expectedDefinition(source: string, table: string, as = table): string {
    const lines = source.split('\n').filter((line) => !/^\s*CONSTRAINT `[^`]+` FOREIGN KEY/.test(line));
    const closing = lines.findIndex((line) => line.startsWith(')'));
    lines[closing - 1] = lines[closing - 1]!.replace(/,$/, '');
    return lines.join('\n').split(`\`${table}\``).join(`\`${as}\``).replace(`Table: ${table}`, `Table: ${as}`);
  }

  it('restores one Chinook table alone into an empty registered database: same definition (no foreign key) and rows', async () => {
    const source = await registered('src1', true);
    const side = await registered('side1', false);
    const done = await backupOf(source.id);
    const before = await everything(side.name);
    expect(before).toEqual({ schema: {}, data: {} });

    const restored = await client.restoreAndWait(done.backupId, { targetDatabaseId: side.id, tables: ['Invoice', 'Price'] });
    expect(restored).toMatchObject({ status: 'success', error: null, tables: ['Invoice', 'Price'], data: true, rename: null, asideDatabase: null });
    expect(restored.verification).toMatchObject({
      status: 'passed',
      tables: 3,
      rows: done.manifest.tables.Invoice + done.manifest.tables.Price + done.manifest.tables['Price (history)'],
      differences: [],
    });
    // Two rows inserted, one updated (its old version kept), one deleted (ended, not removed).
    expect(done.manifest.tables['Price (history)']).toBe(3);

    const original = await everything(source.name);
    const after = await everything(side.name);
    expect(Object.keys(after.schema)).toEqual(['table Invoice', 'table Price']);
    expect(after.schema['table Invoice']).toBe(expectedDefinition(original.schema['table Invoice']!, 'Invoice'));
    expect(after.schema['table Invoice']).not.toContain('FOREIGN KEY');
    expect(after.schema['table Price']).toBe(original.schema['table Price']);
    expect(after.data).toEqual({ 'table Invoice': original.data['table Invoice'], 'table Price': original.data['table Price'] });
  });

  it('restores a table dropped from the source back into it, with its trigger, the rest untouched', async () => {
    const source = await registered('src2', true);
    const done = await backupOf(source.id);
    const original = await everything(source.name);
    await query(source.name, 'DROP TABLE Track');
    await query(source.name, "UPDATE Artist SET Name = 'changed after the backup' WHERE ArtistId = 1");
    const others = await everything(source.name);
    expect(others.schema['trigger track_name']).toBeUndefined();

    const restored = await client.restoreAndWait(done.backupId, { tables: ['Track'] });
    expect(restored).toMatchObject({ status: 'success', error: null, tables: ['Track'], data: true });

    const after = await everything(source.name);
    expect(after.schema['table Track']).toBe(expectedDefinition(original.schema['table Track']!, 'Track'));
    expect(after.schema['trigger track_name']).toBe(original.schema['trigger track_name']);
    expect(after.data['table Track']).toBe(original.data['table Track']);
    const { 'table Track': _table, 'trigger track_name': _trigger, ...untouchedSchema } = after.schema;
    const { 'table Track': _rows, ...untouchedData } = after.data;
    expect({ schema: untouchedSchema, data: untouchedData }).toEqual(others);
  });

  it('restores a table beside itself in the source under another name, its trigger renamed, nothing else touched', async () => {
    const source = await registered('src3', true);
    const done = await backupOf(source.id);
    await query(source.name, "INSERT INTO Track (TrackId, Name, MediaTypeId, Milliseconds, UnitPrice) VALUES (9001, ' today ', 1, 1, 0.99)");
    const before = await everything(source.name);

    const restored = await client.restoreAndWait(done.backupId, { tables: ['Track'], rename: { Track: 'Track_yesterday' } });
    expect(restored).toMatchObject({ status: 'success', error: null, tables: ['Track'], rename: { Track: 'Track_yesterday' } });
    expect(restored.verification).toMatchObject({ status: 'passed', tables: 1, rows: done.manifest.tables.Track });

    const after = await everything(source.name);
    const { 'table Track_yesterday': table, 'trigger Track_yesterday_track_name': trigger, ...rest } = after.schema;
    const { 'table Track_yesterday': rows, ...restData } = after.data;
    expect({ schema: rest, data: restData }).toEqual(before);
    expect(table).toBe(expectedDefinition(before.schema['table Track']!, 'Track', 'Track_yesterday'));
    expect(trigger).toBe(
      before.schema['trigger track_name']!
        .replace('Trigger: track_name', 'Trigger: Track_yesterday_track_name')
        .replace('TRIGGER track_name BEFORE INSERT ON Track ', 'TRIGGER `Track_yesterday_track_name` BEFORE INSERT ON `Track_yesterday` '),
    );
    // The rows as backed up: the row added afterwards is only in Track.
    const yesterday = (await query(source.name, 'SELECT COUNT(*) AS n, SUM(TrackId = 9001) AS added FROM Track_yesterday')) as Array<{ n: bigint; added: unknown }>;
    expect(Number(yesterday[0]!.n)).toBe(done.manifest.tables.Track);
    expect(Number(yesterday[0]!.added)).toBe(0);
    const [renamedRows] = (await query(source.name, 'SELECT MD5(GROUP_CONCAT(CONCAT_WS(",", TrackId, Name, UnitPrice) ORDER BY TrackId)) AS h FROM Track_yesterday')) as Array<{ h: string }>;
    const [originalRows] = (await query(source.name, 'SELECT MD5(GROUP_CONCAT(CONCAT_WS(",", TrackId, Name, UnitPrice) ORDER BY TrackId)) AS h FROM Track WHERE TrackId <> 9001')) as Array<{ h: string }>;
    expect(renamedRows!.h).toBe(originalRows!.h);
    expect(rows).toMatch(/^\d+ [0-9a-f]{32}$/);
  });

  it('without data: the definition and its trigger, no rows', async () => {
    const source = await registered('src4', true);
    const side = await registered('side4', false);
    const done = await backupOf(source.id);
    const restored = await client.restoreAndWait(done.backupId, { targetDatabaseId: side.id, tables: ['Track'], data: false });
    expect(restored).toMatchObject({ status: 'success', tables: ['Track'], data: false });
    expect(restored.verification).toMatchObject({ status: 'passed', rows: 0 });
    const original = await everything(source.name);
    const after = await everything(side.name);
    expect(Object.keys(after.schema)).toEqual(['table Track', 'trigger track_name']);
    expect(after.schema['table Track']).toBe(expectedDefinition(original.schema['table Track']!, 'Track'));
    expect(after.schema['trigger track_name']).toBe(original.schema['trigger track_name']);
    expect(after.data).toEqual({ 'table Track': '0 ' });
  });

  it('refuses a table the target has (409), one the backup lacks (422), a bad rename (400), schemas (422), and records nothing', async () => {
    const source = await registered('src5', true);
    const done = await backupOf(source.id);
    const existing = await client.post(`/backups/${done.backupId}/restore`, { tables: ['Invoice'] });
    expect(existing.status).toBe(409);
    expect(existing.body.error).toBe(`Database "${source.name}" already has Invoice: drop or rename it, or restore into another database`);
    const renamedOntoExisting = await client.post(`/backups/${done.backupId}/restore`, { tables: ['Invoice'], rename: { Invoice: 'Artist' } });
    expect(renamedOntoExisting.status).toBe(409);
    expect(renamedOntoExisting.body.error).toBe(`Database "${source.name}" already has Artist: drop or rename it, or restore into another database`);
    const unknown = await client.post(`/backups/${done.backupId}/restore`, { tables: ['public.Invoice', 'Orders'] });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error).toBe('The backup holds no table named public.Invoice, Orders');
    const badRename = await client.post(`/backups/${done.backupId}/restore`, { tables: ['Invoice', 'Track'], rename: { Invoice: 'Track' } });
    expect(badRename.status).toBe(400);
    expect(badRename.body.details).toEqual([{ field: 'rename', messages: ['rename: the new name of "Invoice", "Track", is also a name in tables'] }]);
    const schemas = await client.post(`/backups/${done.backupId}/restore`, { schemas: ['sales'] });
    expect(schemas.status).toBe(422);
    expect(schemas.body.error).toBe('Restoring whole schemas is not supported for mariadb backups: a mariadb backup holds one database; name its tables in "tables"');
    const { rows } = await import('./support/postgres.js').then(({ withClient }) =>
      withClient(env.metadataDatabase, (c) => c.query('SELECT count(*)::int AS n FROM restores WHERE backup_id = $1', [done.backupId])),
    );
    expect(rows[0].n).toBe(0);
  });
});
