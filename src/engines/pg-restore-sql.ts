/**
 * The statements a restore runs outside pg_restore, built from a backup's recorded details: the roles it lacks,
 * the fresh database with the source's properties, the switch. Names and values are always quoted by the driver.
 */
import pg from 'pg';
import type { RestoreOptions } from './engine.js';
import type { PgDatabaseProperties, PgGrant, PgRoleDetails } from './pg-catalog-details.js';

const SERVICE_DATABASE_PREFIXES = ['dbbackup_restore_', 'dbbackup_aside_', 'dbbackup_drill_'];

/** Only databases this service named may be dropped by it. */
export function assertServiceDatabaseName(name: string): void {
  if (!SERVICE_DATABASE_PREFIXES.some((prefix) => name.startsWith(prefix) && name.length > prefix.length)) {
    throw new Error(`Refusing to drop database "${name}": it is not a restore or aside database of this service`);
  }
}

const ident = (name: string): string => pg.escapeIdentifier(name);
const literal = (value: string): string => pg.escapeLiteral(value);

/** Settings whose value is a list of separately quoted items, as pg_dump treats them (variable_is_guc_list_quote). */
const LIST_SETTINGS = new Set([
  'local_preload_libraries',
  'search_path',
  'session_preload_libraries',
  'shared_preload_libraries',
  'temp_tablespaces',
  'unix_socket_directories',
]);

/** Splits a stored list setting ('"$user", public') into its items, as the server's SplitGUCList does. */
export function splitSettingList(value: string): string[] {
  const items: string[] = [];
  let index = 0;
  const skipSpaces = () => {
    while (index < value.length && /\s/.test(value[index]!)) index++;
  };
  skipSpaces();
  if (index >= value.length) return [];
  for (;;) {
    let item = '';
    if (value[index] === '"') {
      index++;
      while (index < value.length && !(value[index] === '"' && value[index + 1] !== '"')) {
        item += value[index]!;
        index += value[index] === '"' ? 2 : 1;
      }
      index++;
    } else {
      while (index < value.length && value[index] !== ',' && !/\s/.test(value[index]!)) item += value[index++]!;
    }
    items.push(item);
    skipSpaces();
    if (value[index] !== ',') return items;
    index++;
    skipSpaces();
  }
}

/** `<prefix> SET name TO value` from a stored "name=value". */
export function setSettingSql(prefix: string, setting: string): string {
  const separator = setting.indexOf('=');
  const name = setting.slice(0, separator);
  const value = setting.slice(separator + 1);
  const values = LIST_SETTINGS.has(name.toLowerCase()) ? splitSettingList(value).map(literal) : [literal(value)];
  return `${prefix} SET ${ident(name)} TO ${values.length > 0 ? values.join(', ') : "''"}`;
}

function flag(enabled: boolean, word: string): string {
  return enabled ? word : `NO${word}`;
}

/** CREATE ROLE with the recorded attributes and never a password: a created login role cannot log in by password. */
export function createRoleSql(role: PgRoleDetails): string {
  const attributes = [
    flag(role.superuser, 'SUPERUSER'),
    flag(role.inherit, 'INHERIT'),
    flag(role.createRole, 'CREATEROLE'),
    flag(role.createDb, 'CREATEDB'),
    flag(role.canLogin, 'LOGIN'),
    flag(role.replication, 'REPLICATION'),
    flag(role.bypassRls, 'BYPASSRLS'),
    `CONNECTION LIMIT ${Math.trunc(role.connectionLimit)}`,
    ...(role.validUntil ? [`VALID UNTIL ${literal(role.validUntil)}`] : []),
  ];
  return `CREATE ROLE ${ident(role.name)} ${attributes.join(' ')}`;
}

/**
 * Everything to run for the roles in `created` (already known to be missing): CREATE ROLE, then the memberships
 * that involve a created role (in both directions) where the other role exists, then their global settings.
 */
export function createRolesSql(roles: PgRoleDetails[], created: Set<string>, existing: Set<string>): string[] {
  const present = new Set([...existing, ...created]);
  const toCreate = roles.filter((role) => created.has(role.name));
  const memberships = roles.flatMap((member) =>
    member.memberOf
      .filter(({ role }) => present.has(member.name) && present.has(role) && (created.has(role) || created.has(member.name)))
      .map(({ role, admin }) => `GRANT ${ident(role)} TO ${ident(member.name)}${admin ? ' WITH ADMIN OPTION' : ''}`),
  );
  const settings = toCreate.flatMap((role) => role.settings.map((setting) => setSettingSql(`ALTER ROLE ${ident(role.name)}`, setting)));
  return [...toCreate.map(createRoleSql), ...memberships, ...settings];
}

/**
 * CREATE DATABASE for an empty copy with the source's encoding and locale (template0: the only template that allows
 * them, and one without objects added to template1). Without recorded properties, the server's defaults.
 */
export function createDatabaseSql(name: string, properties: PgDatabaseProperties | null): string {
  if (properties === null) return `CREATE DATABASE ${ident(name)} TEMPLATE template0`;
  const options = [
    'TEMPLATE template0',
    `ENCODING ${literal(properties.encoding)}`,
    `LC_COLLATE ${literal(properties.collate)}`,
    `LC_CTYPE ${literal(properties.ctype)}`,
  ];
  if (properties.localeProvider !== 'libc') {
    options.push(`LOCALE_PROVIDER ${ident(properties.localeProvider)}`);
    if (properties.locale !== null) {
      options.push(`${properties.localeProvider === 'icu' ? 'ICU_LOCALE' : 'BUILTIN_LOCALE'} ${literal(properties.locale)}`);
    }
  }
  return `CREATE DATABASE ${ident(name)} ${options.join(' ')}`;
}

function granteeSql(grantee: string | null): string {
  return grantee === null ? 'PUBLIC' : ident(grantee);
}

/**
 * The recorded database ACL on `database`: every default privilege revoked (PUBLIC's and the owner's), then each
 * recorded privilege granted, so the result is the recorded list whatever the defaults were.
 */
export function databaseAclSql(database: string, owner: string, acl: PgGrant[]): string[] {
  const target = `ON DATABASE ${ident(database)}`;
  const groups = new Map<string, { grantee: string | null; grantable: boolean; privileges: string[] }>();
  for (const grant of acl) {
    const key = JSON.stringify([grant.grantee, grant.grantable]);
    const group = groups.get(key) ?? { grantee: grant.grantee, grantable: grant.grantable, privileges: [] };
    group.privileges.push(grant.privilege);
    groups.set(key, group);
  }
  const grants = [...groups.values()].map(
    ({ grantee, grantable, privileges }) =>
      `GRANT ${privileges.join(', ')} ${target} TO ${granteeSql(grantee)}${grantable ? ' WITH GRANT OPTION' : ''}`,
  );
  return [`REVOKE ALL ${target} FROM PUBLIC`, `REVOKE ALL ${target} FROM ${ident(owner)}`, ...grants];
}

/**
 * What makes `database` carry the source's properties, run right after CREATE DATABASE. With ownership
 * "restoring-user", no owner and no ACL, and role settings only for roles in `existingRoles`.
 */
export function databasePropertiesSql(
  database: string,
  properties: PgDatabaseProperties,
  ownership: RestoreOptions['ownership'],
  existingRoles: Set<string>,
): string[] {
  const preserve = ownership === 'preserve';
  const name = ident(database);
  const statements: string[] = [];
  if (preserve) statements.push(`ALTER DATABASE ${name} OWNER TO ${ident(properties.owner)}`);
  if (properties.comment !== null) statements.push(`COMMENT ON DATABASE ${name} IS ${literal(properties.comment)}`);
  if (properties.connectionLimit !== -1) {
    statements.push(`ALTER DATABASE ${name} CONNECTION LIMIT ${Math.trunc(properties.connectionLimit)}`);
  }
  if (preserve && properties.acl !== null) statements.push(...databaseAclSql(database, properties.owner, properties.acl));
  statements.push(...properties.settings.map((setting) => setSettingSql(`ALTER DATABASE ${name}`, setting)));
  for (const { role, settings } of properties.roleSettings) {
    if (!preserve && !existingRoles.has(role)) continue;
    statements.push(...settings.map((setting) => setSettingSql(`ALTER ROLE ${ident(role)} IN DATABASE ${name}`, setting)));
  }
  return statements;
}

export function renameDatabaseSql(from: string, to: string): string {
  return `ALTER DATABASE ${ident(from)} RENAME TO ${ident(to)}`;
}

export function dropDatabaseSql(name: string, force: boolean): string {
  return `DROP DATABASE IF EXISTS ${ident(name)}${force ? ' WITH (FORCE)' : ''}`;
}
