import type { BenchDatabase } from './bench-database.js';
import type { RestoreMachineInfo } from './machine.js';
import { MiB, type Summary, seconds, toMiB } from './stats.js';

/** The restore benchmark's results (bench/results/restore.json) and their markdown (restore.md). */

export type RestoreMethodId = 'service-restore' | 'shell-restore' | 'shell-restore-j2';
export type BackupMethodId = 'service-backup' | 'manifest-count' | 'shell-dump';

export interface TimedSample {
  round: number;
  /** Position of the method in its round (1 = ran first). */
  position: number;
  seconds: number;
  /** Method-specific details: restore id, verification, aside database, worker peak RSS, rows counted… */
  details?: Record<string, unknown>;
}

export interface TimedMethod<Id extends string> {
  id: Id;
  label: string;
  command: string;
  /** The uncounted warm-up run, when there was one. */
  warmup?: { seconds: number; details?: Record<string, unknown> };
  runs: TimedSample[];
  time?: Summary;
  /** Set when the method could not be measured (all or some runs). */
  error?: string;
}

export interface RestoreBenchResults {
  startedAt: string;
  finishedAt: string;
  machine: RestoreMachineInfo;
  database: BenchDatabase;
  rounds: number;
  restore: {
    methods: TimedMethod<RestoreMethodId>[];
    /** The stored backup every restore method reads. */
    file?: {
      path: string;
      sizeBytes: number;
      format: string;
      /** `service`: the backup taken through the API; `shell`: made by the shell pipeline because the service failed. */
      madeBy: 'service' | 'shell';
      backupId?: string;
      backupSeconds?: number;
    };
    /** The decompressed copy `pg_restore -j 2` reads (decompression not included in its times). */
    decompressed?: { seconds: number; sizeBytes: number };
    target?: { database: string; databaseId?: string; createdByBench: boolean };
    /** Median time of the `CREATE DATABASE … TEMPLATE template0` before each shell restore (not in their times). */
    createDatabaseSeconds?: Summary;
    /** Rows of the restored target's tables after the last service restore, against the source. */
    check?: { sourceRows: number; targetRows: number; ok: boolean };
    /** Databases the bench dropped after the service restores (aside and fresh copies of this run). */
    dropped: string[];
  };
  backup: {
    methods: TimedMethod<BackupMethodId>[];
    tables?: number;
    /** What GET /backups/:id answered as `manifest` for the first service backup, when the service has one. */
    manifest?: unknown;
  };
  service: {
    ok: boolean;
    error?: string;
    dist: string;
    backupToolVersion?: string;
    restoreToolVersion?: string;
    compression?: string;
    workerIdleRssBytes?: number;
  };
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function ratio(a: TimedMethod<string> | undefined, b: TimedMethod<string> | undefined): number | undefined {
  return a?.time && b?.time ? a.time.median / b.time.median : undefined;
}

function fixed(value: number | undefined, digits = 2): string {
  return value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(digits);
}

function percent(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? 'n/a' : `${(100 * value).toFixed(1)}%`;
}

function goal(value: number | undefined, limit: number): string {
  if (value === undefined || !Number.isFinite(value)) return 'not measured';
  return value <= limit ? 'met' : 'NOT met';
}

function methodTable<Id extends string>(
  lines: string[],
  methods: TimedMethod<Id>[],
  baselineId: Id,
  baselineName: string,
  dbMiB: number,
): void {
  const baseline = methods.find((m) => m.id === baselineId);
  lines.push(`| Method | Median s | Min s | Max s | Warm-up s | DB MiB/s | vs ${baselineName} |`);
  lines.push('|---|---:|---:|---:|---:|---:|---:|');
  for (const method of methods) {
    const warm = method.warmup ? seconds(method.warmup.seconds) : '–';
    if (!method.time) {
      lines.push(`| ${cell(method.label)} | failed | | | ${warm} | | |`);
      continue;
    }
    const vs = method.id === baselineId ? '1.00 (baseline)' : fixed(ratio(method, baseline));
    lines.push(
      `| ${cell(method.label)} | ${seconds(method.time.median)} | ${seconds(method.time.min)} | ${seconds(method.time.max)} | ` +
        `${warm} | ${(dbMiB / method.time.median).toFixed(1)} | ${vs} |`,
    );
  }
  lines.push('');
}

function perRound<Id extends string>(lines: string[], methods: TimedMethod<Id>[], rounds: number): void {
  lines.push(`| Round | ${methods.map((m) => cell(m.id)).join(' | ')} |`);
  lines.push(`|---:|${methods.map(() => '---:').join('|')}|`);
  for (let round = 1; round <= rounds; round++) {
    const cells = methods.map((m) => {
      const run = m.runs.find((r) => r.round === round);
      return run ? `${seconds(run.seconds)} (#${run.position})` : '–';
    });
    lines.push(`| ${round} | ${cells.join(' | ')} |`);
  }
  lines.push('', '(#n: position of the method in its round.)', '');
}

/** Compact one-line JSON for a report cell or a log line. */
export function brief(value: unknown, max = 400): string {
  if (value === undefined) return 'absent';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export function renderRestoreMarkdown(results: RestoreBenchResults): string {
  const { machine, database, restore, backup } = results;
  const dbMiB = database.sizeBytes / MiB;
  const lines: string[] = [];
  const restoreMethod = (id: RestoreMethodId) => restore.methods.find((m) => m.id === id);
  const backupMethod = (id: BackupMethodId) => backup.methods.find((m) => m.id === id);

  lines.push('# Restore benchmark: the service vs shell pg_restore, and the cost of the backup manifest', '');
  lines.push(`Generated by \`npm run bench:restore\` (bench/restore.ts) on ${results.finishedAt}. 1 MiB = 1,048,576 bytes.`, '');
  lines.push('## Machine', '');
  lines.push(`- CPU: ${machine.cpus} × ${machine.cpuModel}`);
  lines.push(`- Memory: ${(machine.totalMemoryBytes / 1024 ** 3).toFixed(1)} GiB; OS: ${machine.os}`);
  lines.push(`- Load average at start (1/5/15 min): ${machine.loadAverage.map((l) => l.toFixed(2)).join(' / ')}`);
  lines.push(`- PostgreSQL server: ${machine.postgresVersion}`);
  lines.push(`- pg_dump: ${machine.pgDump}; pg_restore: ${machine.pgRestore}; zstd: ${machine.zstd}; Node: ${machine.node}`);
  lines.push('');
  lines.push('## Database', '');
  lines.push(
    `- \`${database.name}\`: ${dbMiB.toFixed(1)} MiB (pg_database_size), ${database.rows.toLocaleString('en-US')} rows ` +
      '(the bench database of `npm run bench:backup`: one table, primary key and two more indexes).',
  );
  lines.push(database.generated ? `- Generated by this run in ${database.generationSeconds.toFixed(1)} s.` : '- Reused from a previous run.');
  lines.push(`- ${results.rounds} rounds per part, methods in a rotated order each round, after one uncounted warm-up of each restore method.`);
  lines.push('');

  // ------------------------------------------------------------------------------------------ part 1: restores
  lines.push('## 1. Restore: service vs `zstd -dc file | pg_restore`', '');
  if (restore.file) {
    const f = restore.file;
    lines.push(
      `All methods restore the same stored file: ${toMiB(f.sizeBytes)} MiB, ${f.format}, ` +
        (f.madeBy === 'service'
          ? `the service's backup ${f.backupId} (taken through the API in ${fixed(f.backupSeconds)} s).`
          : 'made by the shell pipeline `pg_dump -Fc -Z0 | zstd -1 -T0` because the service could not take it.'),
      '',
    );
  }
  methodTable(lines, restore.methods, 'shell-restore', 'shell', dbMiB);
  const serviceVsShell = ratio(restoreMethod('service-restore'), restoreMethod('shell-restore'));
  lines.push(
    `**service / shell = ${fixed(serviceVsShell)}** (median over median; goal: within 1.10×, ${goal(serviceVsShell, 1.1)}).`,
    '',
  );
  lines.push(
    'Service times run from `POST /backups/:id/restore` to the `GET /restores/:id?waitSeconds=60` answer with `success`: ' +
      'queueing, the worker re-reading and checking the stored file, creating the fresh database, pg_restore, the ' +
      'manifest check of the restored copy and the switch (the target renamed aside, the copy renamed in). The shell ' +
      'times are the pipeline alone into an empty database created just before (`CREATE DATABASE … TEMPLATE template0`' +
      (restore.createDatabaseSeconds ? `, median ${seconds(restore.createDatabaseSeconds.median)} s, not counted` : ', not counted') +
      ') and dropped after. Throughput is the source database size over the median time.',
    '',
  );
  if (restore.decompressed) {
    lines.push(
      `\`pg_restore -j 2\` reads a decompressed copy of the file (${toMiB(restore.decompressed.sizeBytes)} MiB, ` +
        `decompressed once in ${seconds(restore.decompressed.seconds)} s, not counted in its times): a reference for ` +
        'what parallel restore would give, which a pipe cannot feed.',
      '',
    );
  }
  lines.push('Commands:', '');
  for (const method of restore.methods) lines.push(`- ${method.label}: \`${method.command}\``);
  lines.push('');
  lines.push('### Per round (seconds)', '');
  perRound(lines, restore.methods, results.rounds);

  const serviceRestore = restoreMethod('service-restore');
  if (serviceRestore && (serviceRestore.runs.length > 0 || serviceRestore.warmup)) {
    lines.push('### Service restores', '');
    if (restore.target) {
      lines.push(
        `Target: \`${restore.target.database}\` (database id ${restore.target.databaseId ?? 'n/a'}; ` +
          `${restore.target.createdByBench ? 'created empty by the bench because the API refused a database that did not exist' : 'registered before it existed'}).`,
        '',
      );
    }
    lines.push('| Run | Restore id | s | Worker peak RSS MiB | asideDatabase | verification |');
    lines.push('|---|---:|---:|---:|---|---|');
    const rows: Array<[string, { seconds: number; details?: Record<string, unknown> }]> = [];
    if (serviceRestore.warmup) rows.push(['warm-up', serviceRestore.warmup]);
    for (const run of serviceRestore.runs) rows.push([`round ${run.round}`, run]);
    for (const [name, run] of rows) {
      const d = run.details ?? {};
      lines.push(
        `| ${name} | ${String(d.restoreId ?? 'n/a')} | ${seconds(run.seconds)} | ${typeof d.peakRssBytes === 'number' ? toMiB(d.peakRssBytes) : 'n/a'} | ` +
          `${cell(String(d.asideDatabase ?? 'absent'))} | ${cell(brief(d.verification, 300))} |`,
      );
    }
    lines.push('');
    if (restore.check) {
      lines.push(
        `Check after the last service restore: the target holds ${restore.check.targetRows.toLocaleString('en-US')} rows, ` +
          `the source ${restore.check.sourceRows.toLocaleString('en-US')} (${restore.check.ok ? 'equal' : 'DIFFERENT'}).`,
        '',
      );
    }
    if (restore.dropped.length > 0) {
      lines.push(`Dropped by the bench after the service restores: ${restore.dropped.map((d) => `\`${d}\``).join(', ')}.`, '');
    }
  }

  // ------------------------------------------------------------------------------------------ part 2: manifest cost
  lines.push('## 2. The manifest\'s share of a backup', '');
  methodTable(lines, backup.methods, 'shell-dump', 'shell dump', dbMiB);
  const share = ratio(backupMethod('manifest-count'), backupMethod('service-backup'));
  const backupVsShell = ratio(backupMethod('service-backup'), backupMethod('shell-dump'));
  lines.push(
    `- **Counting / service backup = ${percent(share)}** (median of the counting alone over the median service backup; ` +
      `goal: the manifest adds at most 5%, ${goal(share, 0.05)}).`,
  );
  lines.push(
    `- **Service backup / shell dump = ${fixed(backupVsShell)}** (last session, before the manifest: 1.07; ` +
      `${backupVsShell === undefined ? 'n/a' : `${(100 * (backupVsShell / 1.07 - 1)).toFixed(1)}% vs that figure`}).`,
  );
  if (backup.tables !== undefined) lines.push(`- Tables counted: ${backup.tables}.`);
  lines.push(`- Manifest recorded by the service (first backup, as GET /backups/:id shows it): ${cell(brief(backup.manifest, 500))}`);
  lines.push('');
  lines.push(
    'The counting runs here alone, on an idle machine; in the service it runs on its own connection in the snapshot ' +
      'pg_dump exported, concurrently with pg_dump and zstd on the same 2 cores, so what it adds to a backup is at most ' +
      'its own time and less where it overlaps idle CPU. The service backups are deleted after each round; the ' +
      'first backup (the file of part 1) is their uncounted warm-up.',
    '',
  );
  lines.push('Commands:', '');
  for (const method of backup.methods) lines.push(`- ${method.label}: \`${method.command}\``);
  lines.push('');
  lines.push('### Per round (seconds)', '');
  perRound(lines, backup.methods, results.rounds);

  // ------------------------------------------------------------------------------------------ failures
  const failures = [...restore.methods, ...backup.methods].filter((m) => m.error);
  if (!results.service.ok || failures.length > 0) {
    lines.push('## Failures', '');
    if (results.service.error) lines.push(`- Service: ${cell(results.service.error)}`);
    for (const method of failures) {
      if (method.error === results.service.error) continue;
      lines.push(`- ${method.label}: ${cell(method.error!)}`);
    }
    lines.push('');
  }
  lines.push(
    `Service: started from \`${results.service.dist}/\`; backups ${results.service.backupToolVersion ?? 'n/a'}, ` +
      `compression \`${results.service.compression ?? 'n/a'}\`; restores ${results.service.restoreToolVersion ?? 'n/a'}.`,
    '',
  );
  return `${lines.join('\n')}\n`;
}

/** The two result tables and their headline ratios, for the terminal. */
export function renderRestoreSummary(results: RestoreBenchResults): string {
  const markdown = renderRestoreMarkdown(results);
  const parts: string[] = [];
  for (const [from, to] of [
    ['## 1. Restore', 'Service times run'],
    ['## 2. The manifest', 'The counting runs'],
  ] as const) {
    const start = markdown.indexOf(from);
    const end = markdown.indexOf(to, start);
    if (start >= 0) parts.push(markdown.slice(start, end >= 0 ? end : undefined).trim());
  }
  return parts.join('\n\n');
}
