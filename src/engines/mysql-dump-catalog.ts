import type { Connection } from 'mariadb';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BackupCatalog } from './backup-catalog.js';
import type { ConnectionTarget } from './engine.js';
import {
  type MysqlCatalogDetails,
  measureDatabase,
  nonTransactionalWarning,
  readColumnWarnings,
  readDatabaseProperties,
  readDefiners,
  readLargestRow,
  readNonTransactionalTables,
  readRoutinesNamingDatabase,
  readSequences,
} from './mysql-catalog.js';
import { asTargetError, openMysqlConnection } from './mysql-connection.js';

/** How long writes may stay blocked while waiting for the dump's transaction to start. */
const DUMP_START_TIMEOUT_MS = 10_000;
const POLL_INTERVAL_MS = 25;
/** FLUSH TABLES WITH READ LOCK waits for running statements; give up (and count approximately) rather than block writes long. */
const LOCK_WAIT_TIMEOUT_SECONDS = 5;

/**
 * The backup's counting connection, opened before mariadb-dump starts.
 *
 * How close the counts are to the dump: this connection takes FLUSH TABLES WITH READ LOCK, starts its own
 * consistent-snapshot transaction, and keeps the lock until mariadb-dump's connection (a new connection of the
 * same user, on the dumped database) shows up in the process list. mariadb-dump starts its
 * --single-transaction snapshot before it selects the database, so once its connection is seen on that database
 * both snapshots were taken with writes blocked: they see the same InnoDB data ("snapshot"). Writes are blocked
 * only for that wait (normally milliseconds, at most 10 s). Sequences are read while the lock is held
 * (sequence values are not versioned by the snapshot); a nextval() that exhausts a sequence's cache between the
 * unlock and the dump's own read of it would make them differ. Non-transactional tables (Aria, MyISAM, MEMORY…)
 * are in no snapshot: their counts are approximate. A dump that ends before its connection is seen ran entirely
 * under the lock, which is as exact. Without the RELOAD privilege (or when the lock cannot be taken
 * within 5 s) the snapshot starts just before the dump's, without the lock: "approximate".
 */
export class MysqlDumpCatalog {
  private locked = false;
  private readonly existingConnections = new Set<string>();
  private sequences: Record<string, string> = {};
  private lockRefusal = '';

  private constructor(
    private readonly connection: Connection,
    private readonly target: ConnectionTarget,
  ) {}

  /** Opens the connection, takes the lock (if allowed) and starts the snapshot. */
  static async open(target: ConnectionTarget): Promise<MysqlDumpCatalog> {
    const connection = await openMysqlConnection(target);
    const snapshot = new MysqlDumpCatalog(connection, target);
    try {
      await snapshot.begin();
      return snapshot;
    } catch (error) {
      connection.destroy();
      throw asTargetError(error, target);
    }
  }

  private async begin(): Promise<void> {
    const { connection } = this;
    for (const [id] of (await connection.query('SELECT ID FROM information_schema.PROCESSLIST')) as unknown[][]) {
      this.existingConnections.add(String(id));
    }
    await connection.query(`SET SESSION lock_wait_timeout = ${LOCK_WAIT_TIMEOUT_SECONDS}`);
    try {
      await connection.query('FLUSH TABLES WITH READ LOCK');
      this.locked = true;
    } catch (error) {
      this.lockRefusal = (error as Error).message.split('\n')[0] ?? 'refused';
    }
    await connection.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    await connection.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    if (this.locked) this.sequences = await readSequences(connection, this.target.database);
  }

  /**
   * Waits (with the lock held) for the dump's transaction, releases the lock, counts, and closes the connection.
   * `dumpRunning` returns false once the dump tool has exited, so a dump that fails early does not hold the lock.
   */
  async collect(dumpRunning: () => boolean, signal: AbortSignal): Promise<BackupCatalog> {
    const onAbort = () => this.connection.destroy();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const dumpSeen = this.locked ? await this.waitForDump(dumpRunning, signal) : false;
      if (this.locked) await this.connection.query('UNLOCK TABLES');
      if (!this.locked) this.sequences = await readSequences(this.connection, this.target.database);
      const catalog = await this.count(dumpSeen);
      await this.connection.query('COMMIT');
      return catalog;
    } catch (error) {
      throw asTargetError(error, this.target);
    } finally {
      signal.removeEventListener('abort', onAbort);
      await this.close();
    }
  }

  async close(): Promise<void> {
    await this.connection.end().catch(() => this.connection.destroy());
  }

  private async waitForDump(dumpRunning: () => boolean, signal: AbortSignal): Promise<boolean> {
    const deadline = Date.now() + DUMP_START_TIMEOUT_MS;
    while (Date.now() < deadline && !signal.aborted) {
      // A dump that has already exited ran entirely with writes blocked (if it failed, the catalog fails with it).
      if (!dumpRunning()) return true;
      const sessions = (await this.connection.query(
        'SELECT ID FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND USER = ? AND DB = ?',
        [this.target.username, this.target.database],
      )) as unknown[][];
      if (sessions.some(([id]) => !this.existingConnections.has(String(id)))) return true;
      await sleep(POLL_INTERVAL_MS);
    }
    return false;
  }

  private async count(dumpSeen: boolean): Promise<BackupCatalog> {
    const { connection } = this;
    const database = this.target.database;
    const nonTransactional = await readNonTransactionalTables(connection, database);
    const manifest = await measureDatabase(connection, database, this.consistency(dumpSeen, nonTransactional));
    manifest.sequences = this.sequences;
    const properties = await readDatabaseProperties(connection, database);
    if (!properties) throw new Error(`Database ${database} does not exist`);
    const details: MysqlCatalogDetails = {
      sourceDatabase: database,
      database: properties,
      definers: await readDefiners(connection, database),
      largestRow: await readLargestRow(connection, database),
    };
    const namingRoutines = await readRoutinesNamingDatabase(connection, database);
    const warnings = [
      ...(await readColumnWarnings(connection, database)),
      ...nonTransactionalWarning(nonTransactional),
      ...namingRoutines.map(
        (name) => `Routine ${name} names the database ${database} in its body: restored under another name it still uses ${database}`,
      ),
    ];
    return { format: 1, engine: 'mysql', manifest, warnings, details };
  }

  private consistency(dumpSeen: boolean, nonTransactional: string[]): string {
    const base = dumpSeen
      ? 'snapshot'
      : this.locked
        ? "approximate: the dump's transaction was not seen starting while writes were blocked; counted in a snapshot taken just before it"
        : `approximate: FLUSH TABLES WITH READ LOCK was refused (${this.lockRefusal}); counted in a snapshot taken just before the dump's, so writes committed in between are in the dump but not in the counts`;
    return nonTransactional.length === 0 ? base : `${base}; approximate for non-transactional tables: ${nonTransactional.join(', ')}`;
  }
}
