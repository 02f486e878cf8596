/**
 * The catalog queries of a PostgreSQL backup: what the dump holds (manifest), the database's own properties and the
 * roles it needs (details), and what pg_dump does not carry faithfully (warnings). Each function takes a client
 * connected to the database, inside the dump's snapshot for a backup or on the restored copy for `measure`.
 */
import pg from 'pg';
import type { BackupCatalog, BackupManifest } from './backup-catalog.js';
import type {
  PgDatabaseProperties,
  PgGrant,
  PgRoleDatabaseSettings,
  PgRoleDetails,
  PgRoleMembership,
  PgRoleUse,
  PostgresCatalogDetails,
} from './pg-catalog-details.js';

type Queryable = Pick<pg.Client, 'query'>;

/** The counts are taken in the snapshot pg_dump dumps: exactly what the archive holds. */
export const SNAPSHOT_CONSISTENCY = 'snapshot';

/** Schemas of the database's own objects: not the system ones, not another session's temporary ones. */
const USER_NAMESPACES = `(SELECT oid FROM pg_namespace
  WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname !~ '^pg_(toast|temp_)')`;

/** pg_dump writes an extension's members with CREATE EXTENSION, not one by one. */
function notExtensionMember(catalog: string, oid: string): string {
  return `NOT EXISTS (SELECT 1 FROM pg_depend e
    WHERE e.classid = '${catalog}'::regclass AND e.objid = ${oid} AND e.deptype = 'e')`;
}

/** Tables holding data once: ordinary tables and leaf partitions (not partitioned parents), populated matviews. */
const TABLES_WITH_ROWS = `
SELECT n.nspname AS schema, c.relname AS name
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE (c.relkind = 'r' OR (c.relkind = 'm' AND c.relispopulated))
  AND c.relnamespace IN ${USER_NAMESPACES}
  AND ${notExtensionMember('pg_class', 'c.oid')}
ORDER BY 1, 2`;

const SEQUENCES = `
SELECT n.nspname AS schema, c.relname AS name
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'S' AND c.relnamespace IN ${USER_NAMESPACES} AND ${notExtensionMember('pg_class', 'c.oid')}
ORDER BY 1, 2`;

/** Object kinds pg_dump carries, one row per object; user objects only (OIDs from 16384 where no schema says so). */
const OBJECT_KINDS = `
SELECT kind, count(*)::int AS count FROM (
  SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table' WHEN 'v' THEN 'view'
    WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index'
    WHEN 'f' THEN 'foreign table' WHEN 'c' THEN 'type' END AS kind
  FROM pg_class c
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'i', 'I', 'f', 'c') AND c.relnamespace IN ${USER_NAMESPACES}
    AND ${notExtensionMember('pg_class', 'c.oid')}
  UNION ALL
  SELECT CASE p.prokind WHEN 'f' THEN 'function' WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate'
    WHEN 'w' THEN 'window function' END
  FROM pg_proc p WHERE p.pronamespace IN ${USER_NAMESPACES} AND ${notExtensionMember('pg_proc', 'p.oid')}
  UNION ALL
  SELECT 'trigger' FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
  WHERE NOT t.tgisinternal AND c.relnamespace IN ${USER_NAMESPACES} AND ${notExtensionMember('pg_class', 'c.oid')}
  UNION ALL
  SELECT 'constraint' FROM pg_constraint k
  WHERE k.connamespace IN ${USER_NAMESPACES}
    AND NOT EXISTS (SELECT 1 FROM pg_depend e JOIN pg_class c ON c.oid = k.conrelid
      WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
  UNION ALL
  SELECT 'schema' FROM pg_namespace s WHERE s.oid IN ${USER_NAMESPACES} AND ${notExtensionMember('pg_namespace', 's.oid')}
  UNION ALL
  SELECT CASE WHEN t.typtype = 'd' THEN 'domain' ELSE 'type' END FROM pg_type t
  WHERE t.typtype IN ('b', 'd', 'e', 'r', 'm') AND t.typnamespace IN ${USER_NAMESPACES}
    AND NOT EXISTS (SELECT 1 FROM pg_type a WHERE a.typarray = t.oid) AND ${notExtensionMember('pg_type', 't.oid')}
  UNION ALL
  SELECT 'extension' FROM pg_extension
  UNION ALL
  SELECT 'policy' FROM pg_policy
  UNION ALL
  SELECT 'rule' FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
  WHERE r.rulename <> '_RETURN' AND c.relnamespace IN ${USER_NAMESPACES} AND ${notExtensionMember('pg_class', 'c.oid')}
  UNION ALL
  SELECT 'large object' FROM pg_largeobject_metadata
  UNION ALL
  SELECT 'event trigger' FROM pg_event_trigger x WHERE ${notExtensionMember('pg_event_trigger', 'x.oid')}
  UNION ALL
  SELECT 'publication' FROM pg_publication
  UNION ALL
  SELECT 'collation' FROM pg_collation o WHERE o.collnamespace IN ${USER_NAMESPACES} AND ${notExtensionMember('pg_collation', 'o.oid')}
  UNION ALL
  SELECT 'conversion' FROM pg_conversion o WHERE o.connamespace IN ${USER_NAMESPACES} AND ${notExtensionMember('pg_conversion', 'o.oid')}
  UNION ALL
  SELECT 'operator' FROM pg_operator o WHERE o.oprnamespace IN ${USER_NAMESPACES} AND ${notExtensionMember('pg_operator', 'o.oid')}
  UNION ALL
  SELECT 'operator class' FROM pg_opclass o WHERE o.opcnamespace IN ${USER_NAMESPACES} AND ${notExtensionMember('pg_opclass', 'o.oid')}
  UNION ALL
  SELECT 'operator family' FROM pg_opfamily o WHERE o.opfnamespace IN ${USER_NAMESPACES} AND ${notExtensionMember('pg_opfamily', 'o.oid')}
  UNION ALL
  SELECT 'text search configuration' FROM pg_ts_config o WHERE o.cfgnamespace IN ${USER_NAMESPACES} AND ${notExtensionMember('pg_ts_config', 'o.oid')}
  UNION ALL
  SELECT 'text search dictionary' FROM pg_ts_dict o WHERE o.dictnamespace IN ${USER_NAMESPACES} AND ${notExtensionMember('pg_ts_dict', 'o.oid')}
  UNION ALL
  SELECT 'statistics' FROM pg_statistic_ext o WHERE o.stxnamespace IN ${USER_NAMESPACES} AND ${notExtensionMember('pg_statistic_ext', 'o.oid')}
  UNION ALL
  SELECT 'foreign data wrapper' FROM pg_foreign_data_wrapper o WHERE ${notExtensionMember('pg_foreign_data_wrapper', 'o.oid')}
  UNION ALL
  SELECT 'foreign server' FROM pg_foreign_server o WHERE ${notExtensionMember('pg_foreign_server', 'o.oid')}
  UNION ALL
  SELECT 'user mapping' FROM pg_user_mappings
  UNION ALL
  SELECT 'cast' FROM pg_cast o WHERE o.oid >= 16384 AND ${notExtensionMember('pg_cast', 'o.oid')}
  UNION ALL
  SELECT 'language' FROM pg_language o WHERE o.oid >= 16384 AND ${notExtensionMember('pg_language', 'o.oid')}
  UNION ALL
  SELECT 'access method' FROM pg_am o WHERE o.oid >= 16384 AND ${notExtensionMember('pg_am', 'o.oid')}
) objects
GROUP BY kind ORDER BY kind`;

function qualifiedName(schema: string, name: string): string {
  return `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(name)}`;
}

async function countRows(client: Queryable): Promise<Record<string, number>> {
  const { rows: tables } = await client.query<{ schema: string; name: string }>(TABLES_WITH_ROWS);
  const counts: Record<string, number> = {};
  for (const { schema, name } of tables) {
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ONLY ${qualifiedName(schema, name)}`);
    counts[`${schema}.${name}`] = Number(rows[0]!.n);
  }
  return counts;
}

async function countObjects(client: Queryable): Promise<Record<string, number>> {
  const { rows } = await client.query<{ kind: string; count: number }>(OBJECT_KINDS);
  return Object.fromEntries(rows.map(({ kind, count }) => [kind, count]));
}

/** "last_value" or "last_value (not called)": what setval() in the dump restores. */
async function readSequences(client: Queryable): Promise<Record<string, string>> {
  const { rows: sequences } = await client.query<{ schema: string; name: string }>(SEQUENCES);
  const states: Record<string, string> = {};
  for (const { schema, name } of sequences) {
    const { rows } = await client.query<{ last_value: string; is_called: boolean }>(
      `SELECT last_value::text AS last_value, is_called FROM ${qualifiedName(schema, name)}`,
    );
    const { last_value: lastValue, is_called: called } = rows[0]!;
    states[`${schema}.${name}`] = called ? lastValue : `${lastValue} (not called)`;
  }
  return states;
}

/** The manifest of the database `client` is connected to, as its transaction sees it. */
export async function measureDatabase(client: Queryable, consistency: string): Promise<BackupManifest> {
  return {
    tables: await countRows(client),
    objects: await countObjects(client),
    sequences: await readSequences(client),
    consistency,
  };
}

function localeColumns(serverMajor: number): string {
  const provider = `CASE d.datlocprovider WHEN 'c' THEN 'libc' WHEN 'i' THEN 'icu' WHEN 'b' THEN 'builtin' END`;
  if (serverMajor >= 17) return `${provider} AS provider, d.datlocale AS locale`;
  if (serverMajor >= 15) return `${provider} AS provider, d.daticulocale AS locale`;
  return `'libc' AS provider, NULL::text AS locale`;
}

const DATABASE_ACL = `
SELECT pg_get_userbyid(a.grantor) AS grantor, CASE WHEN a.grantee = 0 THEN NULL ELSE pg_get_userbyid(a.grantee) END AS grantee,
  a.privilege_type AS privilege, a.is_grantable AS grantable
FROM pg_database d, aclexplode(d.datacl) a WHERE d.datname = current_database()
ORDER BY 2 NULLS FIRST, 3, 1`;

const DATABASE_SETTINGS = `
SELECT CASE WHEN s.setrole = 0 THEN NULL ELSE pg_get_userbyid(s.setrole) END AS role, s.setconfig AS settings
FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
WHERE d.datname = current_database() ORDER BY 1 NULLS FIRST`;

async function readDatabaseProperties(client: Queryable, serverMajor: number): Promise<PgDatabaseProperties> {
  const { rows } = await client.query<{
    name: string; encoding: string; collate: string; ctype: string; provider: string; locale: string | null;
    owner: string; comment: string | null; connection_limit: number; default_acl: boolean;
  }>(`SELECT d.datname AS name, pg_encoding_to_char(d.encoding) AS encoding, d.datcollate AS collate, d.datctype AS ctype,
      ${localeColumns(serverMajor)}, pg_get_userbyid(d.datdba) AS owner, shobj_description(d.oid, 'pg_database') AS comment,
      d.datconnlimit AS connection_limit, d.datacl IS NULL AS default_acl
    FROM pg_database d WHERE d.datname = current_database()`);
  const row = rows[0]!;
  const acl = row.default_acl ? null : (await client.query<PgGrant>(DATABASE_ACL)).rows;
  const settings = (await client.query<{ role: string | null; settings: string[] }>(DATABASE_SETTINGS)).rows;
  return {
    name: row.name,
    encoding: row.encoding,
    collate: row.collate,
    ctype: row.ctype,
    localeProvider: row.provider,
    locale: row.locale,
    owner: row.owner,
    comment: row.comment,
    connectionLimit: row.connection_limit,
    acl,
    settings: settings.find(({ role }) => role === null)?.settings ?? [],
    roleSettings: settings
      .filter((entry): entry is PgRoleDatabaseSettings => entry.role !== null)
      .map(({ role, settings: values }) => ({ role, settings: values })),
  };
}

/**
 * Every role the database refers to, and why: pg_shdepend (owners, ACL grantees, policies; the bootstrap superuser is
 * pinned there, so it is checked by ownership), the database's owner and ACL, role settings, default ACLs; then
 * every role those are members of, transitively.
 */
const NEEDED_ROLES = `
WITH RECURSIVE db AS (SELECT oid, datdba FROM pg_database WHERE datname = current_database()),
direct(role, use) AS (
  SELECT d.refobjid, CASE d.deptype WHEN 'o' THEN 'owner' WHEN 'r' THEN 'policy' ELSE 'acl' END
  FROM pg_shdepend d, db WHERE d.dbid = db.oid AND d.refclassid = 'pg_authid'::regclass
  UNION
  SELECT d.refobjid, CASE d.deptype WHEN 'o' THEN 'database-owner' ELSE 'acl' END
  FROM pg_shdepend d, db
  WHERE d.dbid = 0 AND d.classid = 'pg_database'::regclass AND d.objid = db.oid AND d.refclassid = 'pg_authid'::regclass
  UNION SELECT datdba, 'database-owner' FROM db
  UNION SELECT s.setrole, 'setting' FROM pg_db_role_setting s, db WHERE s.setdatabase = db.oid AND s.setrole <> 0
  UNION SELECT defaclrole, 'default-acl' FROM pg_default_acl
  UNION SELECT a.grantee, 'default-acl' FROM pg_default_acl, aclexplode(defaclacl) a WHERE a.grantee <> 0
  UNION SELECT 10::oid, 'owner' WHERE
    EXISTS (SELECT 1 FROM pg_class c WHERE c.relowner = 10 AND c.relnamespace IN ${USER_NAMESPACES}
      AND ${notExtensionMember('pg_class', 'c.oid')})
    OR EXISTS (SELECT 1 FROM pg_proc p WHERE p.proowner = 10 AND p.pronamespace IN ${USER_NAMESPACES}
      AND ${notExtensionMember('pg_proc', 'p.oid')})
    OR EXISTS (SELECT 1 FROM pg_type t WHERE t.typowner = 10 AND t.typnamespace IN ${USER_NAMESPACES}
      AND ${notExtensionMember('pg_type', 't.oid')})
    OR EXISTS (SELECT 1 FROM pg_namespace s WHERE s.nspowner = 10 AND s.oid IN ${USER_NAMESPACES}
      AND s.nspname <> 'public' AND ${notExtensionMember('pg_namespace', 's.oid')})
    OR EXISTS (SELECT 1 FROM pg_largeobject_metadata l WHERE l.lomowner = 10)
),
needed(role) AS (
  SELECT role FROM direct
  UNION
  SELECT m.roleid FROM pg_auth_members m JOIN needed n ON m.member = n.role
)
SELECT r.rolname AS name,
  coalesce((SELECT array_agg(DISTINCT d.use ORDER BY d.use) FROM direct d WHERE d.role = r.oid), '{member-of}') AS uses,
  r.rolsuper AS superuser, r.rolinherit AS inherit, r.rolcreaterole AS create_role, r.rolcreatedb AS create_db,
  r.rolcanlogin AS can_login, r.rolreplication AS replication, r.rolbypassrls AS bypass_rls,
  r.rolconnlimit AS connection_limit, r.rolvaliduntil::text AS valid_until,
  coalesce((SELECT s.setconfig FROM pg_db_role_setting s WHERE s.setdatabase = 0 AND s.setrole = r.oid), '{}') AS settings,
  coalesce((SELECT json_agg(json_build_object('role', g.name, 'admin', g.admin) ORDER BY g.name)
    FROM (SELECT p.rolname AS name, bool_or(m.admin_option) AS admin
          FROM pg_auth_members m JOIN pg_roles p ON p.oid = m.roleid WHERE m.member = r.oid GROUP BY p.rolname) g),
    '[]') AS member_of
FROM pg_roles r
WHERE r.oid IN (SELECT role FROM needed) AND r.rolname !~ '^pg_'
ORDER BY r.rolname`;

interface NeededRoleRow {
  name: string; uses: PgRoleUse[]; superuser: boolean; inherit: boolean; create_role: boolean; create_db: boolean;
  can_login: boolean; replication: boolean; bypass_rls: boolean; connection_limit: number; valid_until: string | null;
  settings: string[]; member_of: PgRoleMembership[];
}

async function readNeededRoles(client: Queryable): Promise<PgRoleDetails[]> {
  const { rows } = await client.query<NeededRoleRow>(NEEDED_ROLES);
  return rows.map((row) => ({
    name: row.name,
    uses: row.uses,
    superuser: row.superuser,
    inherit: row.inherit,
    createRole: row.create_role,
    createDb: row.create_db,
    canLogin: row.can_login,
    replication: row.replication,
    bypassRls: row.bypass_rls,
    connectionLimit: row.connection_limit,
    validUntil: row.valid_until,
    settings: row.settings,
    memberOf: row.member_of,
  }));
}

export async function readCatalogDetails(client: Queryable, serverMajor: number): Promise<PostgresCatalogDetails> {
  return { database: await readDatabaseProperties(client, serverMajor), roles: await readNeededRoles(client) };
}

const WARNING_FACTS = `
SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
  (SELECT count(*)::int FROM pg_event_trigger) AS event_triggers,
  (SELECT count(*)::int FROM pg_subscription s JOIN pg_database d ON d.oid = s.subdbid WHERE d.datname = current_database())
    AS subscriptions,
  (SELECT count(*)::int FROM pg_class c WHERE c.relkind = 'f' AND c.relnamespace IN ${USER_NAMESPACES}) AS foreign_tables,
  (SELECT coalesce(array_agg(DISTINCT t.spcname::text ORDER BY t.spcname::text), '{}') FROM pg_class c
    JOIN pg_tablespace t ON t.oid = c.reltablespace WHERE c.relnamespace IN ${USER_NAMESPACES}) AS tablespaces`;

/** What pg_dump does not carry faithfully and is cheap to detect. */
export async function readDumpWarnings(client: Queryable): Promise<string[]> {
  const { rows } = await client.query<{
    superuser: boolean; event_triggers: number; subscriptions: number; foreign_tables: number; tablespaces: string[];
  }>(WARNING_FACTS);
  const facts = rows[0]!;
  const warnings: string[] = [];
  if (facts.event_triggers > 0 && !facts.superuser) {
    warnings.push(`${facts.event_triggers} event trigger(s): only a superuser can restore them`);
  }
  if (facts.subscriptions > 0) {
    warnings.push(
      `${facts.subscriptions} subscription(s): pg_dump writes them only when run by a superuser, and a restore ` +
        'creates them disabled and without a replication slot (ALTER SUBSCRIPTION … ENABLE after the restore)',
    );
  }
  if (facts.foreign_tables > 0) {
    warnings.push(`${facts.foreign_tables} foreign table(s): only their definitions are in the dump, not the remote rows`);
  }
  if (facts.tablespaces.length > 0) {
    warnings.push(`Objects in tablespace(s) ${facts.tablespaces.join(', ')}: the target server needs tablespaces with those names`);
  }
  return warnings;
}

/** The whole sidecar of a backup, read in the transaction whose snapshot pg_dump dumps. */
export async function readBackupCatalog(client: Queryable, serverMajor: number): Promise<BackupCatalog> {
  const manifest = await measureDatabase(client, SNAPSHOT_CONSISTENCY);
  const details = await readCatalogDetails(client, serverMajor);
  const warnings = await readDumpWarnings(client);
  return { format: 1, engine: 'postgres', manifest, warnings, details };
}
