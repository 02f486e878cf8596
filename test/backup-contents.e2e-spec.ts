import { open } from 'node:fs/promises';
import { ApiClient } from './support/api-client.js';
import { createMysqlDatabase, dropMysqlDatabase, loadChinookMysql, mysqlQuery } from './support/mysql.js';
import { createDatabase, loadChinook, withClient } from './support/postgres.js';
import { type ApiProcess, type ServiceProcess } from './support/service-processes.js';
import { startStack, stopStack } from './support/stack.js';
import { PG_HOST, PG_PORT, PG_USER, type TestEnv } from './support/test-env.js';

/** Chinook's tables and their rows, as the manifest counts them. */
const CHINOOK_ROWS: Array<[postgres: string, mysql: string, rows: number]> = [
  ['album', 'Album', 347],
  ['artist', 'Artist', 275],
  ['customer', 'Customer', 59],
  ['employee', 'Employee', 8],
  ['genre', 'Genre', 25],
  ['invoice', 'Invoice', 412],
  ['invoice_line', 'InvoiceLine', 2240],
  ['media_type', 'MediaType', 5],
  ['playlist', 'Playlist', 18],
  ['playlist_track', 'PlaylistTrack', 8715],
  ['track', 'Track', 3503],
];

interface ListedObject {
  kind: string;
  schema: string | null;
  name: string;
  rows?: number;
}

/** GET /backups/:id/contents: a worker lists the objects of the stored file, tables with their manifest rows. */
describe('Backup contents', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let worker: ServiceProcess;
  let client: ApiClient;
  const mysqlDatabases: string[] = [];
  let serial = 0;

  beforeAll(async () => {
    ({ env, api, worker, client } = await startStack());
  });

  afterAll(async () => {
    await stopStack({ env, api, worker });
    for (const name of mysqlDatabases) await dropMysqlDatabase(name).catch(() => undefined);
  });

  async function register(engine: 'postgres' | 'mariadb', database: string, encrypted: boolean): Promise<string> {
    const mysql = engine === 'mariadb';
    const response = await client.post('/databases', {
      name: `contents-${++serial}-${database}`.slice(0, 100),
      engine,
      host: mysql ? '127.0.0.1' : PG_HOST,
      port: mysql ? 3306 : PG_PORT,
      database,
      username: mysql ? 'root' : PG_USER,
      password: '',
      encrypted,
    });
    expect(response.status).toBe(201);
    return response.body.databaseId;
  }

  async function contentsOf(
    databaseId: string,
    encrypted: boolean,
  ): Promise<{ backupId: string; body: { backupId: string; engine: string; objects: ListedObject[] } }> {
    const done = await client.backupAndWait(databaseId);
    expect(done).toMatchObject({ status: 'success', error: null, encrypted });
    const response = await client.get(`/backups/${done.backupId}/contents`);
    expect(response.status).toBe(200);
    return { backupId: done.backupId, body: response.body };
  }

  function tables(objects: ListedObject[]) {
    return objects.filter(({ kind }) => kind === 'table');
  }

  describe('PostgreSQL', () => {
    let source: string;

    beforeAll(async () => {
      source = `contents_pg_${env.id}`;
      env.ownedDatabases.push(source);
      await createDatabase(source);
      await loadChinook(source);
      await withClient(source, (c) =>
        c.query(`
          CREATE SCHEMA reporting;
          CREATE VIEW reporting.long_tracks AS SELECT track_id, name FROM track WHERE milliseconds > 600000;
          CREATE SEQUENCE reporting.report_seq;
          CREATE FUNCTION reporting.track_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM public.track';
          CREATE FUNCTION trim_genre() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN NEW.name := trim(NEW.name); RETURN NEW; END$$;
          CREATE TRIGGER genre_name BEFORE INSERT ON genre FOR EACH ROW EXECUTE FUNCTION trim_genre();
        `),
      );
    });

    it.each([false, true])('lists the Chinook tables with their rows, and the other objects (encrypted=%s)', async (encrypted) => {
      const { backupId, body } = await contentsOf(await register('postgres', source, encrypted), encrypted);
      expect(body.backupId).toBe(backupId);
      expect(body.engine).toBe('postgres');
      expect(tables(body.objects)).toEqual(CHINOOK_ROWS.map(([name, , rows]) => ({ kind: 'table', schema: 'public', name, rows })));
      for (const object of [
        { kind: 'schema', schema: null, name: 'reporting' },
        { kind: 'view', schema: 'reporting', name: 'long_tracks' },
        { kind: 'sequence', schema: 'reporting', name: 'report_seq' },
        { kind: 'function', schema: 'reporting', name: 'track_count()' },
        { kind: 'function', schema: 'public', name: 'trim_genre()' },
        { kind: 'trigger', schema: 'public', name: 'genre genre_name' },
        { kind: 'constraint', schema: 'public', name: 'album album_pkey' },
      ]) {
        expect(body.objects).toContainEqual(object);
      }
      // Data entries, sequence values and comments are not objects of their own.
      expect(new Set(body.objects.map(({ kind }) => kind))).toEqual(
        new Set(['schema', 'table', 'view', 'sequence', 'function', 'trigger', 'index', 'constraint', 'foreign key']),
      );
      const kinds = body.objects.map(({ kind }) => kind);
      expect(kinds.indexOf('schema')).toBe(0);
      expect(kinds.indexOf('table')).toBeLessThan(kinds.indexOf('view'));
      expect(kinds.lastIndexOf('table')).toBeLessThan(kinds.indexOf('view'));
    });
  });

  describe('MariaDB', () => {
    let source: string;

    beforeAll(async () => {
      source = `contents_my_${env.id}`;
      mysqlDatabases.push(source);
      await createMysqlDatabase(source);
      await loadChinookMysql(source);
      await mysqlQuery(
        source,
        `CREATE VIEW TopTracks AS SELECT TrackId, Name FROM Track WHERE Milliseconds > 600000;
         CREATE FUNCTION TrackCount() RETURNS INT READS SQL DATA RETURN (SELECT COUNT(*) FROM Track);
         CREATE PROCEDURE ArtistCount() SELECT COUNT(*) FROM Artist;
         CREATE TRIGGER GenreName BEFORE INSERT ON Genre FOR EACH ROW SET NEW.Name = TRIM(NEW.Name);
         CREATE EVENT Nightly ON SCHEDULE EVERY 1 DAY DISABLE DO DELETE FROM Playlist WHERE 1 = 0;
         CREATE SEQUENCE InvoiceNumbers;`,
      );
    });

    it.each([false, true])('lists the Chinook tables with their rows, and every other object (encrypted=%s)', async (encrypted) => {
      const { body } = await contentsOf(await register('mariadb', source, encrypted), encrypted);
      expect(body.engine).toBe('mariadb');
      expect(body.objects).toEqual([
        ...CHINOOK_ROWS.map(([, name, rows]) => ({ kind: 'table', schema: null, name, rows })),
        { kind: 'view', schema: null, name: 'TopTracks' },
        { kind: 'sequence', schema: null, name: 'InvoiceNumbers' },
        { kind: 'function', schema: null, name: 'TrackCount' },
        { kind: 'procedure', schema: null, name: 'ArtistCount' },
        { kind: 'trigger', schema: null, name: 'GenreName' },
        { kind: 'event', schema: null, name: 'Nightly' },
      ]);
    });
  });

  it('answers 404 for an unknown backup and 409 for a backup without a file', async () => {
    expect(await client.get('/backups/999999999/contents')).toMatchObject({ status: 404, body: { error: 'Backup not found' } });
    const missing = `contents_missing_${env.id}`;
    const failed = await client.backupAndWait(await register('postgres', missing, false));
    expect(failed.status).toBe('failed');
    expect(await client.get(`/backups/${failed.backupId}/contents`)).toMatchObject({
      status: 409,
      body: { error: 'Backup has no file (status: failed)' },
    });
  });

  it('answers 409 for a stored file altered since the backup, as a download would', async () => {
    const source = `contents_altered_${env.id}`;
    env.ownedDatabases.push(source);
    await createDatabase(source);
    await withClient(source, (c) => c.query('CREATE TABLE t (id int); INSERT INTO t SELECT generate_series(1, 1000)'));
    const done = await client.backupAndWait(await register('postgres', source, false));
    expect(done.status).toBe('success');
    const file = await open(done.fileLocation, 'r+');
    const middle = Math.floor(done.sizeBytes / 2);
    const byte = Buffer.alloc(1);
    await file.read(byte, 0, 1, middle);
    byte[0] = byte[0]! ^ 0xff;
    await file.write(byte, 0, 1, middle);
    await file.close();
    expect(await client.get(`/backups/${done.backupId}/contents`)).toMatchObject({
      status: 409,
      body: { error: 'Backup file failed verification: Backup file checksum does not match the record (altered)' },
    });
  });
});
