/**
 * A PostgreSQL database that uses everything a plain `pg_restore --no-owner --no-privileges` loses (owners, grants,
 * column privileges, default privileges, large-object ACLs, a SECURITY DEFINER function, database-level properties,
 * a partitioned table with a primary key), and the comparisons that show a restored copy is the same.
 */
import pg from 'pg';
import { runTool, withClient } from './postgres.js';

const HOST = process.env.TEST_PG_HOST ?? '127.0.0.1';
const PORT = Number(process.env.TEST_PG_PORT ?? 5432);
const USER = process.env.TEST_PG_USER ?? 'postgres';

export interface PgFidelityRoles {
  /** Owns the schema `app` and most objects, and the database. */
  owner: string;
  /** A login role with column privileges, a role-in-database setting and a global setting. */
  reader: string;
  /** A NOLOGIN group role the reader is a member of. */
  group: string;
}

export function pgFidelityRoles(suffix: string): PgFidelityRoles {
  return { owner: `fid_owner_${suffix}`, reader: `fid_reader_${suffix}`, group: `fid_group_${suffix}` };
}

const id = (name: string) => pg.escapeIdentifier(name);
const lit = (value: string) => pg.escapeLiteral(value);

/** Creates the fixture's cluster-wide roles once per suffix. */
export async function createPgFidelityRoles(suffix: string): Promise<PgFidelityRoles> {
  const roles = pgFidelityRoles(suffix);
  await withClient('postgres', async (client) => {
    const { rowCount } = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [roles.owner]);
    if (rowCount) return;
    await client.query(`
      CREATE ROLE ${id(roles.owner)} NOLOGIN;
      CREATE ROLE ${id(roles.group)} NOLOGIN;
      CREATE ROLE ${id(roles.reader)} LOGIN CONNECTION LIMIT 5 VALID UNTIL '2099-01-01 00:00:00+00';
      GRANT ${id(roles.group)} TO ${id(roles.reader)};
      ALTER ROLE ${id(roles.reader)} SET statement_timeout = '5s';`);
  });
  return roles;
}

/** Drops the fixture's roles; every database that uses them must have been dropped first. */
export async function dropPgFidelityRoles(suffix: string): Promise<void> {
  const { owner, reader, group } = pgFidelityRoles(suffix);
  await withClient('postgres', (client) =>
    client.query(`DROP ROLE IF EXISTS ${id(reader)}; DROP ROLE IF EXISTS ${id(group)}; DROP ROLE IF EXISTS ${id(owner)};`),
  );
}

/** Fills the (empty) database `database` with the fixture; the roles are created if needed. */
export async function loadPgFidelityFixture(database: string, suffix: string): Promise<PgFidelityRoles> {
  const roles = await createPgFidelityRoles(suffix);
  const { owner, reader, group } = { owner: id(roles.owner), reader: id(roles.reader), group: id(roles.group) };
  const db = id(database);
  await withClient(database, async (client) => {
    await client.query(`
      REVOKE CREATE ON SCHEMA public FROM PUBLIC;
      REVOKE ALL ON SCHEMA public FROM PUBLIC;
      GRANT USAGE ON SCHEMA public TO ${group};
      COMMENT ON SCHEMA public IS 'Shared objects';
      ALTER SCHEMA public OWNER TO ${owner};
      CREATE SCHEMA app AUTHORIZATION ${owner};
      GRANT USAGE ON SCHEMA app TO ${group};

      SET ROLE ${owner};
      ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO ${group};
      ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
      CREATE TYPE app.mood AS ENUM ('ok', 'meh', 'bad');
      CREATE DOMAIN app.positive AS integer CHECK (VALUE > 0);
      CREATE TABLE app.accounts (
        id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name text NOT NULL UNIQUE,
        secret text,
        balance numeric(12, 2) NOT NULL DEFAULT 0,
        mood app.mood
      );
      INSERT INTO app.accounts (name, secret, balance, mood)
        SELECT 'user' || g, md5(g::text), g * 1.5, (ARRAY['ok', 'meh', 'bad']::app.mood[])[1 + g % 3]
        FROM generate_series(1, 120) g;
      CREATE SEQUENCE app.invoice_no;
      SELECT setval('app.invoice_no', 5000);
      CREATE SEQUENCE app.never_used START 7;
      CREATE TABLE app.events (id bigint NOT NULL, at date NOT NULL, qty app.positive, payload jsonb,
        PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
      CREATE TABLE app.events_2024 PARTITION OF app.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
      CREATE TABLE app.events_2025 PARTITION OF app.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
      INSERT INTO app.events SELECT g, DATE '2024-06-01' + g * 3, 1 + g % 9, jsonb_build_object('n', g)
        FROM generate_series(1, 150) g;
      CREATE INDEX events_payload ON app.events USING gin (payload);
      CREATE VIEW app.account_names AS SELECT id, name FROM app.accounts;
      CREATE MATERIALIZED VIEW app.events_per_month AS
        SELECT date_trunc('month', at) AS month, count(*) AS n FROM app.events GROUP BY 1;
      CREATE FUNCTION app.add_funds(p_id integer, amount numeric) RETURNS void
        LANGUAGE sql SECURITY DEFINER SET search_path = app, pg_temp
        AS $$ UPDATE app.accounts SET balance = balance + amount WHERE id = p_id $$;
      REVOKE EXECUTE ON FUNCTION app.add_funds(integer, numeric) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION app.add_funds(integer, numeric) TO ${group};
      CREATE TABLE app.audit (id serial PRIMARY KEY, note text);
      CREATE FUNCTION app.trim_note() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN NEW.note := btrim(NEW.note); RETURN NEW; END $$;
      CREATE TRIGGER audit_trim BEFORE INSERT ON app.audit FOR EACH ROW EXECUTE FUNCTION app.trim_note();
      INSERT INTO app.audit (note) VALUES ('  first '), ('second  ');
      GRANT SELECT (id, name), UPDATE (name) ON app.accounts TO ${reader};
      GRANT SELECT ON app.account_names TO ${reader} WITH GRANT OPTION;
      ALTER TABLE app.accounts ENABLE ROW LEVEL SECURITY;
      CREATE POLICY own_row ON app.accounts FOR SELECT TO ${reader} USING (name = current_user);
      RESET ROLE;

      CREATE TABLE public.notes (id integer PRIMARY KEY, body text);
      INSERT INTO public.notes VALUES (1, 'Ünïcode 😀 "dq" ''sq'' \\ tab\there'), (2, NULL);
      ALTER TABLE public.notes OWNER TO ${reader};
      CREATE TABLE public.superuser_owned (id integer);
      INSERT INTO public.superuser_owned SELECT generate_series(1, 3);`);
    const { rows } = await client.query<{ oid: number }>(
      "SELECT lo_from_bytea(0, convert_to('large object ' || repeat('y', 5000), 'UTF8')) AS oid",
    );
    const lo = rows[0]!.oid;
    await client.query(`
      ALTER LARGE OBJECT ${lo} OWNER TO ${owner};
      GRANT SELECT ON LARGE OBJECT ${lo} TO ${reader};
      COMMENT ON DATABASE ${db} IS ${lit(`Fidelity fixture ${suffix}: 'quoted'`)};
      ALTER DATABASE ${db} SET search_path = app, public;
      ALTER DATABASE ${db} SET work_mem = '8MB';
      ALTER ROLE ${reader} IN DATABASE ${db} SET work_mem = '64MB';
      REVOKE CONNECT ON DATABASE ${db} FROM PUBLIC;
      GRANT CONNECT ON DATABASE ${db} TO ${reader};
      GRANT TEMPORARY ON DATABASE ${db} TO ${group} WITH GRANT OPTION;
      ALTER DATABASE ${db} OWNER TO ${owner};`);
  });
  return roles;
}

let restrictKeySupported: Promise<boolean> | undefined;

/**
 * pg_dump --schema-only (with owners and ACLs), then every large object's owner and ACL (a schema-only dump leaves
 * large objects out); the database's name replaced by "<database>".
 */
export async function pgSchemaDump(database: string): Promise<string> {
  restrictKeySupported ??= runTool('pg_dump', ['--help']).then((help) => help.includes('--restrict-key'));
  // Newer pg_dump writes a random \restrict key into every plain dump: fixing it keeps two dumps comparable.
  const restrictKey = (await restrictKeySupported) ? ['--restrict-key=fidelity'] : [];
  const text = await runTool('pg_dump', [
    '--schema-only',
    ...restrictKey,
    `--host=${HOST}`,
    `--port=${PORT}`,
    `--username=${USER}`,
    `--dbname=${database}`,
  ]);
  const largeObjects = await withClient(database, (client) =>
    client.query<{ line: string }>(
      `SELECT 'LARGE OBJECT ' || oid || ' OWNER ' || pg_get_userbyid(lomowner) || ' ACL ' || coalesce(lomacl::text, 'default') AS line
       FROM pg_largeobject_metadata ORDER BY oid`,
    ),
  );
  const trailer = largeObjects.rows.map(({ line }) => `-- ${line}\n`).join('');
  return `${text}${trailer}`.split(database).join('<database>');
}

export interface PgDatabaseFacts {
  encoding: string;
  collate: string;
  ctype: string;
  localeProvider: string;
  owner: string;
  comment: string | null;
  connectionLimit: number;
  /** "grantee:privilege[*]/grantor", sorted; null for the default ACL. */
  acl: string[] | null;
  settings: string[];
  /** "role: name=value", sorted. */
  roleSettings: string[];
}

/** The database's own properties, by name, as a restore must reproduce them. */
export async function pgDatabaseProperties(database: string): Promise<PgDatabaseFacts> {
  return withClient('postgres', async (client) => {
    const { rows } = await client.query<PgDatabaseFacts & { oid: number; default_acl: boolean }>(
      `SELECT d.oid, pg_encoding_to_char(d.encoding) AS encoding, d.datcollate AS collate, d.datctype AS ctype,
         d.datlocprovider::text AS "localeProvider", pg_get_userbyid(d.datdba) AS owner,
         shobj_description(d.oid, 'pg_database') AS comment, d.datconnlimit AS "connectionLimit", d.datacl IS NULL AS default_acl
       FROM pg_database d WHERE d.datname = $1`,
      [database],
    );
    const row = rows[0];
    if (!row) throw new Error(`No database "${database}"`);
    const acl = await client.query<{ item: string }>(
      `SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END || ':' || a.privilege_type
         || CASE WHEN a.is_grantable THEN '*' ELSE '' END || '/' || pg_get_userbyid(a.grantor) AS item
       FROM pg_database d, aclexplode(d.datacl) a WHERE d.oid = $1 ORDER BY 1`,
      [row.oid],
    );
    const settings = await client.query<{ role: string | null; setting: string }>(
      `SELECT CASE WHEN s.setrole = 0 THEN NULL ELSE pg_get_userbyid(s.setrole) END AS role, unnest(s.setconfig) AS setting
       FROM pg_db_role_setting s WHERE s.setdatabase = $1 ORDER BY 1 NULLS FIRST, 2`,
      [row.oid],
    );
    return {
      encoding: row.encoding,
      collate: row.collate,
      ctype: row.ctype,
      localeProvider: row.localeProvider,
      owner: row.owner,
      comment: row.comment,
      connectionLimit: row.connectionLimit,
      acl: row.default_acl ? null : acl.rows.map(({ item }) => item),
      settings: settings.rows.filter(({ role }) => role === null).map(({ setting }) => setting),
      roleSettings: settings.rows.filter(({ role }) => role !== null).map(({ role, setting }) => `${role}: ${setting}`),
    };
  });
}

/**
 * A fingerprint of all data: rows and content hash of every table and materialized view of every schema,
 * every large object's content, every sequence's state.
 */
export async function pgAllTableFingerprints(database: string): Promise<Record<string, string>> {
  return withClient(database, async (client) => {
    const result: Record<string, string> = {};
    const { rows: relations } = await client.query<{ schema: string; name: string; kind: string }>(
      `SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'm', 'S') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
         AND n.nspname !~ '^pg_(toast|temp_)' ORDER BY 1, 2`,
    );
    for (const { schema, name, kind } of relations) {
      const relation = `${id(schema)}.${id(name)}`;
      const sql =
        kind === 'S'
          ? `SELECT last_value || ' ' || is_called AS print FROM ${relation}`
          : `SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') AS print FROM ONLY ${relation} t`;
      const { rows } = await client.query<{ print: string }>(sql);
      result[`${kind === 'S' ? 'sequence' : 'table'} ${schema}.${name}`] = rows[0]!.print;
    }
    const { rows: objects } = await client.query<{ oid: string; print: string }>(
      'SELECT oid::text AS oid, md5(lo_get(oid)) AS print FROM pg_largeobject_metadata ORDER BY oid',
    );
    for (const { oid, print } of objects) result[`large object ${oid}`] = print;
    return result;
  });
}
