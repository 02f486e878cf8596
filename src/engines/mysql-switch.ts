import type { Connection } from 'mariadb';
import { RestoreSwitchError, type RestorePlan } from './engine.js';
import { type MysqlDatabaseProperties, readDatabaseProperties } from './mysql-catalog.js';
import { qualified, quoteIdentifier } from './mysql-connection.js';
import { sequenceQualifierPattern } from './mysql-dump-rewrite.js';

/**
 * The switch of a restored database into the target's name. MariaDB cannot rename a database, and RENAME TABLE
 * moves base tables and sequences between databases but not views, nor tables that have triggers; routines and
 * events belong to their database. So:
 *
 *  1. other sessions on the target are refused (or killed with `terminateConnections`);
 *  2. the definitions of the views, triggers, routines and events of both databases are read (SHOW CREATE while
 *     USE-ing the database, so they come out unqualified);
 *  3. the aside database is created with the target's properties (or the target, if it does not exist);
 *  4. those objects are dropped in both databases;
 *  5. ONE `RENAME TABLE target.t TO aside.t, …, fresh.t TO target.t, …` moves every base table and sequence at once;
 *  6. sequence defaults (`nextval(\`db\`.s)`, which the server stores qualified) are pointed at the sequences'
 *     new database, the target takes the backup's charset, collation and comment, and the objects are re-created:
 *     the fresh database's in the target, the target's in the aside database; the empty fresh database is dropped.
 *
 * Guarantee: base tables and sequences switch atomically (step 5). Views, triggers, routines and events are missing
 * from the target from step 4 until step 6 re-creates them (milliseconds after the rename, plus the time to create
 * them), and inserts relying on a NEXTVAL default fail (they do not write wrong values) between steps 5 and 6.
 * On any failure, what was done is undone in reverse order (reverse rename, objects re-created, databases dropped)
 * and RestoreSwitchError is thrown. Foreign keys of OTHER databases pointing at the target's tables follow those
 * tables aside (InnoDB renames references).
 */

type ObjectKind = 'procedure' | 'function' | 'view' | 'trigger' | 'event';

export interface StoredObject {
  kind: ObjectKind;
  name: string;
  create: string;
  sqlMode: string;
  characterSetClient: string;
  collationConnection: string;
  timeZone: string | null;
  /** A view's column names, for the stand-in created before the views (see createObjects). */
  columns: string[];
  /** The database collation the routine, trigger or event was created under (it keeps it); null for views. */
  databaseCollation: string | null;
}

type Row = Record<string, unknown>;

async function objectRows(connection: Connection, sql: string, values: unknown[] = []): Promise<Row[]> {
  return (await connection.query({ sql, rowsAsArray: false }, values)) as Row[];
}

async function arrayRows(connection: Connection, sql: string, values: unknown[] = []): Promise<unknown[][]> {
  return (await connection.query({ sql, rowsAsArray: true }, values)) as unknown[][];
}

function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}

/** Objects of `database` in creation order: routines, views, triggers (in their action order), events. */
async function listObjects(connection: Connection, database: string): Promise<{ kind: ObjectKind; name: string }[]> {
  const found = await arrayRows(
    connection,
    `SELECT LOWER(ROUTINE_TYPE), ROUTINE_NAME, 1, '', 0 FROM information_schema.ROUTINES
      WHERE ROUTINE_SCHEMA = ? AND ROUTINE_TYPE IN ('PROCEDURE', 'FUNCTION')
     UNION ALL SELECT 'view', TABLE_NAME, 2, '', 0 FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ?
     UNION ALL SELECT 'trigger', TRIGGER_NAME, 3, CONCAT(EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION), ACTION_ORDER
       FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?
     UNION ALL SELECT 'event', EVENT_NAME, 4, '', 0 FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?
     ORDER BY 3, 4, 5, 2`,
    [database, database, database, database],
  );
  return found.map(([kind, name]) => ({ kind: text(kind) as ObjectKind, name: text(name) }));
}

const SHOW_CREATE: Record<ObjectKind, { statement: string; column: string }> = {
  procedure: { statement: 'SHOW CREATE PROCEDURE', column: 'Create Procedure' },
  function: { statement: 'SHOW CREATE FUNCTION', column: 'Create Function' },
  view: { statement: 'SHOW CREATE VIEW', column: 'Create View' },
  trigger: { statement: 'SHOW CREATE TRIGGER', column: 'SQL Original Statement' },
  event: { statement: 'SHOW CREATE EVENT', column: 'Create Event' },
};

/**
 * The definitions of the views, triggers, routines and events of `database`, read while it is the current
 * database so that they name its objects unqualified; a sequence reference the server qualified anyway
 * (`nextval(\`db\`.s)`) loses its qualifier too, so the definition resolves in the database it is re-created in.
 */
export async function captureObjects(connection: Connection, database: string): Promise<StoredObject[]> {
  const objects = await listObjects(connection, database);
  if (objects.length === 0) return [];
  await connection.query(`USE ${quoteIdentifier(database)}`);
  const unqualify = sequenceQualifierPattern(database, 'text');
  // A view its definer cannot use (no rights on this database's name) is shown as stored, fully qualified.
  const ownQualifier = `${quoteIdentifier(database)}.`;
  const captured: StoredObject[] = [];
  for (const { kind, name } of objects) {
    const { statement, column } = SHOW_CREATE[kind];
    const [row] = await objectRows(connection, `${statement} ${quoteIdentifier(name)}`);
    const shown = row ? text(row[column]) : '';
    if (!shown) throw new Error(`Cannot read the definition of ${kind} ${name} (${statement} returned none: missing privilege?)`);
    const create = shown.replace(unqualify, '$1');
    captured.push({
      kind,
      name,
      create: kind === 'view' ? create.split(ownQualifier).join('') : create,
      columns: kind === 'view' ? await viewColumns(connection, database, name) : [],
      databaseCollation: row!['Database Collation'] === undefined ? null : text(row!['Database Collation']),
      sqlMode: text(row!['sql_mode']),
      characterSetClient: text(row!['character_set_client']),
      collationConnection: text(row!['collation_connection']),
      timeZone: row!['time_zone'] === undefined ? null : text(row!['time_zone']),
    });
  }
  return captured;
}

function dropStatement({ kind, name }: { kind: ObjectKind; name: string }, database: string): string {
  return `DROP ${kind.toUpperCase()} IF EXISTS ${qualified(database, name)}`;
}

export async function dropObjects(connection: Connection, database: string, objects: StoredObject[]): Promise<void> {
  for (const object of [...objects].reverse()) await connection.query(dropStatement(object, database));
}

async function viewColumns(connection: Connection, database: string, view: string): Promise<string[]> {
  const found = await arrayRows(
    connection,
    'SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
    [database, view],
  );
  return found.map(([name]) => text(name));
}

/** A view with the same columns and no dependencies, so that views on it can be created before it (as mariadb-dump does). */
function standInView({ name, columns }: StoredObject): string {
  const list = columns.length ? columns.map((column) => `1 AS ${quoteIdentifier(column)}`).join(', ') : '1 AS `1`';
  return `CREATE VIEW ${quoteIdentifier(name)} AS SELECT ${list}`;
}

async function createObject(connection: Connection, object: StoredObject): Promise<void> {
  await connection.query('SET SESSION sql_mode = ?, SESSION character_set_client = ?, SESSION collation_connection = ?', [
    object.sqlMode,
    object.characterSetClient,
    object.collationConnection,
  ]);
  if (object.timeZone !== null) await connection.query('SET SESSION time_zone = ?', [object.timeZone]);
  try {
    await connection.query(object.kind === 'view' ? object.create.replace(/^CREATE /, 'CREATE OR REPLACE ') : object.create);
  } finally {
    await connection.query("SET SESSION sql_mode = DEFAULT, SESSION time_zone = DEFAULT, NAMES 'utf8mb4'");
  }
}

/**
 * Creates `objects` in `database` in their order: first a stand-in for every view, then each object (a view
 * replaces its stand-in), so a view on another view never finds it missing. `created` receives each object once
 * something of that name exists, so a failure can drop what was made.
 */
export async function createObjects(
  connection: Connection,
  database: string,
  objects: StoredObject[],
  created: StoredObject[] = [],
): Promise<void> {
  const failures = await createEach(connection, database, objects, created, false);
  if (failures.length) throw failures[0]!;
}

/** When undoing: creates every object it can, and throws listing those it could not. */
export async function recreateObjects(connection: Connection, database: string, objects: StoredObject[]): Promise<void> {
  const failures = await createEach(connection, database, objects, [], true);
  if (failures.length) throw new Error(`Could not re-create in ${database}: ${failures.map((error) => error.message).join('; ')}`);
}

async function createEach(
  connection: Connection,
  database: string,
  objects: StoredObject[],
  created: StoredObject[],
  keepGoing: boolean,
): Promise<Error[]> {
  if (objects.length === 0) return [];
  const failures: Error[] = [];
  const attempt = async (object: StoredObject, work: () => Promise<void>) => {
    try {
      await work();
    } catch (error) {
      if (!keepGoing) throw error;
      failures.push(new Error(`${object.kind} ${object.name}: ${(error as Error).message.split('\n')[0]}`));
    }
  };
  await connection.query(`USE ${quoteIdentifier(database)}`);
  for (const view of objects.filter(({ kind }) => kind === 'view')) {
    await attempt(view, async () => {
      await connection.query(standInView(view));
      created.push(view);
    });
  }
  const [[collation]] = await arrayRows(connection, 'SELECT DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [
    database,
  ]);
  for (const object of objects) {
    await attempt(object, async () => {
      await underCollation(connection, database, text(collation), object.databaseCollation, () => createObject(connection, object));
      if (object.kind !== 'view') created.push(object);
    });
  }
  return failures;
}

/**
 * Views that can no longer be created (a table or column they use is gone, their definer lacks rights): the switch
 * re-creates every view, so it refuses before changing anything.
 */
export async function invalidViews(connection: Connection, database: string, objects: StoredObject[]): Promise<string[]> {
  const views = objects.filter(({ kind }) => kind === 'view');
  if (views.length === 0) return [];
  const report = await arrayRows(connection, `CHECK TABLE ${views.map(({ name }) => qualified(database, name)).join(', ')}`);
  const problems = new Map<string, string[]>();
  for (const [table, , type, message] of report) {
    if (text(type).toLowerCase() !== 'error' || text(message) === 'Corrupt') continue;
    problems.set(text(table), [...(problems.get(text(table)) ?? []), text(message)]);
  }
  return [...problems].map(([view, messages]) => `${view}: ${messages.join('; ')}`);
}

/**
 * Runs `create` while `database` has the collation the object was created under (routines, triggers and events
 * keep the database collation of their creation), as mariadb-dump does with ALTER DATABASE around them.
 */
async function underCollation(
  connection: Connection,
  database: string,
  current: string,
  wanted: string | null,
  create: () => Promise<void>,
): Promise<void> {
  if (!wanted || wanted === current) return create();
  await connection.query(`ALTER DATABASE ${quoteIdentifier(database)} COLLATE ${connection.escape(wanted)}`);
  try {
    await create();
  } finally {
    await connection.query(`ALTER DATABASE ${quoteIdentifier(database)} COLLATE ${connection.escape(current)}`);
  }
}

/** Base tables and sequences: what RENAME TABLE can move between databases. */
export async function movableTables(connection: Connection, database: string): Promise<string[]> {
  const found = await arrayRows(
    connection,
    `SELECT TABLE_NAME FROM information_schema.TABLES
      WHERE TABLE_SCHEMA = ? AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED', 'SEQUENCE') ORDER BY TABLE_NAME`,
    [database],
  );
  return found.map(([name]) => text(name));
}

export interface TableMove {
  from: string;
  to: string;
  tables: string[];
}

/** One RENAME TABLE statement for every move, so they happen together or not at all. */
export function renameStatement(moves: TableMove[]): string | null {
  const pairs = moves.flatMap(({ from, to, tables }) => tables.map((table) => `${qualified(from, table)} TO ${qualified(to, table)}`));
  return pairs.length === 0 ? null : `RENAME TABLE ${pairs.join(', ')}`;
}

/**
 * Points every column default of `database` that calls a sequence of `previous` (as the server stored it when the
 * table was created there) at the same sequence in `database`.
 */
export async function repointSequenceDefaults(connection: Connection, database: string, previous: string): Promise<void> {
  const pattern = sequenceQualifierPattern(previous, 'text');
  const columns = await arrayRows(
    connection,
    `SELECT TABLE_NAME, COLUMN_NAME, COLUMN_DEFAULT FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = ? AND (COLUMN_DEFAULT LIKE '%val(%' OR COLUMN_DEFAULT LIKE '%VALUE FOR%')`,
    [database],
  );
  for (const [table, column, expression] of columns) {
    const current = text(expression);
    const repointed = current.replace(pattern, `$1${quoteIdentifier(database)}.`);
    if (repointed === current) continue;
    await connection.query(
      `ALTER TABLE ${qualified(database, text(table))} ALTER COLUMN ${quoteIdentifier(text(column))} SET DEFAULT ${repointed}`,
    );
  }
}

export function databaseOptions(connection: Connection, properties: MysqlDatabaseProperties): string {
  return (
    `CHARACTER SET ${connection.escape(properties.charset)} COLLATE ${connection.escape(properties.collation)} ` +
    `COMMENT ${connection.escape(properties.comment)}`
  );
}

/** Ids of the other sessions whose current database is `database`. */
export async function sessionsOn(connection: Connection, database: string): Promise<string[]> {
  const found = await arrayRows(
    connection,
    'SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()',
    [database],
  );
  return found.map(([id]) => text(id));
}

async function clearSessions(connection: Connection, plan: RestorePlan): Promise<void> {
  const sessions = await sessionsOn(connection, plan.target.database);
  if (sessions.length === 0) return;
  if (!plan.options.terminateConnections) {
    throw new RestoreSwitchError(
      `${sessions.length} other session(s) are using the database ${plan.target.database}; ` +
        'close them or pass "terminateConnections": true',
    );
  }
  for (const id of sessions) {
    // A session that ended meanwhile is "Unknown thread id": nothing left to do.
    await connection.query(`KILL CONNECTION ${Number(id)}`).catch((error: { errno?: number }) => {
      if (error.errno !== 1094) throw error;
    });
  }
}

type Undo = () => Promise<unknown>;

export type SwitchStep = 'objects-dropped' | 'renamed' | 'objects-created';

/** Runs the switch described above on `connection`. */
export async function switchDatabases(
  connection: Connection,
  plan: RestorePlan,
  backupProperties: MysqlDatabaseProperties,
  /** Called after each step that changes something (tests make it throw to check the undo). */
  checkpoint: (step: SwitchStep) => Promise<void> = async () => undefined,
): Promise<{ setAside: boolean }> {
  const { freshDatabase: fresh, asideDatabase: aside } = plan;
  const target = plan.target.database;
  await clearSessions(connection, plan);
  if (!(await readDatabaseProperties(connection, fresh))) throw new RestoreSwitchError(`The restored database ${fresh} does not exist`);
  const targetProperties = await readDatabaseProperties(connection, target);
  const setAside = targetProperties !== null;
  if (setAside && (await readDatabaseProperties(connection, aside))) {
    throw new RestoreSwitchError(`The database ${aside} already exists: cannot set ${target} aside there`);
  }

  const undo: Undo[] = [];
  try {
    const freshObjects = await captureObjects(connection, fresh);
    const targetObjects = setAside ? await captureObjects(connection, target) : [];
    const invalid = [...(await invalidViews(connection, fresh, freshObjects)), ...(await invalidViews(connection, target, targetObjects))];
    if (invalid.length) throw new RestoreSwitchError(`Views that cannot be re-created: ${invalid.join(' | ')}; fix or drop them`);
    const moves: TableMove[] = [
      ...(setAside ? [{ from: target, to: aside, tables: await movableTables(connection, target) }] : []),
      { from: fresh, to: target, tables: await movableTables(connection, fresh) },
    ];

    const made = setAside ? aside : target;
    await connection.query(`CREATE DATABASE ${quoteIdentifier(made)} ${databaseOptions(connection, targetProperties ?? backupProperties)}`);
    undo.push(() => connection.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(made)}`));

    await dropObjects(connection, target, targetObjects);
    undo.push(() => recreateObjects(connection, target, targetObjects));
    await dropObjects(connection, fresh, freshObjects);
    undo.push(() => recreateObjects(connection, fresh, freshObjects));
    await checkpoint('objects-dropped');

    const rename = renameStatement(moves);
    if (rename) {
      await connection.query(rename);
      undo.push(async () => {
        await connection.query(renameStatement(moves.map(({ from, to, tables }) => ({ from: to, to: from, tables })).reverse())!);
        await repointSequenceDefaults(connection, fresh, target);
        if (setAside) await repointSequenceDefaults(connection, target, aside);
      });
    }
    await repointSequenceDefaults(connection, target, fresh);
    if (setAside) await repointSequenceDefaults(connection, aside, target);
    await checkpoint('renamed');

    if (setAside) {
      await connection.query(`ALTER DATABASE ${quoteIdentifier(target)} ${databaseOptions(connection, backupProperties)}`);
      undo.push(() => connection.query(`ALTER DATABASE ${quoteIdentifier(target)} ${databaseOptions(connection, targetProperties)}`));
    }

    const createdInTarget: StoredObject[] = [];
    undo.push(() => dropObjects(connection, target, createdInTarget));
    await createObjects(connection, target, freshObjects, createdInTarget);
    const createdAside: StoredObject[] = [];
    undo.push(() => dropObjects(connection, aside, createdAside));
    await createObjects(connection, aside, targetObjects, createdAside);
    await checkpoint('objects-created');
  } catch (error) {
    if (error instanceof RestoreSwitchError && undo.length === 0) throw new RestoreSwitchError(`${error.message}; nothing was changed`);
    const undoFailures = await runUndo(undo);
    const reason = error instanceof Error ? error.message : String(error);
    throw new RestoreSwitchError(
      `Cannot switch ${fresh} in as ${target}: ${reason}` +
        (undoFailures.length ? `; undoing it failed too, the target needs attention: ${undoFailures.join('; ')}` : '; nothing was changed'),
    );
  }
  // Empty now; if it cannot be dropped, the service's clean-up of restore databases will.
  await connection.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(fresh)}`).catch(() => undefined);
  return { setAside };
}

async function runUndo(steps: Undo[]): Promise<string[]> {
  const failures: string[] = [];
  for (const step of [...steps].reverse()) {
    try {
      await step();
    } catch (error) {
      failures.push(error instanceof Error ? error.message : String(error));
    }
  }
  return failures;
}
