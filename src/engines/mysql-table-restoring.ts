import type { Connection } from 'mariadb';
import type { ConnectionTarget, TableRestoring } from './engine.js';
import { asTargetError, qualified, withMysqlConnection } from './mysql-connection.js';

type Row = unknown[];

async function rows(connection: Connection, sql: string, values: unknown[] = []): Promise<Row[]> {
  return (await connection.query({ sql, rowsAsArray: true }, values)) as Row[];
}

function text(value: unknown): string {
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}

/**
 * Partial restores of MySQL/MariaDB dumps: the dump is filtered on its way into the target database itself (see
 * MysqlTableFilter, given RestorePlan.tables by the engine's prepareRestore); this checks and counts the tables.
 */
export class MysqlTableRestoring implements TableRestoring {
  /** Tables, views and sequences of `target.database` named exactly as one of `names` (information_schema compares without case). */
  async existing(target: ConnectionTarget, names: string[]): Promise<string[]> {
    const found = await this.withTarget(target, (connection) =>
      rows(connection, 'SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?)', [target.database, names]),
    );
    const present = new Set(found.map(([name]) => text(name)));
    return names.filter((name) => present.has(name)).sort();
  }

  /** COUNT(*) of each table, and of every version of a system-versioned one ("<name> (history)"), as the manifest counts. */
  async countRows(target: ConnectionTarget, names: string[]): Promise<Record<string, number>> {
    return this.withTarget(target, async (connection) => {
      const counts: Record<string, number> = {};
      for (const name of names) {
        const table = qualified(target.database, name);
        const [[current]] = await rows(connection, `SELECT COUNT(*) FROM ${table}`);
        counts[name] = Number(current);
        const [[type]] = await rows(connection, 'SELECT TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [
          target.database,
          name,
        ]);
        if (text(type) === 'SYSTEM VERSIONED') {
          const [[all]] = await rows(connection, `SELECT COUNT(*) FROM ${table} FOR SYSTEM_TIME ALL`);
          counts[`${name} (history)`] = Number(all);
        }
      }
      return counts;
    });
  }

  private async withTarget<T>(target: ConnectionTarget, work: (connection: Connection) => Promise<T>): Promise<T> {
    try {
      return await withMysqlConnection(target, work);
    } catch (error) {
      throw asTargetError(error, target);
    }
  }
}
