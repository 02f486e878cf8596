import { Injectable } from '@nestjs/common';
import type pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BackupCatalog, BackupManifest } from './backup-catalog.js';
import {
  type ArchiveCheck,
  type ConnectionTarget,
  type ContentsListing,
  type DatabaseEngine,
  type DumpCommand,
  type RestoreCommand,
  type RestoreOptions,
  type RestorePlan,
  type ServerInfo,
  type ToolCommand,
  RestorePreflightError,
  RestoreSwitchError,
  TargetDatabaseError,
  isTransientFailure,
  redact,
} from './engine.js';
import {
  type RestoringUser,
  databaseExists,
  databaseOwner,
  existingRoles,
  inTransaction,
  isObjectInUse,
  restoringUser,
  rolesNotHeld,
  serverVersionNumber,
  sessionsOn,
  terminateSessions,
} from './pg-admin-queries.js';
import {
  type PgRoleDetails,
  type PostgresCatalogDetails,
  isOwnerRole,
  isPredefinedRole,
  postgresDetails,
} from './pg-catalog-details.js';
import { parsePgContentsLine } from './pg-archive-contents.js';
import { SNAPSHOT_CONSISTENCY, measureDatabase, readBackupCatalog } from './pg-catalog.js';
import {
  APPLICATION_NAME,
  CONNECT_TIMEOUT_SECONDS,
  connectMaintenance,
  connectPg,
  pgFailure,
  withPgClient,
} from './pg-connection.js';
import { exportSnapshot, inSavepoint } from './pg-snapshot.js';
import {
  assertServiceDatabaseName,
  createDatabaseSql,
  createRolesSql,
  databasePropertiesSql,
  dropDatabaseSql,
  renameDatabaseSql,
} from './pg-restore-sql.js';
import { PgTools } from './pg-tools.js';
import { runPgProbe } from './pg-probe.js';
import { PgTableRenaming } from './pg-table-renaming.js';
import { PgTableRestoring } from './pg-table-restoring.js';

/** How long switchIn waits, in all, for terminated sessions to be gone before it gives up. */
const SWITCH_ATTEMPTS = 10;
const SWITCH_RETRY_MS = 200;

/** A value for a libpq conninfo string: single-quoted, with \ and ' escaped, so it is always taken literally. */
export function conninfoValue(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A field of a .pgpass line: ':' and '\' escaped. */
export function pgpassField(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
}

export function pgpassLine(target: ConnectionTarget): string {
  const fields = [target.host, String(target.port), target.database, target.username, target.password];
  return `${fields.map(pgpassField).join(':')}\n`;
}

/**
 * Connection arguments shared by pg_dump and pg_restore. The database name goes inside a conninfo string we build,
 * so a user-supplied name such as "host=evil" or "postgresql://…" is a literal name, and every option uses
 * --opt=value so nothing reads as a flag.
 */
export function pgConnectionArgs(target: ConnectionTarget): string[] {
  const conninfo = [
    `dbname=${conninfoValue(target.database)}`,
    `application_name=${conninfoValue(APPLICATION_NAME)}`,
    `connect_timeout=${CONNECT_TIMEOUT_SECONDS}`,
  ].join(' ');
  return [
    '--no-password',
    `--host=${target.host}`,
    `--port=${target.port}`,
    `--username=${target.username}`,
    `--dbname=${conninfo}`,
  ];
}

/** Custom format without pg_dump's own compression: the pipeline compresses (zstd on another core is faster). */
export function pgDumpArgs(target: ConnectionTarget, snapshot?: string): string[] {
  const inSnapshot = snapshot === undefined ? [] : [`--snapshot=${snapshot}`];
  return ['--format=custom', '--compress=0', ...inSnapshot, ...pgConnectionArgs(target)];
}

/**
 * Restores into the fresh, empty database in one transaction: a failed restore leaves only that database to drop.
 * No --clean (there is nothing to replace); owners and grants are kept unless the restoring user is to own everything.
 */
export function pgRestoreArgs(target: ConnectionTarget, ownership: RestoreOptions['ownership'], tableList?: string): string[] {
  return [
    ...(tableList === undefined ? [] : [`--use-list=${tableList}`]),
    '--single-transaction',
    '--exit-on-error',
    ...(ownership === 'restoring-user' ? ['--no-owner', '--no-privileges'] : []),
    ...pgConnectionArgs(target),
  ];
}

function parseServerVersion(versionNum: string, version: string): ServerInfo {
  const numeric = Number(versionNum);
  const major = Math.floor(numeric / 10_000);
  return { major, version: version.split(' ')[0] ?? version };
}

function sessionsMessage(count: number, database: string): string {
  const sessions = `${count} session${count === 1 ? ' is' : 's are'}`;
  return `${sessions} connected to database "${database}"; close them or pass "terminateConnections": true`;
}

@Injectable()
export class PostgresEngine implements DatabaseEngine {
  readonly name = 'postgres' as const;
  readonly dumpExtension = 'dump';
  readonly restoresFromDescriptor = true;
  readonly tables: PgTableRestoring;

  constructor(private readonly tools: PgTools) {
    this.tables = new PgTableRestoring(tools, new PgTableRenaming(tools, pgToolCommand, pgDumpArgs, pgRestoreArgs));
  }

  async serverInfo(target: ConnectionTarget): Promise<ServerInfo> {
    return withPgClient(connectPg(target), async (client) => {
      try {
        const { rows } = await client.query<{ num: string; version: string }>(
          "SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS version",
        );
        return parseServerVersion(rows[0]!.num, rows[0]!.version);
      } catch (error) {
        throw pgFailure(error, target, 'Cannot connect to PostgreSQL');
      }
    });
  }

  /**
   * pg_dump in a snapshot exported by a transaction of ours, in which the catalog is read while the dump runs:
   * the manifest counts exactly what the archive holds. The transaction ends when the dump does.
   */
  async prepareDump(target: ConnectionTarget, signal: AbortSignal): Promise<DumpCommand> {
    const server = await this.serverInfo(target);
    const tools = await this.tools.forServer(server.major);
    const snapshot = await exportSnapshot(target);
    const recordCatalog = (dumpEnded: Promise<void>): Promise<BackupCatalog> => {
      const reading = inSavepoint(snapshot.client, () => readBackupCatalog(snapshot.client, server.major));
      const read = reading.catch((error: unknown) => {
        throw pgFailure(error, target, 'Cannot read the backup catalog');
      });
      let counting = true;
      read.catch(() => undefined).finally(() => (counting = false));
      const onAbort = () => void snapshot.close(counting);
      signal.addEventListener('abort', onAbort, { once: true });
      const catalog: Promise<BackupCatalog> = dumpEnded
        .then(() => read)
        .finally(async () => {
          signal.removeEventListener('abort', onAbort);
          await snapshot.close(counting);
        });
      catalog.catch(() => undefined);
      return catalog;
    };
    return {
      tool: pgToolCommand(tools.pgDump, `pg_dump ${tools.version}`, pgDumpArgs(target, snapshot.name), target),
      serverVersion: server.version,
      recordCatalog,
      release: () => snapshot.close(),
    };
  }

  async preflight(plan: RestorePlan): Promise<void> {
    const details = postgresDetails(plan.catalog.details);
    await withPgClient(connectMaintenance(plan.target), async (client) => {
      const user = await restoringUser(client);
      if (!user.superuser && !user.createDb) {
        throw new RestorePreflightError(
          `The restoring user "${user.name}" cannot create databases: grant it CREATEDB or restore as a superuser`,
        );
      }
      if (details === null) return;
      if (plan.options.ownership === 'preserve') {
        await this.provideRoles(client, details.roles, plan.options.createMissingRoles);
        if (!user.superuser) await this.checkOwnerRolesHeld(client, user, details.roles, plan.target.database);
      }
      if (!user.superuser && !user.createRole) await this.checkRoleSettingsAllowed(client, user, details, plan.options);
    });
  }

  async createFreshDatabase(plan: RestorePlan): Promise<void> {
    const properties = postgresDetails(plan.catalog.details)?.database ?? null;
    const fresh = plan.freshDatabase;
    await withPgClient(connectMaintenance(plan.target, [fresh]), async (client) => {
      await client.query(createDatabaseSql(fresh, properties)).catch((error: unknown) => {
        throw pgFailure(error, plan.target, `Cannot create database "${fresh}"`);
      });
      if (properties === null) return;
      try {
        const roles = await existingRoles(client);
        await inTransaction(client, async () => {
          for (const statement of databasePropertiesSql(fresh, properties, plan.options.ownership, roles)) {
            await client.query(statement);
          }
        });
      } catch (error) {
        await client.query(dropDatabaseSql(fresh, false)).catch(() => undefined);
        throw pgFailure(error, plan.target, `Cannot give database "${fresh}" the backup's properties`);
      }
    });
  }

  async prepareRestore(plan: RestorePlan): Promise<RestoreCommand> {
    // A partial restore adds its tables to the target itself; a whole one fills the fresh database.
    const destination = plan.tableList === undefined ? { ...plan.target, database: plan.freshDatabase } : plan.target;
    const server = await this.serverInfo(destination);
    const tools = await this.tools.forServer(server.major);
    const args = pgRestoreArgs(destination, plan.options.ownership, plan.tableList);
    return { tool: pgToolCommand(tools.pgRestore, `pg_restore ${tools.version}`, args, destination) };
  }

  async measure(plan: RestorePlan): Promise<BackupManifest> {
    return withPgClient(connectPg(plan.target, plan.freshDatabase), async (client) => {
      try {
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
        return await measureDatabase(client, SNAPSHOT_CONSISTENCY);
      } catch (error) {
        throw pgFailure(error, plan.target, `Cannot measure database "${plan.freshDatabase}"`);
      }
    });
  }

  /** Both renames in one transaction (ALTER DATABASE RENAME is transactional): all or nothing. */
  async switchIn(plan: RestorePlan): Promise<{ setAside: boolean }> {
    const { target, freshDatabase: fresh } = plan;
    return withPgClient(connectMaintenance(target, [target.database, fresh]), async (client) => {
      try {
        return await this.switchWhenFree(client, plan);
      } catch (error) {
        if (error instanceof RestoreSwitchError) throw error;
        if (isObjectInUse(error) && !plan.options.terminateConnections) {
          const count = Math.max(await sessionsOn(client, target.database).catch(() => 1), 1);
          throw new RestoreSwitchError(sessionsMessage(count, target.database));
        }
        const message = redact((error as Error).message, target.password);
        throw new RestoreSwitchError(`Cannot put database "${fresh}" in the place of "${target.database}": ${message}`);
      }
    });
  }

  async dropServiceDatabase(target: ConnectionTarget, name: string): Promise<void> {
    assertServiceDatabaseName(name);
    await withPgClient(connectMaintenance(target, [name]), async (client) => {
      try {
        // DROP DATABASE … WITH (FORCE) exists from PostgreSQL 13.
        const force = (await serverVersionNumber(client)) >= 130_000;
        if (!force) await terminateSessions(client, [name]);
        await client.query(dropDatabaseSql(name, force));
      } catch (error) {
        throw pgFailure(error, target, `Cannot drop database "${name}"`);
      }
    });
  }

  async listServiceDatabases(target: ConnectionTarget, prefix: string): Promise<string[]> {
    assertServiceDatabaseName(`${prefix}x`);
    return withPgClient(connectMaintenance(target), async (client) => {
      const { rows } = await client
        .query<{ datname: string }>('SELECT datname FROM pg_database WHERE left(datname, length($1)) = $1 ORDER BY datname', [prefix])
        .catch((error: unknown) => {
          throw pgFailure(error, target, 'Cannot list databases');
        });
      return rows.map((row) => row.datname);
    });
  }

  runProbe(target: ConnectionTarget, database: string, sql: string, timeoutMs: number): Promise<string | null> {
    return runPgProbe(target, database, sql, timeoutMs);
  }

  /** pg_restore reads the whole archive (TOC and every data block) into /dev/null, without a database. */
  async archiveCheck(): Promise<ArchiveCheck> {
    const [tools] = (await this.tools.list()).slice(-1);
    if (!tools) throw new Error('No pg_restore is installed');
    return {
      kind: 'tool',
      file: tools.pgRestore,
      args: ['--file=/dev/null'],
      failure: (detail) => new Error(`pg_restore cannot read the archive: ${detail}`),
    };
  }

  /** pg_restore prints the archive's table of contents (read from stdin, no database); each line is parsed here. */
  async prepareContents(): Promise<ContentsListing> {
    const [tools] = (await this.tools.list()).slice(-1);
    if (!tools) throw new Error('No pg_restore is installed');
    return {
      kind: 'tool',
      file: tools.pgRestore,
      args: ['--list'],
      failure: (detail) => new Error(`pg_restore cannot read the archive's table of contents: ${detail}`),
      parse: parsePgContentsLine,
    };
  }

  /** Missing roles (predefined ones never are) fail the preflight, or are created when the options allow. */
  private async provideRoles(client: pg.Client, roles: PgRoleDetails[], createMissing: boolean): Promise<void> {
    const existing = await existingRoles(client);
    const missing = roles.map(({ name }) => name).filter((name) => !isPredefinedRole(name) && !existing.has(name));
    if (missing.length === 0) return;
    if (!createMissing) {
      throw new RestorePreflightError(
        `The target server lacks roles this backup needs: ${missing.join(', ')}. Create them, pass ` +
          '"createMissingRoles": true to create them from the backup, or "ownership": "restoring-user"',
      );
    }
    try {
      await inTransaction(client, async () => {
        for (const statement of createRolesSql(roles, new Set(missing), existing)) await client.query(statement);
      });
    } catch (error) {
      throw new RestorePreflightError(`Cannot create the roles ${missing.join(', ')}: ${(error as Error).message}`);
    }
  }

  /** A user that is not a superuser can give objects (and the target's name) only to roles it is a member of. */
  private async checkOwnerRolesHeld(client: pg.Client, user: RestoringUser, roles: PgRoleDetails[], target: string) {
    const targetOwner = await databaseOwner(client, target);
    const owners = [...new Set([...roles.filter(isOwnerRole).map(({ name }) => name), ...targetOwner])];
    const notHeld = await rolesNotHeld(client, owners);
    if (notHeld.length > 0) {
      throw new RestorePreflightError(
        `The restoring user "${user.name}" is not a member of the owner role(s) ${notHeld.join(', ')}: grant them to it, ` +
          'restore as a superuser, or pass "ownership": "restoring-user"',
      );
    }
  }

  /** `ALTER ROLE … IN DATABASE … SET` for another role needs CREATEROLE (or a superuser). */
  private async checkRoleSettingsAllowed(
    client: pg.Client,
    user: RestoringUser,
    details: PostgresCatalogDetails,
    options: RestoreOptions,
  ): Promise<void> {
    const existing = await existingRoles(client);
    const others = details.database.roleSettings
      .map(({ role }) => role)
      .filter((role) => role !== user.name && (options.ownership === 'preserve' || existing.has(role)));
    if (others.length > 0) {
      throw new RestorePreflightError(
        `The restoring user "${user.name}" cannot restore the database settings of role(s) ${others.join(', ')} ` +
          '(ALTER ROLE … IN DATABASE … SET): grant it CREATEROLE or restore as a superuser',
      );
    }
  }

  /** Ends the sessions in the way (with consent for the target's), then renames; retries while sessions linger. */
  private async switchWhenFree(client: pg.Client, plan: RestorePlan): Promise<{ setAside: boolean }> {
    const { target, freshDatabase: fresh, options } = plan;
    for (let attempt = 1; ; attempt++) {
      const sessions = await sessionsOn(client, target.database);
      if (sessions > 0 && !options.terminateConnections) {
        throw new RestoreSwitchError(sessionsMessage(sessions, target.database));
      }
      // Sessions on the fresh database can only be leftovers of this restore.
      await terminateSessions(client, options.terminateConnections ? [target.database, fresh] : [fresh]);
      try {
        return await this.renameInTransaction(client, plan);
      } catch (error) {
        if (!isObjectInUse(error) || !options.terminateConnections || attempt >= SWITCH_ATTEMPTS) throw error;
        await sleep(SWITCH_RETRY_MS);
      }
    }
  }

  private async renameInTransaction(client: pg.Client, plan: RestorePlan): Promise<{ setAside: boolean }> {
    const { target, freshDatabase, asideDatabase } = plan;
    return inTransaction(client, async () => {
      const setAside = await databaseExists(client, target.database);
      if (setAside) await client.query(renameDatabaseSql(target.database, asideDatabase));
      await client.query(renameDatabaseSql(freshDatabase, target.database));
      return { setAside };
    });
  }
}

/** A libpq tool with the password in a 0600 PGPASSFILE. */
export function pgToolCommand(file: string, version: string, args: string[], target: ConnectionTarget): ToolCommand {
  return {
    file,
    version,
    credentials: { name: 'pgpass', content: pgpassLine(target) },
    args: () => args,
    env: (passfile) => ({ PGPASSFILE: passfile }),
    failure: (reason) => {
      const message = redact(reason, target.password);
      return new TargetDatabaseError(message, isTransientFailure(message));
    },
  };
}
