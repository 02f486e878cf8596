import os from 'node:os';
import { type PgServer, pgQuery } from './bench-database.js';
import { run } from './process.js';
import type { MachineInfo } from './report.js';

/** The first line a tool prints for `args` (e.g. `--version`), or why it could not be run. */
export async function firstLine(file: string, args: string[]): Promise<string> {
  try {
    const result = await run(file, args);
    return (result.stdout || result.stderr).trim().split('\n')[0] ?? 'n/a';
  } catch (error) {
    return `unavailable (${(error as Error).message})`;
  }
}

/** `pg_dump (PostgreSQL) 15.19 (/usr/bin/pg_dump → /usr/lib/postgresql/15/bin/pg_dump)`. */
export async function toolWithPath(tool: string): Promise<string> {
  const where = (await run('bash', ['-c', `command -v ${tool}`]).catch(() => undefined))?.stdout.trim();
  const real = where ? (await run('readlink', ['-f', where]).catch(() => undefined))?.stdout.trim() : undefined;
  const suffix = where ? ` (${where}${real && real !== where ? ` → ${real}` : ''})` : '';
  return `${await firstLine(tool, ['--version'])}${suffix}`;
}

export interface RestoreMachineInfo extends MachineInfo {
  pgRestore: string;
}

/** What the figures were measured on: CPU, memory, load, PostgreSQL server and client tools, zstd, Node. */
export async function machineInfo(server: PgServer): Promise<RestoreMachineInfo> {
  const [version] = await pgQuery<{ version: string }>(server, 'postgres', 'SELECT version()');
  const zstdLine = await firstLine('zstd', ['--version']);
  return {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    loadAverage: os.loadavg(),
    totalMemoryBytes: os.totalmem(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    postgresVersion: version?.version ?? 'unknown',
    pgDump: await toolWithPath('pg_dump'),
    pgRestore: await toolWithPath('pg_restore'),
    zstd: /v\d+\.\d+\.\d+/.exec(zstdLine)?.[0] ?? zstdLine,
    node: process.version,
  };
}
