import { ApiClient } from './support/api-client.js';
import { createDatabase, loadChinook, tableFingerprints, withClient } from './support/postgres.js';
import { type ApiProcess, type ServiceProcess, startApi, startWorker } from './support/service-processes.js';
import { createTestEnv, postgresRegistration, type TestEnv } from './support/test-env.js';

/**
 * Partial restores (PostgreSQL): named tables restored on their own, with their sequences, constraints and
 * indexes, into a registered database as it is, leaving everything else there untouched.
 */
describe('Partial restores: named tables', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let worker: ServiceProcess;
  let client: ApiClient;
  let serial = 0;

  beforeAll(async () => {
    env = await createTestEnv();
    [api, worker] = await Promise.all([startApi(env.vars), startWorker(env.vars)]);
    client = new ApiClient(api);
  });

  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await env?.cleanup();
  });

  async function registered(label: string, chinook: boolean): Promise<{ name: string; id: string }> {
    const name = `pr_${label}_${env.id}`;
    env.ownedDatabases.push(name);
    await createDatabase(name);
    if (chinook) await loadChinook(name);
    const response = await client.post('/databases', postgresRegistration(`pr-${++serial}-${label}`, name));
    expect(response.status).toBe(201);
    return { name, id: response.body.databaseId };
  }

  async function backupOf(databaseId: string): Promise<any> {
    const done = await client.backupAndWait(databaseId);
    expect(done).toMatchObject({ status: 'success', error: null });
    return done;
  }

  /** Every relation of the public schema (tables, sequences, indexes, views), by kind. */
  async function relations(database: string): Promise<string[]> {
    const { rows } = await withClient(database, (c) =>
      c.query<{ r: string }>(
        `SELECT c.relkind::text || ' ' || c.relname AS r FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1`,
      ),
    );
    return rows.map(({ r }) => r);
  }

  async function columnsOf(database: string, table: string): Promise<string[]> {
    const { rows } = await withClient(database, (c) =>
      c.query<{ c: string }>(
        `SELECT column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') AS c
           FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`,
        [table],
      ),
    );
    return rows.map(({ c }) => c);
  }

  it('restores one Chinook table alone into an empty registered database: same columns and rows, nothing else created', async () => {
    const source = await registered('src1', true);
    const side = await registered('side1', false);
    const done = await backupOf(source.id);
    const before = await relations(side.name);

    const restored = await client.restoreAndWait(done.backupId, { targetDatabaseId: side.id, tables: ['public.invoice'] });
    expect(restored).toMatchObject({ status: 'success', error: null, tables: ['public.invoice'], data: true, asideDatabase: null });
    expect(restored.verification).toMatchObject({ status: 'passed', tables: 1, rows: done.manifest.tables['public.invoice'], differences: [] });

    expect((await tableFingerprints(side.name)).invoice).toEqual((await tableFingerprints(source.name)).invoice);
    expect(await columnsOf(side.name, 'invoice')).toEqual(await columnsOf(source.name, 'invoice'));
    expect(Object.keys(await tableFingerprints(side.name))).toEqual(['invoice']);
    // The table, its primary key and its index on customer_id; no foreign key, no other table.
    expect(await relations(side.name)).toEqual([...before, 'i invoice_customer_id_idx', 'i invoice_pkey', 'r invoice'].sort());
  });

  it('restores a table dropped from the source back into it, the other tables untouched', async () => {
    const source = await registered('src2', true);
    const done = await backupOf(source.id);
    const original = await tableFingerprints(source.name);
    await withClient(source.name, async (c) => {
      await c.query('DROP TABLE invoice_line');
      await c.query("UPDATE artist SET name = 'changed after the backup' WHERE artist_id = 1");
    });
    const others = await tableFingerprints(source.name);

    const restored = await client.restoreAndWait(done.backupId, { tables: ['public.invoice_line'] });
    expect(restored).toMatchObject({ status: 'success', error: null, tables: ['public.invoice_line'], data: true });

    const after = await tableFingerprints(source.name);
    expect(after.invoice_line).toEqual(original.invoice_line);
    const { invoice_line: _restored, ...untouched } = after;
    expect(untouched).toEqual(others);
  });

  it('refuses a table the target already has (409) and one the backup lacks (422), and bad names (400)', async () => {
    const source = await registered('src3', true);
    const done = await backupOf(source.id);
    const existing = await client.post(`/backups/${done.backupId}/restore`, { tables: ['public.invoice'] });
    expect(existing.status).toBe(409);
    expect(existing.body.error).toBe(`Database "${source.name}" already has public.invoice: drop or rename it, or restore into another database`);
    const unknown = await client.post(`/backups/${done.backupId}/restore`, { tables: ['public.orders'] });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error).toBe('The backup holds no table named public.orders');
    const invalid = await client.post(`/backups/${done.backupId}/restore`, { tables: ['invoice; drop table x'] });
    expect(invalid.status).toBe(400);
    const { rows } = await withClient(env.metadataDatabase, (c) => c.query('SELECT count(*)::int AS n FROM restores WHERE backup_id = $1', [done.backupId]));
    expect(rows[0].n).toBe(0);
  });

  it("brings a table's serial and identity sequences along, their values included", async () => {
    const source = await registered('src5', true);
    const side = await registered('side5', false);
    await withClient(source.name, async (c) => {
      await c.query('CREATE TABLE orders (id serial PRIMARY KEY, n int GENERATED ALWAYS AS IDENTITY, note text)');
      await c.query("INSERT INTO orders (note) VALUES ('a'), ('b'), ('c')");
    });
    const done = await backupOf(source.id);
    const restored = await client.restoreAndWait(done.backupId, { targetDatabaseId: side.id, tables: ['public.orders'] });
    expect(restored).toMatchObject({ status: 'success', error: null });
    expect((await tableFingerprints(side.name)).orders).toEqual((await tableFingerprints(source.name)).orders);
    const next = await withClient(side.name, (c) => c.query("INSERT INTO orders (note) VALUES ('d') RETURNING id, n"));
    expect(next.rows).toEqual([{ id: 4, n: 4 }]);
    expect(await relations(side.name)).toEqual(['S orders_id_seq', 'S orders_n_seq', 'i orders_pkey', 'r orders']);
  });

  it('without data: only the definition', async () => {
    const source = await registered('src4', true);
    const side = await registered('side4', false);
    const done = await backupOf(source.id);
    const restored = await client.restoreAndWait(done.backupId, { targetDatabaseId: side.id, tables: ['public.artist'], data: false });
    expect(restored).toMatchObject({ status: 'success', tables: ['public.artist'], data: false });
    expect((await tableFingerprints(side.name)).artist).toEqual({ rows: 0, md5: '' });
    expect(await columnsOf(side.name, 'artist')).toEqual(await columnsOf(source.name, 'artist'));
  });
});
