import { Injectable } from '@nestjs/common';
import { access, readdir } from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import { AppConfig } from '../core/config/app-config.js';
import { ProcessRunner } from '../core/process/process-runner.js';
import { TargetDatabaseError } from './engine.js';

const DEBIAN_PG_ROOT = '/usr/lib/postgresql';

export interface PgToolSet {
  directory: string | null;
  version: string;
  major: number;
  pgDump: string;
  pgRestore: string;
}

function parseVersion(output: string): { version: string; major: number } | null {
  const match = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(output);
  if (!match) return null;
  return { version: match[2] ? `${match[1]}.${match[2]}` : match[1]!, major: Number(match[1]) };
}

/**
 * Finds the installed pg_dump/pg_restore versions (PG_BIN_DIRS, Debian's /usr/lib/postgresql/<major>/bin, PATH)
 * and picks the oldest one whose major is at least the server's: a newer pg_dump can dump an older server.
 */
@Injectable()
export class PgTools {
  private toolSets?: Promise<PgToolSet[]>;

  constructor(
    private readonly config: AppConfig,
    private readonly processes: ProcessRunner,
  ) {}

  async forServer(serverMajor: number): Promise<PgToolSet> {
    const available = await this.list();
    const fit = available.find((tools) => tools.major >= serverMajor);
    if (!fit) {
      const installed = available.map((tools) => tools.version).join(', ') || 'none';
      throw new TargetDatabaseError(
        `No pg_dump can back up this PostgreSQL ${serverMajor} server: installed client versions are ${installed}; ` +
          `install postgresql-client-${serverMajor} or newer, or point PG_BIN_DIRS at it`,
        false,
      );
    }
    return fit;
  }

  /** One line for the worker's start-up log; asking early also spares the first backup the discovery. */
  async summary(): Promise<string> {
    const sets = await this.list();
    if (sets.length === 0) return 'none found: PostgreSQL backups will fail until postgresql-client is installed';
    return sets.map((tools) => `${tools.version} (${tools.directory ?? 'PATH'})`).join(', ');
  }

  list(): Promise<PgToolSet[]> {
    this.toolSets ??= this.discover();
    return this.toolSets;
  }

  private async discover(): Promise<PgToolSet[]> {
    const directories = this.config.pgBinDirs ?? [...(await debianBinDirectories()), null];
    const found = await Promise.all(directories.map((directory) => this.probe(directory)));
    const unique = new Map<number, PgToolSet>();
    for (const tools of found) if (tools && !unique.has(tools.major)) unique.set(tools.major, tools);
    return [...unique.values()].sort((a, b) => a.major - b.major);
  }

  private async probe(directory: string | null): Promise<PgToolSet | null> {
    const pgDump = directory ? path.join(directory, 'pg_dump') : 'pg_dump';
    const pgRestore = directory ? path.join(directory, 'pg_restore') : 'pg_restore';
    if (directory && !(await isExecutable(pgDump))) return null;
    try {
      const parsed = parseVersion(await this.processes.output(pgDump, ['--version']));
      return parsed ? { directory, pgDump, pgRestore, ...parsed } : null;
    } catch {
      return null;
    }
  }
}

async function debianBinDirectories(): Promise<string[]> {
  try {
    const majors = (await readdir(DEBIAN_PG_ROOT)).filter((name) => /^\d+$/.test(name));
    return majors.map((major) => path.join(DEBIAN_PG_ROOT, major, 'bin'));
  } catch {
    return [];
  }
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
