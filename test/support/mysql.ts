import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { FIXTURES_DIR } from './fixtures.js';

/** The shared MariaDB the end-to-end tests use: root without a password over TCP. */
export const MYSQL_HOST = process.env.TEST_MYSQL_HOST ?? '127.0.0.1';
export const MYSQL_PORT = Number(process.env.TEST_MYSQL_PORT ?? 3306);
export const MYSQL_USER = process.env.TEST_MYSQL_USER ?? 'root';


/** A MySQL identifier: backquoted, with backquotes doubled. */
export function mysqlIdentifier(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/** A MySQL string literal for the default sql_mode (backslash escapes on). */
export function mysqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Undoes the escaping of the client's batch output (\t, \n, \\ and \0 inside values). */
function unescapeBatchField(field: string): string {
  return field.replace(/\\([tn0\\])/g, (_, char: string) => ({ t: '\t', n: '\n', '0': '\0', '\\': '\\' })[char]!);
}

/**
 * Runs SQL with the mariadb client, fed on stdin, in `database` (or no database when null); resolves with the
 * rows of the last result as arrays of strings (NULL prints as "NULL").
 */
export function mysqlQuery(database: string | null, sql: string): Promise<string[][]> {
  const args = [
    '--no-defaults',
    '--protocol=TCP',
    `--host=${MYSQL_HOST}`,
    `--port=${MYSQL_PORT}`,
    `--user=${MYSQL_USER}`,
    '--default-character-set=utf8mb4',
    '--batch',
    '--skip-column-names',
    ...(database === null ? [] : ['--', database]),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('mariadb', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`mariadb exited ${code}: ${stderr.trim()}`));
      const text = Buffer.concat(stdout).toString('utf8');
      const lines = text.split('\n');
      if (lines.at(-1) === '') lines.pop();
      resolve(lines.map((line) => line.split('\t').map(unescapeBatchField)));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(sql);
  });
}

export async function createMysqlDatabase(name: string): Promise<void> {
  await mysqlQuery(null, `CREATE DATABASE ${mysqlIdentifier(name)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;`);
}

export async function dropMysqlDatabase(name: string): Promise<void> {
  await mysqlQuery(null, `DROP DATABASE IF EXISTS ${mysqlIdentifier(name)};`);
}

/** The Chinook script without its DROP DATABASE / CREATE DATABASE / USE lines, so it loads into a database of our own. */
export async function chinookMysqlScript(): Promise<string> {
  const script = await readFile(path.join(FIXTURES_DIR, 'chinook-mysql.sql'), 'utf8');
  return script
    .split('\n')
    .filter((line) => !/^\s*(DROP\s+DATABASE|CREATE\s+DATABASE|USE)\b/i.test(line))
    .join('\n');
}

export async function loadChinookMysql(name: string): Promise<void> {
  await mysqlQuery(name, await chinookMysqlScript());
}

export interface MysqlTableFingerprint {
  rows: number;
  md5: string;
}

/**
 * Row count and a hash of every row's content, per base table. Each row is hashed as the QUOTE()d values of all
 * its columns (which tells NULL from 'NULL' and keeps every byte), and the row hashes are hashed in primary-key
 * order (or in the order of the row hashes for a table without a primary key).
 */
export async function mysqlTableFingerprints(name: string): Promise<Record<string, MysqlTableFingerprint>> {
  const columns = await mysqlQuery(
    name,
    `SELECT c.TABLE_NAME, c.COLUMN_NAME, IFNULL(k.ORDINAL_POSITION, 0)
       FROM information_schema.COLUMNS c
       JOIN information_schema.TABLES t
         ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME AND t.TABLE_TYPE = 'BASE TABLE'
       LEFT JOIN information_schema.KEY_COLUMN_USAGE k
         ON k.TABLE_SCHEMA = c.TABLE_SCHEMA AND k.TABLE_NAME = c.TABLE_NAME AND k.COLUMN_NAME = c.COLUMN_NAME
        AND k.CONSTRAINT_NAME = 'PRIMARY'
      WHERE c.TABLE_SCHEMA = DATABASE()
      ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION;`,
  );
  const tables = new Map<string, { all: string[]; key: { column: string; position: number }[] }>();
  for (const [table, column, keyPosition] of columns) {
    const entry = tables.get(table!) ?? { all: [], key: [] };
    entry.all.push(column!);
    if (Number(keyPosition) > 0) entry.key.push({ column: column!, position: Number(keyPosition) });
    tables.set(table!, entry);
  }

  const result: Record<string, MysqlTableFingerprint> = {};
  for (const [table, { all, key }] of [...tables].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const rowHash = `MD5(CONCAT_WS(',', ${all.map((column) => `QUOTE(${mysqlIdentifier(column)})`).join(', ')}))`;
    const order = key.length
      ? key
          .sort((a, b) => a.position - b.position)
          .map(({ column }) => mysqlIdentifier(column))
          .join(', ')
      : rowHash;
    const [row] = await mysqlQuery(
      name,
      `SET SESSION group_concat_max_len = 4294967295;
       SELECT COUNT(*), IFNULL(MD5(GROUP_CONCAT(${rowHash} ORDER BY ${order} SEPARATOR '')), '')
         FROM ${mysqlIdentifier(table)};`,
    );
    result[table] = { rows: Number(row![0]), md5: row![1]! };
  }
  return result;
}
