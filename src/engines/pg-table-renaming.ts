import pg from 'pg';
import {
  type ConnectionTarget,
  type RestoreOptions,
  restoredName,
  type TableRenaming,
  type TableSelection,
  TargetDatabaseError,
  type ToolCommand,
} from './engine.js';
import { inTransaction } from './pg-admin-queries.js';
import { connectPg, pgFailure, withPgClient } from './pg-connection.js';
import type { PgTools } from './pg-tools.js';

/** Makes the command of one PostgreSQL client tool (see pgToolCommand). */
export type PgToolCommandFactory = (file: string, version: string, args: string[], target: ConnectionTarget) => ToolCommand;

/** Builds the restore tool's arguments for `target` (see pgRestoreArgs). */
export type PgRestoreArgs = (target: ConnectionTarget, ownership: RestoreOptions['ownership']) => string[];
/** Builds pg_dump's custom-format arguments for `source` (see pgDumpArgs). */
export type PgDumpArgs = (source: ConnectionTarget) => string[];

const MAX_NAME_BYTES = 63;

function splitName(qualified: string): [string, string] {
  const dot = qualified.indexOf('.');
  return [qualified.slice(0, dot), qualified.slice(dot + 1)];
}

function quoted(qualified: string): string {
  const [schema, name] = splitName(qualified);
  return `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(name)}`;
}

/** A name cut to PostgreSQL's 63 bytes without splitting a character. */
function truncated(name: string): string {
  let result = name;
  while (Buffer.byteLength(result, 'utf8') > MAX_NAME_BYTES) result = result.slice(0, -1);
  return result;
}

/**
 * The new name of an index or owned sequence of a renamed table: the table's old name inside it replaced by the new
 * one (orders_pkey → orders_yesterday_pkey); a name without the table's keeps its name unless `taken` has it, then
 * gets the new table's name and "_" before it. Null: the name stays. Throws when no free name is found.
 */
export function renamedRelation(name: string, table: string, renamedTo: string, taken: ReadonlySet<string>): string | null {
  const replaced = name.includes(table) ? truncated(name.replace(table, renamedTo)) : name;
  if (replaced === name && !taken.has(name)) return null;
  const candidate = taken.has(replaced) || replaced === name ? truncated(`${renamedTo}_${name}`) : replaced;
  if (taken.has(candidate)) throw new TargetDatabaseError(`Cannot find a free name for ${name} of ${table} renamed ${renamedTo}`, false);
  return candidate;
}

/**
 * Partial restores under other names (PostgreSQL): pg_restore cannot rename, so the named tables' entries are
 * restored into a scratch database on the target's server, renamed there (the table, and the indexes, constraints
 * and owned sequences whose names would clash in the target's schema), and copied into the target with pg_dump -t
 * piped into pg_restore in one transaction. The caller creates and always drops the scratch database.
 */
export class PgTableRenaming implements TableRenaming {
  constructor(
    private readonly tools: PgTools,
    private readonly command: PgToolCommandFactory,
    private readonly dumpArgs: PgDumpArgs,
    private readonly restoreArgs: PgRestoreArgs,
  ) {}

  /** The named tables' schemas, created in the scratch database (pg_restore's list restores no schema). */
  async prepareScratch(scratch: ConnectionTarget, selection: TableSelection): Promise<void> {
    const schemas = [...new Set(selection.names.map((name) => splitName(name)[0]))];
    await withPgClient(connectPg(scratch), async (client) => {
      try {
        for (const schema of schemas) await client.query(`CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(schema)}`);
      } catch (error) {
        throw pgFailure(error, scratch, `Cannot prepare database "${scratch.database}"`);
      }
    });
  }

  /** In one transaction in the scratch database: each renamed table, and its indexes and owned sequences as renamedRelation says. */
  async renameInScratch(scratch: ConnectionTarget, target: ConnectionTarget, selection: TableSelection): Promise<void> {
    const renamed = Object.entries(selection.rename ?? {});
    const schemas = [...new Set(renamed.map(([name]) => splitName(name)[0]))];
    const taken = new Set([...(await this.relationNames(target, schemas)), ...(await this.relationNames(scratch, schemas))]);
    await withPgClient(connectPg(scratch), async (client) => {
      try {
        await inTransaction(client, async () => {
          for (const [name, renamedTo] of renamed) {
            const [schema, table] = splitName(name);
            const [, newTable] = splitName(renamedTo);
            for (const relation of await this.relationsOf(client, name)) {
              const newName = renamedRelation(relation.name, table, newTable, taken);
              if (newName === null) continue;
              taken.add(newName);
              const kind = relation.kind === 'S' ? 'SEQUENCE' : 'INDEX';
              await client.query(`ALTER ${kind} ${quoted(`${schema}.${relation.name}`)} RENAME TO ${pg.escapeIdentifier(newName)}`);
            }
            await client.query(`ALTER TABLE ${quoted(name)} RENAME TO ${pg.escapeIdentifier(newTable)}`);
          }
        });
      } catch (error) {
        throw pgFailure(error, scratch, `Cannot rename the restored tables in database "${scratch.database}"`);
      }
    });
  }

  /** pg_dump -t of the (renamed) tables in the scratch database, and pg_restore into the target in one transaction. */
  async transfer(scratch: ConnectionTarget, target: ConnectionTarget, selection: TableSelection, ownership: RestoreOptions['ownership']) {
    const server = await withPgClient(connectPg(target), async (client) => {
      const { rows } = await client.query<{ num: string }>("SELECT current_setting('server_version_num') AS num");
      return Math.floor(Number(rows[0]!.num) / 10_000);
    });
    const tools = await this.tools.forServer(server);
    const tables = selection.names.map((name) => {
      const [schema, table] = splitName(restoredName(selection, name));
      return `--table="${schema}"."${table}"`;
    });
    const dumpArgs = [...this.dumpArgs(scratch), ...tables, ...(selection.data ? [] : ['--schema-only'])];
    return {
      dump: this.command(tools.pgDump, `pg_dump ${tools.version}`, dumpArgs, scratch),
      restore: this.command(tools.pgRestore, `pg_restore ${tools.version}`, this.restoreArgs(target, ownership), target),
    };
  }

  /** Every relation name in `schemas` of `target.database`. */
  private async relationNames(target: ConnectionTarget, schemas: string[]): Promise<string[]> {
    return withPgClient(connectPg(target), async (client) => {
      const { rows } = await client
        .query<{ name: string }>(
          'SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY($1::text[])',
          [schemas],
        )
        .catch((error: unknown) => {
          throw pgFailure(error, target, `Cannot list the relations of database "${target.database}"`);
        });
      return rows.map((row) => row.name);
    });
  }

  /** The indexes of table `name` and the sequences it owns (serial and identity columns). */
  private async relationsOf(client: pg.Client, name: string): Promise<Array<{ name: string; kind: string }>> {
    const { rows } = await client.query<{ name: string; kind: string }>(
      `SELECT c.relname AS name, c.relkind::text AS kind FROM pg_class c
        WHERE c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = $1::regclass)
           OR (c.relkind = 'S' AND c.oid IN (SELECT objid FROM pg_depend WHERE classid = 'pg_class'::regclass
                                               AND refobjid = $1::regclass AND deptype IN ('a', 'i')))
        ORDER BY 1`,
      [quoted(name)],
    );
    return rows;
  }
}
