import pg from 'pg';
import type { ArchiveReader, ConnectionTarget, TableListing, TableRenaming, TableRestoring, TableSelection } from './engine.js';
import { connectPg, pgFailure, withPgClient } from './pg-connection.js';
import { mergeTocLines, referencedTables, selectSchemaTocLines, selectTocLines, tableOfEntries } from './pg-partial-restore.js';
import type { PgTools } from './pg-tools.js';

function splitName(qualified: string): [string, string] {
  const dot = qualified.indexOf('.');
  return [qualified.slice(0, dot), qualified.slice(dot + 1)];
}

/**
 * Partial restores of PostgreSQL archives: the archive is read twice without a database (its table of contents,
 * then its DDL with each entry's id, to tell which table an index or a sequence belongs to); the filtered list is
 * restored by pg_restore --use-list into the target database in one transaction.
 */
export class PgTableRestoring implements TableRestoring, TableListing {
  readonly list: TableListing = this;

  constructor(
    private readonly tools: PgTools,
    readonly renaming?: TableRenaming,
  ) {}

  async readers(): Promise<ArchiveReader[]> {
    const [tools] = (await this.tools.list()).slice(-1);
    if (!tools) throw new Error('No pg_restore is installed');
    const failure = (detail: string) => new Error(`pg_restore cannot read the archive: ${detail}`);
    return [
      { file: tools.pgRestore, args: ['--list'], failure },
      // --verbose prints each entry's "TOC entry <id>" header above its SQL.
      { file: tools.pgRestore, args: ['--schema-only', '--verbose', '--file=-'], failure },
    ];
  }

  restoreList([list = '', schemaSql = '']: string[], selection: TableSelection): string {
    const listLines = list.split('\n');
    const tables = selectTocLines(listLines, tableOfEntries(schemaSql), selection.names, selection.data);
    const schemas = selection.schemas?.length ? selectSchemaTocLines(listLines, referencedTables(schemaSql), selection.schemas, selection.data) : [];
    const lines = mergeTocLines(listLines, tables, schemas);
    return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  }

  async existingSchemas(target: ConnectionTarget, schemas: string[]): Promise<string[]> {
    return withPgClient(connectPg(target), async (client) => {
      const { rows } = await client
        .query<{ name: string }>('SELECT nspname AS name FROM pg_namespace WHERE nspname = ANY($1::text[]) ORDER BY 1', [schemas])
        .catch((error: unknown) => {
          throw pgFailure(error, target, `Cannot look for schemas in database "${target.database}"`);
        });
      return rows.map((row) => row.name);
    });
  }

  async existing(target: ConnectionTarget, names: string[]): Promise<string[]> {
    return withPgClient(connectPg(target), async (client) => {
      const { rows } = await client
        .query<{ name: string }>(
          `SELECT n.nspname || '.' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname || '.' || c.relname = ANY($1::text[]) ORDER BY 1`,
          [names],
        )
        .catch((error: unknown) => {
          throw pgFailure(error, target, `Cannot look for tables in database "${target.database}"`);
        });
      return rows.map((row) => row.name);
    });
  }

  async countRows(target: ConnectionTarget, names: string[]): Promise<Record<string, number>> {
    return withPgClient(connectPg(target), async (client) => {
      const counts: Record<string, number> = {};
      try {
        for (const name of names) {
          const [schema, table] = splitName(name);
          const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ONLY ${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(table)}`);
          counts[name] = Number(rows[0]!.n);
        }
      } catch (error) {
        throw pgFailure(error, target, `Cannot count the restored tables in database "${target.database}"`);
      }
      return counts;
    });
  }
}
