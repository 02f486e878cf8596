import mariadb, { type Connection, type ConnectionConfig } from 'mariadb';
import type { BackupCatalog } from '../../src/engines/backup-catalog.js';
import { type ConnectionTarget, DEFAULT_RESTORE_OPTIONS, type RestoreOptions, type RestorePlan } from '../../src/engines/engine.js';
import { MYSQL_HOST, MYSQL_PORT, MYSQL_USER, mysqlIdentifier, mysqlString } from './mysql.js';

/** A root connection to the shared MariaDB, on no database. */
export async function mysqlRootConnection(): Promise<Connection> {
  return mariadb.createConnection({
    host: MYSQL_HOST,
    port: MYSQL_PORT,
    user: MYSQL_USER,
    password: '',
    charset: 'utf8mb4',
    bigIntAsNumber: false,
    decimalAsNumber: false,
    dateStrings: true,
    maxAllowedPacket: 64 * 1024 * 1024,
  } as ConnectionConfig);
}

export async function withRoot<T>(work: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = await mysqlRootConnection();
  try {
    return await work(connection);
  } finally {
    await connection.end();
  }
}

/** The account the fixture's view is defined by (missing on the target in the definer tests). */
export function mysqlFidelityDefiner(suffix: string): { user: string; host: string } {
  return { user: `dbb_definer_${suffix}`, host: '%' };
}

export const FIDELITY_BLOB_BYTES = 6 * 1024 * 1024;

/**
 * Creates `database` (latin1 / latin1_swedish_ci, with a comment) holding what mariadb-dump is known to get
 * wrong without care: a system-versioned table with history, a sequence used as a column DEFAULT NEXTVAL, a view
 * whose DEFINER is an account of its own (created here), a view on that view, a function, a procedure, a
 * trigger, an event, a 6 MB BLOB row, a FLOAT column, an ENUM with an emoji member, and a foreign key.
 */
export async function loadMysqlFidelityFixture(database: string, suffix: string): Promise<void> {
  const definer = mysqlFidelityDefiner(suffix);
  await withRoot(async (connection) => {
    await connection.query(`CREATE USER IF NOT EXISTS ${mysqlString(definer.user)}@${mysqlString(definer.host)}`);
    // On every database: the view it defines must work (and show compactly) under the restored copies' names too.
    await connection.query(`GRANT SELECT ON *.* TO ${mysqlString(definer.user)}@${mysqlString(definer.host)}`);
    await connection.query(
      `CREATE DATABASE ${mysqlIdentifier(database)} CHARACTER SET latin1 COLLATE latin1_swedish_ci COMMENT 'Fidelity fixture: ünïcode ''quoted'''`,
    );
    await connection.query(`USE ${mysqlIdentifier(database)}`);
    const statements = [
      'CREATE SEQUENCE order_seq START WITH 100 INCREMENT BY 5',
      `CREATE TABLE orders (
         id INT PRIMARY KEY DEFAULT NEXTVAL(order_seq),
         label VARCHAR(50) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci,
         amount DECIMAL(10,2) NOT NULL
       ) ENGINE=InnoDB`,
      "INSERT INTO orders (label, amount) VALUES ('first', 1.50), ('sécond', 2.25), ('third 😀', 3)",
      `CREATE TABLE order_notes (
         id INT PRIMARY KEY AUTO_INCREMENT, order_id INT NOT NULL, note TEXT,
         CONSTRAINT fk_order FOREIGN KEY (order_id) REFERENCES orders (id)
       ) ENGINE=InnoDB`,
      "INSERT INTO order_notes (order_id, note) VALUES (100, 'a'), (105, NULL)",
      'CREATE TABLE prices (id INT PRIMARY KEY, price DECIMAL(10,2)) WITH SYSTEM VERSIONING',
      'INSERT INTO prices VALUES (1, 10.00), (2, 20.00), (3, 30.00)',
      'UPDATE prices SET price = 11.00 WHERE id = 1',
      'UPDATE prices SET price = 12.00 WHERE id = 1',
      'DELETE FROM prices WHERE id = 2',
      'UPDATE prices SET price = price + 1',
      'CREATE TABLE files (id INT PRIMARY KEY, data LONGBLOB)',
      `INSERT INTO files VALUES (1, REPEAT(UNHEX('00FF27225C0A0D1A'), ${FIDELITY_BLOB_BYTES / 8})), (2, NULL), (3, '')`,
      "CREATE TABLE measures (id INT PRIMARY KEY, reading FLOAT, mood ENUM('ok', '😀') CHARACTER SET utf8mb4)",
      "INSERT INTO measures VALUES (1, 3.14159265, 'ok'), (2, NULL, NULL)",
      `CREATE DEFINER=${mysqlString(definer.user)}@${mysqlString(definer.host)} SQL SECURITY DEFINER VIEW order_labels AS
         SELECT id, label FROM orders`,
      'CREATE VIEW big_orders AS SELECT id, label FROM order_labels WHERE id > 100',
      'CREATE FUNCTION order_total() RETURNS DECIMAL(10,2) READS SQL DATA RETURN (SELECT SUM(amount) FROM orders)',
      "CREATE PROCEDURE add_order(IN l VARCHAR(50)) INSERT INTO orders (label, amount) VALUES (CONCAT('ü ', l), 0)",
      'CREATE TRIGGER orders_label BEFORE INSERT ON orders FOR EACH ROW SET NEW.label = TRIM(NEW.label)',
      "CREATE EVENT nightly ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00' DISABLE DO DELETE FROM order_notes WHERE 1 = 0",
    ];
    for (const statement of statements) await connection.query(statement);
  });
}

export async function dropMysqlFidelityAccounts(suffix: string): Promise<void> {
  const definer = mysqlFidelityDefiner(suffix);
  await withRoot((connection) => connection.query(`DROP USER IF EXISTS ${mysqlString(definer.user)}@${mysqlString(definer.host)}`));
}

function text(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}

/** Replaces the database's name (quoted or not) so two copies under different names compare equal. */
function normalise(value: string, database: string): string {
  return value.split(mysqlIdentifier(database)).join('`<db>`').split(`${database}.`).join('<db>.');
}

/**
 * Every definition in `database`, as the server shows it, with the database name normalised: SHOW CREATE of each
 * table, sequence, view, routine, trigger and event, and the session settings stored with the routines, triggers,
 * events and views (sql_mode, character_set_client, collation_connection, database collation).
 */
export async function mysqlSchemaDump(database: string): Promise<Record<string, string>> {
  return withRoot(async (connection) => {
    await connection.query(`USE ${mysqlIdentifier(database)}`);
    const result: Record<string, string> = {};
    const tables = (await connection.query(
      'SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME',
      [database],
    )) as { TABLE_NAME: string; TABLE_TYPE: string }[];
    for (const { TABLE_NAME: name, TABLE_TYPE: type } of tables) {
      const kind = type === 'VIEW' ? 'VIEW' : type === 'SEQUENCE' ? 'SEQUENCE' : 'TABLE';
      const [row] = (await connection.query(`SHOW CREATE ${kind} ${mysqlIdentifier(name)}`)) as Record<string, unknown>[];
      result[`${kind.toLowerCase()} ${name}`] = normalise(Object.entries(row!).map(([k, v]) => `${k}: ${text(v)}`).join('\n'), database);
    }
    const others = (await connection.query(
      `SELECT ROUTINE_TYPE, ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?
       UNION ALL SELECT 'TRIGGER', TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?
       UNION ALL SELECT 'EVENT', EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?`,
      [database, database, database],
    )) as { ROUTINE_TYPE: string; ROUTINE_NAME: string }[];
    for (const { ROUTINE_TYPE: kind, ROUTINE_NAME: name } of others) {
      const [row] = (await connection.query(`SHOW CREATE ${kind} ${mysqlIdentifier(name)}`)) as Record<string, unknown>[];
      const kept = Object.entries(row!).filter(([column]) => column !== 'Created');
      result[`${kind.toLowerCase()} ${name}`] = normalise(kept.map(([k, v]) => `${k}: ${text(v)}`).join('\n'), database);
    }
    return result;
  });
}

export async function mysqlDatabaseProperties(database: string): Promise<{ charset: string; collation: string; comment: string } | null> {
  return withRoot(async (connection) => {
    const [row] = (await connection.query(
      'SELECT DEFAULT_CHARACTER_SET_NAME c, DEFAULT_COLLATION_NAME l, SCHEMA_COMMENT m FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
      [database],
    )) as { c: string; l: string; m: string }[];
    return row ? { charset: row.c, collation: row.l, comment: row.m } : null;
  });
}

/**
 * A fingerprint of every base table's rows (system-versioned ones with every version, row_start and row_end) and
 * of every sequence's whole state row: count and MD5 of the QUOTE()d values in a fixed order.
 */
export async function mysqlAllFingerprints(database: string): Promise<Record<string, string>> {
  return withRoot(async (connection) => {
    await connection.query('SET SESSION group_concat_max_len = 4294967295');
    const tables = (await connection.query(
      `SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES
        WHERE TABLE_SCHEMA = ? AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED', 'SEQUENCE') ORDER BY TABLE_NAME`,
      [database],
    )) as { TABLE_NAME: string; TABLE_TYPE: string }[];
    const result: Record<string, string> = {};
    for (const { TABLE_NAME: table, TABLE_TYPE: type } of tables) {
      const columns = (
        (await connection.query(
          'SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
          [database, table],
        )) as { COLUMN_NAME: string }[]
      ).map(({ COLUMN_NAME: column }) => mysqlIdentifier(column));
      const versioned = type === 'SYSTEM VERSIONED';
      if (versioned) columns.push('row_start', 'row_end');
      const rowText = `CONCAT_WS(',', ${columns.map((column) => `QUOTE(${column})`).join(', ')})`;
      const [row] = (await connection.query(
        `SELECT COUNT(*) n, IFNULL(MD5(GROUP_CONCAT(MD5(${rowText}) ORDER BY MD5(${rowText}) SEPARATOR '')), '') h
           FROM ${mysqlIdentifier(database)}.${mysqlIdentifier(table)}${versioned ? ' FOR SYSTEM_TIME ALL' : ''}`,
      )) as { n: bigint; h: string }[];
      result[`${type === 'SEQUENCE' ? 'sequence' : 'table'} ${table}`] = `${row!.n} ${row!.h}`;
    }
    return result;
  });
}

export function mysqlTarget(database: string): ConnectionTarget {
  return { host: MYSQL_HOST, port: MYSQL_PORT, database, username: MYSQL_USER, password: '' };
}

/** A restore plan as the lead's runner builds it. */
export function mysqlRestorePlan(
  database: string,
  id: string,
  catalog: BackupCatalog,
  options: Partial<RestoreOptions> = {},
): RestorePlan {
  return {
    target: mysqlTarget(database),
    freshDatabase: `dbbackup_restore_${id}_1`,
    asideDatabase: `dbbackup_aside_${id}`,
    catalog,
    options: { ...DEFAULT_RESTORE_OPTIONS, ...options },
  };
}
