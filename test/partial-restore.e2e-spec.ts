import { ApiClient } from './support/api-client.js';
import { pgAllTableFingerprints, pgSchemaDump } from './support/pg-fidelity.js';
import { createDatabase, loadChinook, runTool, tableFingerprints, withClient } from './support/postgres.js';
import { PG_HOST, PG_PORT, PG_USER } from './support/test-env.js';
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

  /** The sections of a plain schema dump, keyed by their "-- Name: …; Type: …" header; what follows the last one as "trailer". */
  function sections(dump: string): Map<string, string> {
    const end = dump.indexOf('\n--\n-- PostgreSQL database dump complete');
    const result = new Map<string, string>();
    for (const part of dump.slice(0, end).split('\n--\n-- Name: ').slice(1)) result.set(part.slice(0, part.indexOf('\n')), part);
    result.set('trailer', dump.slice(end));
    return result;
  }

  /** pg_dump --schema-only of one table (with its indexes, constraints, sequences, comments and grants). */
  async function tableSchema(database: string, table: string): Promise<Map<string, string>> {
    const help = await runTool('pg_dump', ['--help']);
    const restrictKey = help.includes('--restrict-key') ? ['--restrict-key=fidelity'] : [];
    const args = ['--schema-only', ...restrictKey, `--host=${PG_HOST}`, `--port=${PG_PORT}`, `--username=${PG_USER}`, `--table=${table}`, `--dbname=${database}`];
    return sections(await runTool('pg_dump', args));
  }

  /** The source table's schema as a restore under another name makes it: names of the table and its objects changed, no foreign key. */
  function renamedSchema(original: Map<string, string>, rename: (text: string) => string): Map<string, string> {
    return new Map([...original].filter(([header]) => !header.includes('Type: FK CONSTRAINT')).map(([header, text]) => [rename(header), rename(text)]));
  }

  it('restores tables beside themselves in the source under other names: definitions, sequences, grants and rows; nothing else touched', async () => {
    const source = await registered('src6', true);
    await withClient(source.name, async (c) => {
      await c.query('CREATE TABLE orders (id serial PRIMARY KEY, n int GENERATED ALWAYS AS IDENTITY, note text)');
      await c.query("INSERT INTO orders (note) VALUES ('a'), ('b'), ('c')");
      await c.query("COMMENT ON TABLE invoice IS 'Invoices, one per sale'");
      await c.query('GRANT SELECT ON invoice TO PUBLIC');
    });
    const done = await backupOf(source.id);
    const atBackup = await pgAllTableFingerprints(source.name);
    const invoiceSchema = await tableSchema(source.name, 'public.invoice');
    const ordersSchema = await tableSchema(source.name, 'public.orders');
    await withClient(source.name, async (c) => {
      await c.query("INSERT INTO invoice (invoice_id, customer_id, invoice_date, total) VALUES (9001, 1, now(), 1.00)");
      await c.query("INSERT INTO orders (note) VALUES ('today')");
    });
    const before = { schema: sections(await pgSchemaDump(source.name)), data: await pgAllTableFingerprints(source.name) };

    const rename = { 'public.invoice': 'public.invoice_yesterday', 'public.orders': 'public.orders_old' };
    const restored = await client.restoreAndWait(done.backupId, { tables: ['public.invoice', 'public.orders'], rename });
    expect(restored).toMatchObject({ status: 'success', error: null, tables: ['public.invoice', 'public.orders'], rename, asideDatabase: null });
    expect(restored.verification).toMatchObject({ status: 'passed', tables: 2, rows: done.manifest.tables['public.invoice'] + 3, differences: [] });

    // The renamed tables: as in the source at backup time, under the new names, without the foreign key.
    const invoiceNames = (text: string) => text.replace(/\binvoice(?=$|[\s;(.]|_pkey\b|_customer_id_idx\b)/gm, 'invoice_yesterday');
    const ordersNames = (text: string) => text.replace(/\borders(?=$|[\s;(.]|_pkey\b|_id_seq\b|_n_seq\b)/gm, 'orders_old');
    expect(await tableSchema(source.name, 'public.invoice_yesterday')).toEqual(renamedSchema(invoiceSchema, invoiceNames));
    expect(await tableSchema(source.name, 'public.orders_old')).toEqual(renamedSchema(ordersSchema, ordersNames));
    const after = { schema: sections(await pgSchemaDump(source.name)), data: await pgAllTableFingerprints(source.name) };
    expect(after.data['table public.invoice_yesterday']).toBe(atBackup['table public.invoice']);
    expect(after.data['table public.orders_old']).toBe(atBackup['table public.orders']);
    expect(after.data['sequence public.orders_old_id_seq']).toBe(atBackup['sequence public.orders_id_seq']);
    expect(after.data['sequence public.orders_old_n_seq']).toBe(atBackup['sequence public.orders_n_seq']);

    // Everything else as it was.
    const isNew = (name: string) => /invoice_yesterday|orders_old/.test(name);
    expect(new Map([...after.schema].filter(([header]) => !isNew(header)))).toEqual(before.schema);
    expect(Object.fromEntries(Object.entries(after.data).filter(([name]) => !isNew(name)))).toEqual(before.data);
    const next = await withClient(source.name, (c) => c.query("INSERT INTO orders_old (note) VALUES ('d') RETURNING id, n"));
    expect(next.rows).toEqual([{ id: 4, n: 4 }]);
    // The scratch database is gone.
    const { rows } = await withClient('postgres', (c) => c.query("SELECT datname FROM pg_database WHERE datname LIKE $1", [`dbbackup_restore_${restored.restoreId}_%`]));
    expect(rows).toEqual([]);
  });

  it('restores a table under another name into another database without data: the definition, sequences at their start', async () => {
    const source = await registered('src10', true);
    const side = await registered('side10', false);
    await withClient(source.name, (c) => c.query("CREATE TABLE orders (id serial PRIMARY KEY, note text); INSERT INTO orders (note) VALUES ('a'), ('b')"));
    const done = await backupOf(source.id);
    const restored = await client.restoreAndWait(done.backupId, {
      targetDatabaseId: side.id,
      tables: ['public.orders'],
      rename: { 'public.orders': 'public.orders_copy' },
      data: false,
    });
    expect(restored).toMatchObject({ status: 'success', data: false, rename: { 'public.orders': 'public.orders_copy' } });
    expect(restored.verification).toMatchObject({ status: 'passed', tables: 1, rows: 0 });
    const ordersNames = (text: string) => text.replace(/\borders(?=$|[\s;(.]|_pkey\b|_id_seq\b)/gm, 'orders_copy');
    expect(await tableSchema(side.name, 'public.orders_copy')).toEqual(renamedSchema(await tableSchema(source.name, 'public.orders'), ordersNames));
    expect(await pgAllTableFingerprints(side.name)).toEqual({ 'sequence public.orders_copy_id_seq': '1 false', 'table public.orders_copy': '0 ' });
  });

  it('validates rename (400)', async () => {
    const source = await registered('src7', true);
    const done = await backupOf(source.id);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ tables: ['public.invoice'], rename: { 'public.track': 'public.t2' } }, 'rename: "public.track" is not one of tables'],
      [{ tables: ['public.invoice'], rename: { 'public.invoice': 'sales.invoice' } }, 'rename: the new name of "public.invoice" must be in the same schema ("public.…")'],
      [{ tables: ['public.invoice'], rename: { 'public.invoice': 'x y' } }, 'rename: the new name of "public.invoice" must be "schema.table" (PostgreSQL) or "table" (MySQL), plain identifiers'],
      [{ tables: ['public.invoice', 'public.track'], rename: { 'public.invoice': 'public.t', 'public.track': 'public.t' } }, 'rename: two tables cannot both be renamed "public.t"'],
      [{ rename: { 'public.invoice': 'public.t' } }, 'rename needs tables: it renames some of them'],
      [{ tables: ['public.invoice'], rename: ['public.t'] }, 'rename must be an object: {"<table>": "<new name>"}'],
    ];
    for (const [body, message] of cases) {
      const response = await client.post(`/backups/${done.backupId}/restore`, body);
      expect({ status: response.status, details: response.body.details }).toEqual({ status: 400, details: [{ field: 'rename', messages: [message] }] });
    }
  });

  /** pg_dump --schema-only of one schema (with its comment and grants). */
  async function schemaOf(database: string, schema: string): Promise<Map<string, string>> {
    const help = await runTool('pg_dump', ['--help']);
    const restrictKey = help.includes('--restrict-key') ? ['--restrict-key=fidelity'] : [];
    const args = ['--schema-only', ...restrictKey, `--host=${PG_HOST}`, `--port=${PG_PORT}`, `--username=${PG_USER}`, `--schema=${schema}`, `--dbname=${database}`];
    return sections((await runTool('pg_dump', args)).split(database).join('<database>'));
  }

  it('restores a whole schema with everything in it beside what the target holds; a foreign key leaving it is left out', async () => {
    const source = await registered('src8', true);
    const side = await registered('side8', true);
    await withClient(source.name, async (c) => {
      await c.query(`
        CREATE SCHEMA sales;
        COMMENT ON SCHEMA sales IS 'Sales';
        GRANT USAGE ON SCHEMA sales TO PUBLIC;
        CREATE TYPE sales.state AS ENUM ('open', 'closed');
        CREATE TABLE sales.orders (id serial PRIMARY KEY, customer_id int REFERENCES public.customer (customer_id),
                                   total numeric(10,2) NOT NULL DEFAULT 0, state sales.state DEFAULT 'open');
        CREATE TABLE sales.lines (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, order_id int NOT NULL REFERENCES sales.orders (id), note text);
        CREATE INDEX lines_order ON sales.lines (order_id);
        CREATE FUNCTION sales.total_of(o int) RETURNS numeric LANGUAGE sql AS $$ SELECT total FROM sales.orders WHERE id = o $$;
        CREATE VIEW sales.big AS SELECT * FROM sales.orders WHERE total > 10;
        COMMENT ON TABLE sales.orders IS 'One per sale';
        GRANT SELECT ON sales.orders TO PUBLIC;
        INSERT INTO sales.orders (customer_id, total) VALUES (1, 5), (2, 50);
        INSERT INTO sales.lines (order_id, note) VALUES (1, 'a'), (2, 'b'), (2, 'c');`);
    });
    const done = await backupOf(source.id);
    const before = { schema: sections(await pgSchemaDump(side.name)), data: await pgAllTableFingerprints(side.name) };

    const restored = await client.restoreAndWait(done.backupId, { targetDatabaseId: side.id, schemas: ['sales'] });
    expect(restored).toMatchObject({ status: 'success', error: null, tables: [], schemas: ['sales'], data: true });
    expect(restored.verification).toMatchObject({ status: 'passed', tables: 2, rows: 5, differences: [] });

    const expected = new Map([...(await schemaOf(source.name, 'sales'))].filter(([header]) => !header.startsWith('orders orders_customer_id_fkey; Type: FK CONSTRAINT')));
    expect(expected.size).toBe((await schemaOf(source.name, 'sales')).size - 1);
    expect(await schemaOf(side.name, 'sales')).toEqual(expected);
    const inSales = (name: string) => / sales\./.test(name);
    const sourceData = await pgAllTableFingerprints(source.name);
    const after = { schema: sections(await pgSchemaDump(side.name)), data: await pgAllTableFingerprints(side.name) };
    expect(Object.entries(after.data).filter(([name]) => inSales(name))).toEqual(Object.entries(sourceData).filter(([name]) => inSales(name)));
    expect(Object.entries(after.data).filter(([name]) => inSales(name))).toHaveLength(4);
    // Everything else as it was.
    const isNew = (header: string) => header.includes('Schema: sales;') || header.startsWith('sales; Type: SCHEMA') || header.startsWith('SCHEMA sales;');
    expect(new Map([...after.schema].filter(([header]) => !isNew(header)))).toEqual(before.schema);
    expect(Object.fromEntries(Object.entries(after.data).filter(([name]) => !inSales(name)))).toEqual(before.data);

    const again = await client.post(`/backups/${done.backupId}/restore`, { targetDatabaseId: side.id, schemas: ['sales'], data: false });
    expect(again.status).toBe(409);
    expect(again.body.error).toBe(`Database "${side.name}" already has schema sales: drop or rename it, or restore into another database`);
    const unknown = await client.post(`/backups/${done.backupId}/restore`, { targetDatabaseId: side.id, schemas: ['nosuch'] });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error).toBe('The backup holds no schema named nosuch');
    const renamed = await client.post(`/backups/${done.backupId}/restore`, { tables: ['public.invoice'], schemas: ['sales'], rename: { 'public.invoice': 'public.i2' } });
    expect(renamed.status).toBe(400);
    expect(renamed.body.details).toEqual([{ field: 'rename', messages: ['rename cannot be combined with schemas'] }]);
  });

  it('restores a whole schema without data: every definition, no rows', async () => {
    const source = await registered('src9', true);
    const side = await registered('side9', false);
    await withClient(source.name, (c) =>
      c.query("CREATE SCHEMA sales; CREATE TABLE sales.orders (id serial PRIMARY KEY, note text); INSERT INTO sales.orders (note) VALUES ('a'), ('b')"),
    );
    const done = await backupOf(source.id);
    const restored = await client.restoreAndWait(done.backupId, { targetDatabaseId: side.id, schemas: ['sales'], data: false });
    expect(restored).toMatchObject({ status: 'success', schemas: ['sales'], data: false });
    expect(restored.verification).toMatchObject({ status: 'passed', tables: 1, rows: 0 });
    expect(await schemaOf(side.name, 'sales')).toEqual(await schemaOf(source.name, 'sales'));
    const data = await pgAllTableFingerprints(side.name);
    expect(data).toEqual({ 'sequence sales.orders_id_seq': '1 false', 'table sales.orders': '0 ' });
  });
});
