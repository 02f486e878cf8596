import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { runTool } from './postgres.js';
import { freePort } from './service-processes.js';

/** The server binaries: TEST_PG_BIN, or the newest /usr/lib/postgresql/<major>/bin holding initdb. */
function serverBinDirectory(): string {
  if (process.env.TEST_PG_BIN) return process.env.TEST_PG_BIN;
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((name) => existsSync(path.join(root, name, 'bin', 'initdb'))) : [];
  const newest = majors.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error(`No PostgreSQL server binaries (initdb) under ${root}; set TEST_PG_BIN`);
  return path.join(root, newest, 'bin');
}

const PG_BIN = serverBinDirectory();
const SUPERUSER = 'postgres';

/** Runs a PostgreSQL program as the `postgres` OS user when we are root (the server refuses to run as root). */
function runAsPostgres(program: string, args: string[]): Promise<string> {
  const file = path.join(PG_BIN, program);
  return process.getuid?.() === 0 ? runTool('runuser', ['-u', 'postgres', '--', file, ...args]) : runTool(file, args);
}

function postgresOsUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
  return { uid: id('-u'), gid: id('-g') };
}

/**
 * A PostgreSQL cluster of the test's own (initdb into a temporary directory) on a free loopback port, so that a
 * test may stop it. The superuser `postgres` connects without a password; every other role must give its password
 * (scram-sha-256), so a wrong password really is refused.
 */
export class PrivatePostgres {
  private constructor(
    readonly directory: string,
    readonly port: number,
  ) {}

  static async start(): Promise<PrivatePostgres> {
    const directory = await mkdtemp(path.join(tmpdir(), 'dbbackup-test-pg-'));
    const owner = postgresOsUser();
    if (owner) await chown(directory, owner.uid, owner.gid);
    const cluster = new PrivatePostgres(directory, await freePort());
    await runAsPostgres('initdb', ['--pgdata', cluster.dataDir, '--username', SUPERUSER, '--auth', 'trust', '--no-sync', '--encoding', 'UTF8']);
    const hba = [
      `host all ${SUPERUSER} 127.0.0.1/32 trust`,
      'host all all 127.0.0.1/32 scram-sha-256',
      `local all ${SUPERUSER} trust`,
      '',
    ].join('\n');
    await writeFile(path.join(cluster.dataDir, 'pg_hba.conf'), hba);
    if (owner) await chown(path.join(cluster.dataDir, 'pg_hba.conf'), owner.uid, owner.gid);
    await cluster.start();
    return cluster;
  }

  private get dataDir(): string {
    return path.join(this.directory, 'data');
  }

  /** A URL for the superuser (no password). */
  url(database = 'postgres'): string {
    return `postgres://${SUPERUSER}@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    const options = `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${this.directory} -c fsync=off`;
    await runAsPostgres('pg_ctl', ['--pgdata', this.dataDir, '--log', path.join(this.directory, 'server.log'), '--wait', '-o', options, 'start']);
  }

  /** Stops the server at once (as a crash would), keeping its data for start(). */
  async stop(): Promise<void> {
    await runAsPostgres('pg_ctl', ['--pgdata', this.dataDir, '--mode', 'immediate', '--wait', 'stop']).catch(() => undefined);
  }

  /** A client of the superuser, not connected yet. */
  client(database = 'postgres'): pg.Client {
    return new pg.Client({ host: '127.0.0.1', port: this.port, user: SUPERUSER, database });
  }

  async query<T extends pg.QueryResultRow = any>(sql: string, params: unknown[] = [], database = 'postgres'): Promise<pg.QueryResult<T>> {
    const client = this.client(database);
    await client.connect();
    try {
      return await client.query<T>(sql, params);
    } finally {
      await client.end();
    }
  }

  /** A login role that must authenticate with `password`. */
  async createRole(name: string, password: string): Promise<void> {
    await this.query(`CREATE ROLE ${pg.escapeIdentifier(name)} LOGIN PASSWORD ${pg.escapeLiteral(password)}`);
  }

  async createDatabase(name: string, owner = SUPERUSER): Promise<void> {
    await this.query(`CREATE DATABASE ${pg.escapeIdentifier(name)} OWNER ${pg.escapeIdentifier(owner)}`);
  }

  async destroy(): Promise<void> {
    await this.stop();
    await rm(this.directory, { recursive: true, force: true });
  }
}
