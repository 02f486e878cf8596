/**
 * What a PostgreSQL backup records beside its dump (`BackupCatalog.details`): the database's own properties, which
 * pg_dump without --create leaves out, and the cluster-wide roles its objects, grants and settings refer to.
 */

/** One privilege of an ACL, as `aclexplode` gives it; `grantee` null is PUBLIC. */
export interface PgGrant {
  grantor: string;
  grantee: string | null;
  privilege: string;
  grantable: boolean;
}

/** A `pg_db_role_setting` entry: `settings` are "name=value" as the server stores them. */
export interface PgRoleDatabaseSettings {
  role: string;
  settings: string[];
}

export interface PgDatabaseProperties {
  name: string;
  encoding: string;
  collate: string;
  ctype: string;
  /** "libc", "icu" or "builtin" (PostgreSQL 17). */
  localeProvider: string;
  /** The ICU (or builtin) locale when the provider is not libc. */
  locale: string | null;
  owner: string;
  comment: string | null;
  connectionLimit: number;
  /** null: the default ACL (datacl IS NULL); otherwise every privilege, the owner's included. */
  acl: PgGrant[] | null;
  /** `ALTER DATABASE … SET` ("name=value"). */
  settings: string[];
  /** `ALTER ROLE … IN DATABASE … SET`. */
  roleSettings: PgRoleDatabaseSettings[];
}

/** Why the database needs a role. */
export type PgRoleUse = 'database-owner' | 'owner' | 'acl' | 'policy' | 'setting' | 'default-acl' | 'member-of';

export interface PgRoleMembership {
  /** The role this one is a member of. */
  role: string;
  admin: boolean;
}

export interface PgRoleDetails {
  name: string;
  uses: PgRoleUse[];
  superuser: boolean;
  inherit: boolean;
  createRole: boolean;
  createDb: boolean;
  canLogin: boolean;
  replication: boolean;
  bypassRls: boolean;
  connectionLimit: number;
  /** ISO timestamp or null. */
  validUntil: string | null;
  /** Global `ALTER ROLE … SET` ("name=value"). */
  settings: string[];
  memberOf: PgRoleMembership[];
}

export interface PostgresCatalogDetails {
  database: PgDatabaseProperties;
  /** Sorted by name; predefined roles (pg_*) appear only as memberships, never here. */
  roles: PgRoleDetails[];
}

const OWNER_USES: readonly PgRoleUse[] = ['database-owner', 'owner'];

export function isOwnerRole(role: PgRoleDetails): boolean {
  return role.uses.some((use) => OWNER_USES.includes(use));
}

export function isPredefinedRole(name: string): boolean {
  return name.startsWith('pg_');
}

/**
 * The recorded details, checked enough to fail clearly on a catalog of another engine or version; null when the
 * backup recorded none (a backup made before catalogs existed): the restore then uses the server's defaults.
 */
export function postgresDetails(details: unknown): PostgresCatalogDetails | null {
  if (details === null || details === undefined) return null;
  const candidate = details as Partial<PostgresCatalogDetails>;
  if (typeof candidate !== 'object' || !candidate.database || !Array.isArray(candidate.roles)) {
    throw new Error('The backup catalog has no PostgreSQL database details');
  }
  return candidate as PostgresCatalogDetails;
}
