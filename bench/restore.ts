/**
 * Restore benchmark: a restore of the bench database through the service (API + one worker, from dist/) against
 * the shell `zstd -dc file | pg_restore`, on the same stored file; and the cost of the backup manifest (the row
 * counts the service takes in the dump's snapshot) as a share of a backup. Writes bench/results/restore.md and
 * bench/results/restore.json.
 *
 *   npm run bench:restore             builds dist/ and dist-bench/, then runs this file
 *
 * Environment (all optional; the shared ones as in bench/backup.ts):
 *   BENCH_ROUNDS=3            timed rounds of each part; each round runs every method once, in a rotated order
 *   BENCH_DB_MB=800           size of the bench database in MiB; named bench_backup_<N>mb (shared with bench:backup)
 *   BENCH_DROP=1              drop the bench database at the end
 *   BENCH_PG_HOST/PORT/USER   PostgreSQL server (127.0.0.1, 5432, postgres; trust authentication)
 *   BENCH_REDIS_URL           Redis for the service's queue (redis://127.0.0.1:6379)
 *   BENCH_TMPDIR              where the stored and decompressed files go (os.tmpdir())
 *   BENCH_DIST=dist           compiled service to start
 *   BENCH_BACKUP_TIMEOUT_S=600   time limit of one service backup
 *   BENCH_RESTORE_TIMEOUT_S=900  time limit of one service restore
 *   BENCH_RESTORE_J2=1        0: skip the `pg_restore -j 2` reference row
 *   BENCH_TRACE=1             worker logs at debug level, printed after each service backup and restore
 *
 * See bench/README.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  createEmptyDatabase,
  databasesLike,
  dropDatabase,
  ensureBenchDatabase,
  pgQuery,
  userTables,
  withClient,
} from './lib/bench-database.js';
import { cleanup, errorMessage, intFromEnv, onCleanup } from './lib/harness.js';
import { machineInfo } from './lib/machine.js';
import { readMemory } from './lib/memory.js';
import { sleep, timeBash } from './lib/process.js';
import {
  type BackupMethodId,
  type RestoreBenchResults,
  type RestoreMethodId,
  type TimedMethod,
  brief,
  renderRestoreMarkdown,
  renderRestoreSummary,
} from './lib/restore-report.js';
import {
  type Service,
  deleteBackup,
  registerDatabase,
  startService,
  storedBackupFile,
  timedServiceBackup,
  timedServiceRestore,
} from './lib/service.js';
import { BACKUP_TIMEOUT_MS, BENCH_DB, DB_MB, DIST, DROP_AT_END, PG, REDIS_URL, RESULTS_DIR, ROOT, ROUNDS, TMP_BASE, TRACE } from './lib/bench-config.js';
import { MiB, rotate, summarize, toMiB } from './lib/stats.js';

// ---------------------------------------------------------------------------------------------- configuration


const RESTORE_TIMEOUT_MS = intFromEnv('BENCH_RESTORE_TIMEOUT_S', 900, 1) * 1000;
const WITH_J2 = process.env.BENCH_RESTORE_J2 !== '0';
const WAIT_SECONDS = 60;
const STARTUP_TIMEOUT_MS = 90_000;

/** Unique to this run: the restore target and the shell's scratch database are named after it. */
const RUN_ID = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const TARGET_DB = `bench_restore_target_${RUN_ID}`;
const SHELL_DB = `bench_restore_shell_${RUN_ID}`;
/** What the service's restores make: the fresh copy, and the target's previous content once switched out. */
const SERVICE_DB_PATTERNS = ['dbbackup\\_aside\\_%', 'dbbackup\\_restore\\_%'];

const log = (line: string) => console.log(line);
const trace = TRACE ? log : undefined;

// ---------------------------------------------------------------------------------------------- helpers

const CONN = `-h ${PG.host} -p ${PG.port} -U ${PG.user}`;
const SHELL_DUMP = `pg_dump -Fc -Z0 ${CONN} ${BENCH_DB} | zstd -1 -T0 > "$OUT"`;
const SHELL_RESTORE = `zstd -dc "$FILE" | pg_restore ${CONN} --no-password --exit-on-error --dbname="$DB"`;
const SHELL_RESTORE_J2 = `pg_restore -j 2 ${CONN} --no-password --exit-on-error --dbname="$DB" "$DUMP"`;

/** What a file starts with: tells whether the service really stored zstd. */
async function fileFormat(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(5);
    await handle.read(head, 0, 5, 0);
    if (head.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))) return 'zstd';
    if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
    if (head.toString('latin1') === 'PGDMP') return 'pg_dump custom, uncompressed';
    return `unknown (${head.toString('hex')})`;
  } finally {
    await handle.close();
  }
}

/**
 * Row counts of every table in one REPEATABLE READ transaction, as the service's manifest takes them (there in the
 * snapshot pg_dump exported). Timed from BEGIN to COMMIT on an open connection.
 */
async function countEveryTable(database: string): Promise<{ seconds: number; tables: number; rows: number }> {
  return withClient(PG, database, async (client) => {
    const started = performance.now();
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    let rows = 0;
    const tables = await userTables(client);
    for (const table of tables) {
      const result = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`);
      rows += Number(result.rows[0]!.n);
    }
    await client.query('COMMIT');
    return { seconds: (performance.now() - started) / 1000, tables: tables.length, rows };
  });
}

/** Total rows of a database's tables (the after-restore check). */
async function totalRows(database: string): Promise<number> {
  return (await countEveryTable(database)).rows;
}

// ---------------------------------------------------------------------------------------------- the service's databases

/** Databases of the service's kind (dbbackup_aside_%, dbbackup_restore_%) that existed before this run: never touched. */
let preexisting = new Set<string>();
/** Restore ids of this run; the metadata database's restore ids start at a random 10-digit number (see below). */
const restoreIds = new Set<string>();
/** asideDatabase values the service reported for this run's restores. */
const reportedAside = new Set<string>();
const dropped: string[] = [];

function belongsToThisRun(name: string): boolean {
  if (preexisting.has(name) || name === TARGET_DB || name === BENCH_DB) return false;
  if (reportedAside.has(name)) return true;
  if (!/^dbbackup_(aside|restore)_/.test(name)) return false;
  return [...restoreIds].some((id) => new RegExp(`(^|\\D)${id}(\\D|$)`).test(name));
}

/** Drops the fresh and aside databases this run's restores left (DROP DATABASE … WITH (FORCE)). */
async function dropServiceLeftovers(): Promise<string[]> {
  const existing = await pgQuery<{ datname: string }>(PG, 'postgres', 'SELECT datname FROM pg_database ORDER BY datname');
  const ours = existing.map((row) => row.datname).filter(belongsToThisRun);
  for (const name of ours) {
    await dropDatabase(PG, name);
    dropped.push(name);
  }
  return ours;
}

/**
 * The service names its databases after restore ids, which start at 1 in every fresh metadata database: other
 * runs and test suites on the same server make `dbbackup_aside_1` too. Starting this run's ids at a random
 * 10-digit number makes the names its own, so the bench drops nothing it did not cause.
 */
async function makeRestoreIdsUnique(service: Service): Promise<void> {
  const start = 1_000_000_000 + Math.floor(Math.random() * 8_000_000_000);
  try {
    await pgQuery(PG, service.metaDb, `ALTER TABLE restores ALTER COLUMN id RESTART WITH ${start}`);
    log(`[service] restore ids of this run start at ${start}`);
  } catch (error) {
    log(`[service] warning: could not restart the restore ids (${errorMessage(error)}); only new databases naming this run's ids are dropped`);
  }
}

// ---------------------------------------------------------------------------------------------- main

async function main(): Promise<number> {
  if (!/^[a-z0-9_]+$/.test(BENCH_DB)) throw new Error(`bad database name ${BENCH_DB}`);
  const startedAt = new Date().toISOString();
  log(`[bench] restore benchmark: ${ROUNDS} round(s), database ${BENCH_DB}, run ${RUN_ID}`);
  const machine = await machineInfo(PG);
  log(
    `[bench] ${machine.cpus} CPU, ${(machine.totalMemoryBytes / 1024 ** 3).toFixed(1)} GiB, ${machine.postgresVersion.split(' on ')[0]}, ` +
      `${machine.pgRestore}, zstd ${machine.zstd}, Node ${machine.node}`,
  );

  if (DROP_AT_END) onCleanup(`drop ${BENCH_DB} (BENCH_DROP=1)`, () => dropDatabase(PG, BENCH_DB));
  const database = await ensureBenchDatabase(PG, BENCH_DB, DB_MB * MiB, Math.min(2, os.availableParallelism()), log);

  const tmp = await mkdtemp(path.join(TMP_BASE, 'bench-restore-'));
  onCleanup(`remove ${tmp}`, () => rm(tmp, { recursive: true, force: true }));
  preexisting = new Set(await databasesLike(PG, SERVICE_DB_PATTERNS));
  // Registered before the service starts, so it runs after the worker has stopped (cleanups run last-in first-out).
  onCleanup(`drop ${TARGET_DB}, ${SHELL_DB} and this run's dbbackup_aside_/dbbackup_restore_ databases`, async () => {
    const left = await dropServiceLeftovers();
    if (left.length) log(`[cleanup] dropped ${left.join(', ')}`);
    await dropDatabase(PG, TARGET_DB);
    await dropDatabase(PG, SHELL_DB);
  });

  const restoreMethods: TimedMethod<RestoreMethodId>[] = [
    {
      id: 'service-restore',
      label: 'Service (API + worker: check file → fresh database → pg_restore → manifest check → switch)',
      command: `POST /backups/:id/restore {"targetDatabaseId", "terminateConnections": true}, then GET /restores/:id?waitSeconds=${WAIT_SECONDS}`,
      runs: [],
    },
    { id: 'shell-restore', label: 'Shell: zstd -dc file | pg_restore', command: SHELL_RESTORE, runs: [] },
  ];
  if (WITH_J2) {
    restoreMethods.push({ id: 'shell-restore-j2', label: 'Shell: pg_restore -j 2 (decompressed file)', command: SHELL_RESTORE_J2, runs: [] });
  }
  const backupMethods: TimedMethod<BackupMethodId>[] = [
    {
      id: 'service-backup',
      label: 'Service backup (pg_dump + manifest counts → zstd → file, sha256 behind)',
      command: `POST /backups, then GET /backups/:id?waitSeconds=${WAIT_SECONDS}`,
      runs: [],
    },
    {
      id: 'manifest-count',
      label: 'Counting alone: SELECT count(*) of every table, one REPEATABLE READ transaction',
      command: 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT count(*) FROM <each table>; COMMIT',
      runs: [],
    },
    { id: 'shell-dump', label: 'Shell: pg_dump -Fc -Z0 | zstd -1 -T0', command: SHELL_DUMP, runs: [] },
  ];
  const restoreMethod = (id: RestoreMethodId) => restoreMethods.find((m) => m.id === id)!;
  const backupMethod = (id: BackupMethodId) => backupMethods.find((m) => m.id === id)!;

  const results: RestoreBenchResults = {
    startedAt,
    finishedAt: '',
    machine,
    database,
    rounds: ROUNDS,
    restore: { methods: restoreMethods, dropped },
    backup: { methods: backupMethods },
    service: { ok: false, dist: path.relative(ROOT, DIST) || DIST },
  };
  const serviceFailed = (error: string) => {
    results.service.error ??= error;
    for (const m of [restoreMethod('service-restore'), backupMethod('service-backup')]) m.error ??= error;
    log(`[service] ${error}`);
  };

  // ------------------------------------------------------------------------------ the service and its first backup
  let service: Service | undefined;
  let sourceId: string | undefined;
  try {
    service = await startService({ root: ROOT, dist: DIST, pg: PG, redisUrl: REDIS_URL, tmp, trace: TRACE, startupTimeoutMs: STARTUP_TIMEOUT_MS, log });
    await makeRestoreIdsUnique(service);
    const source = await registerDatabase(service, PG, { name: BENCH_DB, database: BENCH_DB, compression: 'zstd' });
    if (!source.databaseId) throw new Error(`POST /databases answered ${source.status}, expected 201 with a databaseId: ${source.text.slice(0, 1000)}`);
    sourceId = source.databaseId;
  } catch (error) {
    serviceFailed(`start-up failed: ${errorMessage(error)}`);
    service = undefined;
    log('[service] continuing with the shell side only');
  }

  if (service) {
    await sleep(2000);
    results.service.workerIdleRssBytes = (await readMemory(service.worker.pid!))?.rss;
  }

  // The one backup every restore reads; also the uncounted warm-up of the service backups of part 2.
  if (service && sourceId) {
    try {
      log('[bench] the backup to restore: one service backup (kept; the warm-up of the service backups)');
      const taken = await timedServiceBackup(service, sourceId, { timeoutMs: BACKUP_TIMEOUT_MS, waitSeconds: WAIT_SECONDS, trace });
      const file = await storedBackupFile(service, PG, taken.backupId, taken.details.fileLocation);
      const format = await fileFormat(file);
      results.restore.file = {
        path: file,
        sizeBytes: (await stat(file)).size,
        format,
        madeBy: 'service',
        backupId: taken.backupId,
        backupSeconds: taken.seconds,
      };
      backupMethod('service-backup').warmup = { seconds: taken.seconds, details: { backupId: taken.backupId } };
      results.service.backupToolVersion = taken.details.toolVersion ?? undefined;
      results.service.compression = taken.details.compression;
      results.backup.manifest = taken.details.manifest;
      log(`  backup ${taken.backupId}: ${taken.seconds.toFixed(2)} s, ${toMiB(results.restore.file.sizeBytes)} MiB ${format} at ${file}`);
      log(`  manifest: ${brief(taken.details.manifest)}; warnings: ${brief(taken.details.warnings)}`);
      if (taken.details.compression !== 'zstd' || format !== 'zstd') {
        log(`[service] warning: stored compression ${taken.details.compression}, file format ${format} (expected zstd)`);
      }
    } catch (error) {
      serviceFailed(`the backup to restore failed: ${errorMessage(error)}`);
    }
  }
  if (!results.restore.file) {
    // Without the service's file the shell side still runs, on the file the shell pipeline makes.
    const file = path.join(tmp, 'shell-source.dump.zst');
    log('[bench] no service backup: making the file to restore with the shell pipeline');
    const seconds = await timeBash(SHELL_DUMP, { ...process.env, OUT: file });
    results.restore.file = { path: file, sizeBytes: (await stat(file)).size, format: await fileFormat(file), madeBy: 'shell' };
    log(`  ${seconds.toFixed(2)} s, ${toMiB(results.restore.file.sizeBytes)} MiB`);
  }
  const FILE = results.restore.file.path;

  // ------------------------------------------------------------------------------ part 2: the manifest's share of a backup
  log('[bench] part 2: service backup, counting alone, shell dump');
  const warmCount = await countEveryTable(BENCH_DB);
  backupMethod('manifest-count').warmup = { seconds: warmCount.seconds, details: { tables: warmCount.tables, rows: warmCount.rows } };
  results.backup.tables = warmCount.tables;
  log(`[bench] warm-up: counting ${warmCount.tables} table(s), ${warmCount.rows.toLocaleString('en-US')} rows, ${warmCount.seconds.toFixed(2)} s`);

  const backupOrder: BackupMethodId[] = ['service-backup', 'manifest-count', 'shell-dump'];
  for (let round = 1; round <= ROUNDS; round++) {
    const thisRound = rotate(backupOrder, round - 1);
    log(`[bench] backup round ${round}/${ROUNDS}: ${thisRound.join(', ')}`);
    for (const [index, id] of thisRound.entries()) {
      const position = index + 1;
      const m = backupMethod(id);
      if (m.error) continue;
      try {
        if (id === 'service-backup') {
          if (!service || !sourceId) continue;
          const taken = await timedServiceBackup(service, sourceId, { timeoutMs: BACKUP_TIMEOUT_MS, waitSeconds: WAIT_SECONDS, trace });
          await deleteBackup(service, taken.backupId, log);
          m.runs.push({ round, position, seconds: taken.seconds, details: { backupId: taken.backupId, sizeBytes: taken.details.sizeBytes } });
          log(`  service-backup   ${taken.seconds.toFixed(2)} s, ${toMiB(Number(taken.details.sizeBytes ?? NaN))} MiB`);
        } else if (id === 'manifest-count') {
          const counted = await countEveryTable(BENCH_DB);
          m.runs.push({ round, position, seconds: counted.seconds, details: { tables: counted.tables, rows: counted.rows } });
          log(`  manifest-count   ${counted.seconds.toFixed(2)} s, ${counted.rows.toLocaleString('en-US')} rows`);
        } else {
          const out = path.join(tmp, `shell-dump-round${round}.dump.zst`);
          try {
            const seconds = await timeBash(SHELL_DUMP, { ...process.env, OUT: out });
            const sizeBytes = (await stat(out)).size;
            m.runs.push({ round, position, seconds, details: { sizeBytes } });
            log(`  shell-dump       ${seconds.toFixed(2)} s, ${toMiB(sizeBytes)} MiB`);
          } finally {
            await rm(out, { force: true });
          }
        }
      } catch (error) {
        m.error = errorMessage(error);
        log(`[bench] ${id} FAILED: ${m.error}`);
      }
    }
  }

  // ------------------------------------------------------------------------------ part 1: restores
  log('[bench] part 1: restores');
  if (service && !restoreMethod('service-restore').error) {
    try {
      let target = await registerDatabase(service, PG, { name: TARGET_DB, database: TARGET_DB });
      let createdByBench = false;
      if (!target.databaseId) {
        log(`[service] POST /databases refused ${TARGET_DB}, which does not exist yet (${target.status}: ${target.text.slice(0, 300)}): creating it empty`);
        await createEmptyDatabase(PG, TARGET_DB);
        createdByBench = true;
        target = await registerDatabase(service, PG, { name: TARGET_DB, database: TARGET_DB });
        if (!target.databaseId) throw new Error(`POST /databases answered ${target.status} for ${TARGET_DB}: ${target.text.slice(0, 1000)}`);
      }
      results.restore.target = { database: TARGET_DB, databaseId: target.databaseId, createdByBench };
      log(`[service] restore target ${TARGET_DB} registered as database ${target.databaseId}`);
    } catch (error) {
      restoreMethod('service-restore').error = `registering the restore target failed: ${errorMessage(error)}`;
      log(`[service] ${restoreMethod('service-restore').error}`);
    }
  }

  let decompressed: string | undefined;
  if (WITH_J2) {
    decompressed = path.join(tmp, 'decompressed.dump');
    try {
      const seconds = await timeBash('zstd -q -d -f "$FILE" -o "$DUMP"', { ...process.env, FILE, DUMP: decompressed });
      results.restore.decompressed = { seconds, sizeBytes: (await stat(decompressed)).size };
      log(`[bench] decompressed the file for pg_restore -j 2: ${seconds.toFixed(2)} s, ${toMiB(results.restore.decompressed.sizeBytes)} MiB`);
    } catch (error) {
      restoreMethod('shell-restore-j2').error = `decompressing the file failed: ${errorMessage(error)}`;
    }
  }

  const createSeconds: number[] = [];
  /** One restore by `id`; the database work around it (scratch database, leftovers) is not timed. */
  const restoreOnce = async (id: RestoreMethodId): Promise<{ seconds: number; details?: Record<string, unknown> }> => {
    if (id === 'service-restore') {
      const done = await timedServiceRestore(
        service!,
        results.restore.file!.backupId!,
        { targetDatabaseId: results.restore.target!.databaseId, terminateConnections: true },
        { timeoutMs: RESTORE_TIMEOUT_MS, waitSeconds: WAIT_SECONDS, onRestoreId: (rid) => restoreIds.add(rid), trace },
      ).finally(async () => {
        // Whatever the outcome: the aside and fresh databases of this restore must not fill the disk.
        const left = await dropServiceLeftovers().catch((error: unknown) => [`(drop failed: ${errorMessage(error)})`]);
        if (left.length) log(`    dropped ${left.join(', ')}`);
      });
      const aside = done.details.asideDatabase ?? undefined;
      if (aside) {
        // Reported after the sweep above ran: drop it now if it is still there.
        reportedAside.add(aside);
        const left = await dropServiceLeftovers();
        if (left.length) log(`    dropped ${left.join(', ')}`);
      }
      results.service.restoreToolVersion = done.details.toolVersion ?? undefined;
      const peak = done.memory ? Math.max(done.memory.hwm, done.memory.maxSampledRss) : undefined;
      log(`    restore ${done.restoreId}: verification ${brief(done.details.verification)}; asideDatabase ${String(done.details.asideDatabase ?? 'absent')}`);
      return {
        seconds: done.seconds,
        details: {
          restoreId: done.restoreId,
          verification: done.details.verification,
          asideDatabase: done.details.asideDatabase,
          peakRssBytes: peak,
          startedAt: done.details.startedAt,
          finishedAt: done.details.finishedAt,
        },
      };
    }
    await dropDatabase(PG, SHELL_DB);
    const created = performance.now();
    await createEmptyDatabase(PG, SHELL_DB);
    createSeconds.push((performance.now() - created) / 1000);
    try {
      const script = id === 'shell-restore' ? SHELL_RESTORE : SHELL_RESTORE_J2;
      const seconds = await timeBash(script, { ...process.env, FILE, DUMP: decompressed ?? '', DB: SHELL_DB });
      return { seconds };
    } finally {
      await dropDatabase(PG, SHELL_DB);
    }
  };

  const restoreOrder = restoreMethods.map((m) => m.id);
  const runnable = (id: RestoreMethodId) => !restoreMethod(id).error && (id !== 'service-restore' || Boolean(service && results.restore.target));

  log(`[bench] warm-up: one uncounted restore of each method (${restoreOrder.join(', ')})`);
  for (const id of restoreOrder) {
    if (!runnable(id)) continue;
    try {
      const warm = await restoreOnce(id);
      restoreMethod(id).warmup = warm;
      log(`  ${id.padEnd(17)} ${warm.seconds.toFixed(2)} s (warm-up)`);
    } catch (error) {
      restoreMethod(id).error = errorMessage(error);
      log(`[bench] ${id} FAILED: ${restoreMethod(id).error}`);
    }
  }

  for (let round = 1; round <= ROUNDS; round++) {
    const thisRound = rotate(restoreOrder, round - 1);
    log(`[bench] restore round ${round}/${ROUNDS}: ${thisRound.join(', ')}`);
    for (const [index, id] of thisRound.entries()) {
      if (!runnable(id)) continue;
      try {
        const done = await restoreOnce(id);
        restoreMethod(id).runs.push({ round, position: index + 1, ...done });
        log(`  ${id.padEnd(17)} ${done.seconds.toFixed(2)} s`);
      } catch (error) {
        restoreMethod(id).error = errorMessage(error);
        log(`[bench] ${id} FAILED: ${restoreMethod(id).error}`);
      }
    }
  }
  results.restore.createDatabaseSeconds = summarize(createSeconds);

  const serviceRestore = restoreMethod('service-restore');
  if (serviceRestore.runs.length > 0 && !serviceRestore.error) {
    const targetRows = await totalRows(TARGET_DB);
    results.restore.check = { sourceRows: database.rows, targetRows, ok: targetRows === database.rows };
    log(`[bench] check: ${TARGET_DB} holds ${targetRows.toLocaleString('en-US')} rows, the source ${database.rows.toLocaleString('en-US')}`);
    if (!results.restore.check.ok) serviceRestore.error = `the restored target holds ${targetRows} rows, the source ${database.rows}`;
  }

  // ------------------------------------------------------------------------------ report
  for (const m of [...restoreMethods, ...backupMethods]) m.time = summarize(m.runs.map((r) => r.seconds));
  const serviceMethods = [serviceRestore, backupMethod('service-backup')];
  results.service.ok = Boolean(service) && serviceMethods.every((m) => !m.error && m.runs.length === ROUNDS);
  if (!results.service.ok && !results.service.error) results.service.error = serviceMethods.map((m) => m.error).find(Boolean);
  results.finishedAt = new Date().toISOString();

  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFile(path.join(RESULTS_DIR, 'restore.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(path.join(RESULTS_DIR, 'restore.md'), renderRestoreMarkdown(results));
  log('');
  log(renderRestoreSummary(results));
  log('');
  log(`[bench] wrote ${path.relative(process.cwd(), path.join(RESULTS_DIR, 'restore.md'))} and restore.json`);
  const failed = [...restoreMethods, ...backupMethods].filter((m) => m.error);
  if (failed.length) log(`[bench] FAILED: ${failed.map((m) => `${m.id}: ${m.error!.split('\n')[0]}`).join('; ')}`);
  return failed.length ? 1 : 0;
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  console.error(`[bench] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
} finally {
  await cleanup();
}
process.exit(exitCode);

