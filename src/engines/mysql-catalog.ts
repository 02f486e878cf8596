import type { Connection } from 'mariadb';
import type { BackupManifest } from './backup-catalog.js';
import { qualified, quoteIdentifier } from './mysql-connection.js';
import type { MysqlAccount } from './mysql-dump-rewrite.js';

/** A database's own properties, which a dump without --databases does not carry. */
export interface MysqlDatabaseProperties {
  charset: string;
  collation: string;
  comment: string;
}

/** The largest row of the tables holding BLOB/TEXT/BINARY columns: the restore's packet-size check. */
export interface MysqlLargestRow {
  table: string;
  /** Bytes of the row's BLOB/TEXT/BINARY values (LENGTH), before mariadb-dump's --hex-blob doubles them. */
  bytes: number;
}

/** `BackupCatalog.details` of a MySQL backup. */
export interface MysqlCatalogDetails {
  /** The name the dump was taken from: its sequence defaults are rewritten to the database restored into. */
  sourceDatabase: string;
  database: MysqlDatabaseProperties;
  /** Every DEFINER of the views, routines, triggers and events, distinct, sorted. */
  definers: MysqlAccount[];
  largestRow: MysqlLargestRow | null;
}

interface TableInfo {
  name: string;
  type: 'BASE TABLE' | 'SYSTEM VERSIONED' | 'SEQUENCE' | 'VIEW' | string;
  engine: string | null;
}

type Row = unknown[];

async function rows(connection: Connection, sql: string, values: unknown[] = []): Promise<Row[]> {
  return (await connection.query({ sql, rowsAsArray: true }, values)) as Row[];
}

function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export async function readDatabaseProperties(connection: Connection, database: string): Promise<MysqlDatabaseProperties | null> {
  const [row] = await rows(
    connection,
    `SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME, SCHEMA_COMMENT
       FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?`,
    [database],
  );
  return row ? { charset: text(row[0]), collation: text(row[1]), comment: text(row[2]) } : null;
}

/** "user@host" as information_schema writes a DEFINER: the host is after the last "@". */
export function parseDefiner(definer: string): MysqlAccount {
  const at = definer.lastIndexOf('@');
  return at < 0 ? { user: definer, host: '%' } : { user: definer.slice(0, at), host: definer.slice(at + 1) };
}

export async function readDefiners(connection: Connection, database: string): Promise<MysqlAccount[]> {
  const found = await rows(
    connection,
    `SELECT DEFINER FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ?
     UNION SELECT DEFINER FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?
     UNION SELECT DEFINER FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?
     UNION SELECT DEFINER FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?`,
    [database, database, database, database],
  );
  return found
    .map(([definer]) => parseDefiner(text(definer)))
    .sort((a, b) => byName(`${a.user}@${a.host}`, `${b.user}@${b.host}`));
}

async function readTables(connection: Connection, database: string): Promise<TableInfo[]> {
  const found = await rows(
    connection,
    'SELECT TABLE_NAME, TABLE_TYPE, ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME',
    [database],
  );
  return found.map(([name, type, engine]) => ({ name: text(name), type: text(type), engine: engine === null ? null : text(engine) }));
}

function isBaseTable(table: TableInfo): boolean {
  return table.type === 'BASE TABLE' || table.type === 'SYSTEM VERSIONED';
}

/** Base tables whose engine keeps no transactional snapshot: their counts may differ from the dump's. */
export async function readNonTransactionalTables(connection: Connection, database: string): Promise<string[]> {
  const engines = await rows(connection, "SELECT ENGINE FROM information_schema.ENGINES WHERE TRANSACTIONS = 'YES'");
  const transactional = new Set(engines.map(([engine]) => text(engine).toLowerCase()));
  return (await readTables(connection, database))
    .filter((table) => isBaseTable(table) && !transactional.has((table.engine ?? '').toLowerCase()))
    .map((table) => table.name);
}

/** Rows per base table (and "t (history)" for a system-versioned one), in the connection's current transaction. */
async function countRows(connection: Connection, database: string, tables: TableInfo[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables.filter(isBaseTable)) {
    const name = qualified(database, table.name);
    const [[current]] = await rows(connection, `SELECT COUNT(*) FROM ${name}`);
    counts[table.name] = Number(current);
    if (table.type === 'SYSTEM VERSIONED') {
      const [[all]] = await rows(connection, `SELECT COUNT(*) FROM ${name} FOR SYSTEM_TIME ALL`);
      counts[`${table.name} (history)`] = Number(all);
    }
  }
  return counts;
}

/** Each sequence's next value not yet handed out to a cache: what mariadb-dump's SETVAL restores. */
export async function readSequences(connection: Connection, database: string): Promise<Record<string, string>> {
  const sequences: Record<string, string> = {};
  for (const table of (await readTables(connection, database)).filter((t) => t.type === 'SEQUENCE')) {
    const [[next]] = await rows(connection, `SELECT next_not_cached_value FROM ${qualified(database, table.name)}`);
    sequences[table.name] = text(next);
  }
  return sequences;
}

async function countObjects(connection: Connection, database: string, tables: TableInfo[]): Promise<Record<string, number>> {
  const objects: Record<string, number> = {
    table: tables.filter(isBaseTable).length,
    view: tables.filter((t) => t.type === 'VIEW').length,
    sequence: tables.filter((t) => t.type === 'SEQUENCE').length,
  };
  const kinds = await rows(
    connection,
    `SELECT LOWER(ROUTINE_TYPE), COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? GROUP BY ROUTINE_TYPE
     UNION ALL SELECT 'trigger', COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?
     UNION ALL SELECT 'event', COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?
     UNION ALL SELECT 'index', COUNT(DISTINCT TABLE_NAME, INDEX_NAME) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ?`,
    [database, database, database, database],
  );
  for (const [kind, count] of kinds) objects[text(kind)] = Number(count);
  for (const kind of ['procedure', 'function']) objects[kind] ??= 0;
  return objects;
}

/**
 * The manifest of `database` as seen by `connection`'s current transaction (if any): rows per base table,
 * history rows per system-versioned table, objects per kind, sequence states.
 */
export async function measureDatabase(connection: Connection, database: string, consistency: string): Promise<BackupManifest> {
  const tables = await readTables(connection, database);
  return {
    tables: await countRows(connection, database, tables),
    objects: await countObjects(connection, database, tables),
    sequences: await readSequences(connection, database),
    consistency,
  };
}

/** Column types that mariadb-dump writes hex-encoded (--hex-blob) or escaped: up to twice their size. */
const LARGE_VALUE_TYPES = ['tinyblob', 'blob', 'mediumblob', 'longblob', 'tinytext', 'text', 'mediumtext', 'longtext', 'binary', 'varbinary', 'json'];

/**
 * The largest row, counting only the BLOB/TEXT/BINARY values, of the tables having such columns (one scan of
 * each of those tables; others are not read). System-versioned tables count their history rows too, since the
 * dump holds them.
 */
export async function readLargestRow(connection: Connection, database: string): Promise<MysqlLargestRow | null> {
  const columns = await rows(
    connection,
    `SELECT c.TABLE_NAME, c.COLUMN_NAME, t.TABLE_TYPE FROM information_schema.COLUMNS c
       JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
      WHERE c.TABLE_SCHEMA = ? AND t.TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')
        AND c.DATA_TYPE IN (${LARGE_VALUE_TYPES.map(() => '?').join(', ')})
      ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION`,
    [database, ...LARGE_VALUE_TYPES],
  );
  const byTable = new Map<string, { versioned: boolean; columns: string[] }>();
  for (const [table, column, type] of columns) {
    const entry = byTable.get(text(table)) ?? { versioned: text(type) === 'SYSTEM VERSIONED', columns: [] };
    entry.columns.push(text(column));
    byTable.set(text(table), entry);
  }
  let largest: MysqlLargestRow | null = null;
  for (const [table, { versioned, columns: names }] of byTable) {
    const size = names.map((name) => `IFNULL(LENGTH(${quoteIdentifier(name)}), 0)`).join(' + ');
    const history = versioned ? ' FOR SYSTEM_TIME ALL' : '';
    const [[bytes]] = await rows(connection, `SELECT IFNULL(MAX(${size}), 0) FROM ${qualified(database, table)}${history}`);
    if (largest === null || Number(bytes) > largest.bytes) largest = { table, bytes: Number(bytes) };
  }
  return largest;
}

/** Characters outside the Basic Multilingual Plane (4-byte UTF-8). */
const ASTRAL = /[\u{10000}-\u{10FFFF}]/u;

/**
 * Columns the dump is known to change: FLOAT (printed with 6 significant digits), ENUM/SET whose members hold
 * characters outside the BMP (MariaDB keeps them as '?' in the definition, so the type is already lossy on the
 * source and restores as it reads now).
 */
export async function readColumnWarnings(connection: Connection, database: string): Promise<string[]> {
  const columns = await rows(
    connection,
    `SELECT c.TABLE_NAME, c.COLUMN_NAME, c.DATA_TYPE, c.COLUMN_TYPE FROM information_schema.COLUMNS c
       JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
      WHERE c.TABLE_SCHEMA = ? AND t.TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')
        AND c.DATA_TYPE IN ('float', 'enum', 'set')
      ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION`,
    [database],
  );
  const warnings: string[] = [];
  for (const [table, column, dataType, columnType] of columns) {
    const name = `${text(table)}.${text(column)}`;
    if (text(dataType) === 'float') {
      warnings.push(`Column ${name} is FLOAT: mariadb-dump writes 6 significant digits, so values may change; use DOUBLE or DECIMAL`);
    } else if (/\?/.test(text(columnType)) || ASTRAL.test(text(columnType))) {
      warnings.push(
        `Column ${name} is ${text(dataType).toUpperCase()} with a member containing '?': MariaDB stores ` +
          'characters outside the Basic Multilingual Plane (such as emoji) as \'?\' in the definition, so those members ' +
          'were already lost on the source and are restored as they read now',
      );
    }
  }
  return warnings;
}

export function nonTransactionalWarning(tables: string[]): string[] {
  if (tables.length === 0) return [];
  return [
    `Tables ${tables.join(', ')} use a non-transactional engine: the dump holds no consistent snapshot of them, so their ` +
      'rows may differ from the counts recorded, and the restore check may fail if they were written during the backup',
  ];
}

/** Routines whose body names the source database explicitly: restored elsewhere, they still use it. */
export async function readRoutinesNamingDatabase(connection: Connection, database: string): Promise<string[]> {
  const found = await rows(
    connection,
    `SELECT ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?
        AND (LOCATE(?, ROUTINE_DEFINITION) > 0 OR LOCATE(?, ROUTINE_DEFINITION) > 0) ORDER BY ROUTINE_NAME`,
    [database, `${database}.`, `${quoteIdentifier(database)}.`],
  );
  return found.map(([name]) => text(name));
}
