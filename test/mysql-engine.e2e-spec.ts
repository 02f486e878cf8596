import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, truncate, copyFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ProcessRunner, type RunOptions, type RunningProcess } from '../src/core/process/process-runner.js';
import type { BackupCatalog } from '../src/engines/backup-catalog.js';
import { type ConnectionTarget, TargetDatabaseError } from '../src/engines/engine.js';
import { MysqlEngine } from '../src/engines/mysql.engine.js';
import { ToolRunner } from '../src/pipeline/tool-runner.js';
import {
  MYSQL_HOST,
  MYSQL_PORT,
  MYSQL_USER,
  createMysqlDatabase,
  dropMysqlDatabase,
  loadChinookMysql,
  mysqlIdentifier,
  mysqlQuery,
  mysqlString,
  mysqlTableFingerprints,
} from './support/mysql.js';
import { mysqlRestorePlan } from './support/mysql-fidelity.js';

const CHINOOK_TABLES = [
  'Album', 'Artist', 'Customer', 'Employee', 'Genre', 'Invoice', 'InvoiceLine',
  'MediaType', 'Playlist', 'PlaylistTrack', 'Track',
];

/** The real runner, recording what it starts so the tests can check the command lines and the option files. */
class RecordingRunner extends ProcessRunner {
  readonly runs: { file: string; args: readonly string[] }[] = [];

  override run(file: string, args: readonly string[], options: RunOptions = {}): RunningProcess {
    this.runs.push({ file, args: [...args] });
    return super.run(file, args, options);
  }
}

/** An engine with the runner of its tools, paired as the data pipeline pairs them. */
type TestedEngine = MysqlEngine & { toolRunner: ToolRunner };

function engineWith(runner: ProcessRunner): TestedEngine {
  return Object.assign(new MysqlEngine(runner), { toolRunner: new ToolRunner(runner) });
}

const suffix = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const owned: string[] = [];
let workDir: string;

function target(database: string, overrides: Partial<ConnectionTarget> = {}): ConnectionTarget {
  return { host: MYSQL_HOST, port: MYSQL_PORT, database, username: MYSQL_USER, password: '', ...overrides };
}

async function newDatabase(name: string): Promise<string> {
  owned.push(name);
  await createMysqlDatabase(name);
  return name;
}

/** The catalog of each dump file, which a restore needs. */
const catalogs = new Map<string, BackupCatalog>();

async function dumpToFile(engine: TestedEngine, source: ConnectionTarget, file: string) {
  const session = await engine.toolRunner.startDump(engine, source, new AbortController().signal);
  await pipeline(session.stdout, createWriteStream(file));
  await session.completed;
  catalogs.set(file, await session.catalog);
  return session;
}

/** Restores straight into `destination.database` (the fresh-database step of a restore, without the switch). */
async function restoreFromFile(engine: TestedEngine, destination: ConnectionTarget, file: string, catalog = catalogs.get(file)!) {
  const plan = { ...mysqlRestorePlan(destination.database, 'x', catalog), target: destination, freshDatabase: destination.database };
  const session = await engine.toolRunner.startRestore(engine, plan, new AbortController().signal);
  await Promise.all([pipeline(createReadStream(file), session.stdin!), session.completed]);
  return session;
}

async function validateFile(engine: MysqlEngine, file: string): Promise<void> {
  await engine.validateArchive(createReadStream(file), new AbortController().signal);
}

async function failure(promise: Promise<unknown>): Promise<TargetDatabaseError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a TargetDatabaseError');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TargetDatabaseError);
  return error as TargetDatabaseError;
}

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), `dbbackup-mysql-e2e-${suffix}-`));
});

afterAll(async () => {
  for (const name of owned) await dropMysqlDatabase(name);
  await rm(workDir, { recursive: true, force: true });
});

describe('MysqlEngine against a real MariaDB, with Chinook', () => {
  const runner = new RecordingRunner();
  const engine = engineWith(runner);
  let source: string;
  let dumpFile: string;
  let sourceFingerprints: Awaited<ReturnType<typeof mysqlTableFingerprints>>;

  beforeAll(async () => {
    source = await newDatabase(`chinook_src_${suffix}`);
    await loadChinookMysql(source);
    // Objects beyond tables, to check --routines, --triggers, --events and views come along.
    await mysqlQuery(
      source,
      `CREATE VIEW TopTracks AS SELECT TrackId, Name FROM Track WHERE Milliseconds > 600000;
       CREATE FUNCTION TrackCount() RETURNS INT READS SQL DATA RETURN (SELECT COUNT(*) FROM Track);
       CREATE PROCEDURE ArtistCount() SELECT COUNT(*) FROM Artist;
       CREATE TRIGGER GenreName BEFORE INSERT ON Genre FOR EACH ROW SET NEW.Name = TRIM(NEW.Name);
       CREATE EVENT Nightly ON SCHEDULE EVERY 1 DAY DISABLE DO DELETE FROM Playlist WHERE 1 = 0;`,
    );
    sourceFingerprints = await mysqlTableFingerprints(source);
    dumpFile = path.join(workDir, 'chinook.sql');
  });

  it('reports the server version', async () => {
    const info = await engine.serverInfo(target(source));
    expect(info.version).toMatch(/^\d+\.\d+\.\d+(-MariaDB)?$/);
    expect(info.major).toBeGreaterThanOrEqual(5);
    const [[raw]] = (await mysqlQuery(null, 'SELECT VERSION();')) as [[string]];
    expect(raw.startsWith(info.version)).toBe(true);
  });

  it('the source has every Chinook table with rows', () => {
    expect(Object.keys(sourceFingerprints).sort()).toEqual([...CHINOOK_TABLES].sort());
    expect(sourceFingerprints.Track!.rows).toBe(3503);
    expect(sourceFingerprints.InvoiceLine!.rows).toBe(2240);
    for (const table of CHINOOK_TABLES) expect(sourceFingerprints[table]!.md5).toMatch(/^[0-9a-f]{32}$/);
  });

  it('dumps to a file: a SQL dump without CREATE DATABASE or USE', async () => {
    runner.runs.length = 0;
    const session = await dumpToFile(engine, target(source), dumpFile);
    expect(engine.dumpExtension).toBe('sql');
    expect(session.serverVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(session.toolVersion).toMatch(/^(mariadb-dump|mysqldump) \d+\.\d+\.\d+/);

    const text = await readFile(dumpFile, 'utf8');
    expect(text).toMatch(/^-- (MariaDB|MySQL) dump /m);
    expect(text.trimEnd().endsWith('-- Dump completed')).toBe(true);
    expect(text).not.toMatch(/^\s*(CREATE DATABASE|USE)\b/im);
    expect(text).toContain('CREATE TABLE `Track`');
    expect(text).toMatch(/TRIGGER `?GenreName`?/);
    expect(text).toContain('PROCEDURE `ArtistCount`');
    expect(text).toContain('EVENT `Nightly`');
  });

  it('starts the tools with the option file first, no credentials in argv, and removes the file afterwards', () => {
    expect(runner.runs.length).toBeGreaterThanOrEqual(2);
    const withOptionFile = runner.runs.filter(({ args }) => args[0]?.startsWith('--defaults-extra-file='));
    expect(withOptionFile.map(({ file }) => path.basename(file))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^(mariadb|mysql)$/), expect.stringMatching(/^(mariadb-dump|mysqldump)$/)]),
    );
    for (const { args } of withOptionFile) {
      const optionFile = args[0]!.slice('--defaults-extra-file='.length);
      expect(existsSync(optionFile)).toBe(false);
      expect(existsSync(path.dirname(optionFile))).toBe(false);
      expect(args.some((arg) => /^(-p|--password|-u|--user)/.test(arg))).toBe(false);
      expect(args.slice(-2)).toEqual(['--', source]);
    }
    const dump = withOptionFile.find(({ file }) => /dump$/.test(file))!;
    expect(dump.args).not.toContain('--databases');
  });

  it('validateArchive accepts the dump', async () => {
    await expect(validateFile(engine, dumpFile)).resolves.toBeUndefined();
  });

  it('validateArchive rejects a truncated copy', async () => {
    const { size } = await stat(dumpFile);
    const half = path.join(workDir, 'half.sql');
    await copyFile(dumpFile, half);
    await truncate(half, Math.floor(size / 2));
    await expect(validateFile(engine, half)).rejects.toThrow(/incomplete/);

    const withoutTrailer = path.join(workDir, 'no-trailer.sql');
    const text = await readFile(dumpFile, 'utf8');
    await writeFile(withoutTrailer, text.slice(0, text.lastIndexOf('-- Dump completed')));
    await expect(validateFile(engine, withoutTrailer)).rejects.toThrow(/incomplete/);
  });

  it('restores into a fresh database with identical data and objects', async () => {
    const restored = await newDatabase(`chinook_dst_${suffix}`);
    const session = await restoreFromFile(engine, target(restored), dumpFile);
    expect(session.toolVersion).toMatch(/^(mariadb|mysql) \d+\.\d+\.\d+/);
    expect(await mysqlTableFingerprints(restored)).toEqual(sourceFingerprints);

    const objects = await mysqlQuery(
      restored,
      `SELECT CONCAT('routine:', ROUTINE_NAME) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()
       UNION ALL SELECT CONCAT('trigger:', TRIGGER_NAME) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()
       UNION ALL SELECT CONCAT('event:', EVENT_NAME) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()
       UNION ALL SELECT CONCAT('view:', TABLE_NAME) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE();`,
    );
    expect(objects.map(([name]) => name).sort()).toEqual(
      ['event:Nightly', 'routine:ArtistCount', 'routine:TrackCount', 'trigger:GenreName', 'view:TopTracks'].sort(),
    );
    expect(await mysqlQuery(restored, 'SELECT TrackCount();')).toEqual([['3503']]);
  });

  it('restoring again over the restored database replaces its objects', async () => {
    const restored = `chinook_dst_${suffix}`;
    await mysqlQuery(restored, "DELETE FROM InvoiceLine WHERE InvoiceLineId < 10; UPDATE Artist SET Name = 'changed' WHERE ArtistId = 1;");
    expect(await mysqlTableFingerprints(restored)).not.toEqual(sourceFingerprints);
    await restoreFromFile(engine, target(restored), dumpFile);
    expect(await mysqlTableFingerprints(restored)).toEqual(sourceFingerprints);
  });

  it('the fingerprints notice a single changed value', async () => {
    const restored = `chinook_dst_${suffix}`;
    await mysqlQuery(restored, 'UPDATE Invoice SET Total = Total + 0.01 WHERE InvoiceId = 412;');
    const changed = await mysqlTableFingerprints(restored);
    expect(changed.Invoice!.rows).toBe(sourceFingerprints.Invoice!.rows);
    expect(changed.Invoice!.md5).not.toBe(sourceFingerprints.Invoice!.md5);
    expect({ ...changed, Invoice: undefined }).toEqual({ ...sourceFingerprints, Invoice: undefined });
  });
});

describe('MysqlEngine with names that need quoting', () => {
  const engine = engineWith(new ProcessRunner());
  const table = `Tåble "Quoted" 'x' Mixed`;

  it('round-trips a database with spaces, quotes, capitals and non-ASCII characters', async () => {
    const source = await newDatabase(`Chïnook "Quoted" 'db' Mixed ${suffix}`);
    await mysqlQuery(
      source,
      `CREATE TABLE ${mysqlIdentifier(table)} (
         id INT PRIMARY KEY, label VARCHAR(100) CHARACTER SET utf8mb4, data BLOB, note TEXT NULL
       );
       INSERT INTO ${mysqlIdentifier(table)} VALUES
         (1, ${mysqlString('Ünïcode 😀 "dq" \'sq\' \\ back`tick')}, X'00FF27225C0A0D1A', NULL),
         (2, 'NULL', '', 'tab\there\nnewline'),
         (3, '-- Dump completed', X'2D2D', ${mysqlString("'); DROP TABLE x; --")});`,
    );
    const restored = await newDatabase(`-Rëstored "db" 'x' ${suffix}`);
    const file = path.join(workDir, 'quoted.sql');

    await dumpToFile(engine, target(source), file);
    await validateFile(engine, file);
    expect(await readFile(file, 'utf8')).not.toMatch(/^\s*(CREATE DATABASE|USE)\b/im);
    await restoreFromFile(engine, target(restored), file);

    const fingerprints = await mysqlTableFingerprints(restored);
    expect(Object.keys(fingerprints)).toEqual([table]);
    expect(fingerprints[table]!.rows).toBe(3);
    expect(fingerprints).toEqual(await mysqlTableFingerprints(source));
  });

  it('takes a database name starting with "-" literally, for dump and restore', async () => {
    const source = await newDatabase(`--all-databases ${suffix}`);
    await mysqlQuery(source, 'CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1), (2);');
    const restored = await newDatabase(`-x ${suffix}`);
    const file = path.join(workDir, 'dash.sql');

    expect((await engine.serverInfo(target(source))).major).toBeGreaterThanOrEqual(5);
    await dumpToFile(engine, target(source), file);
    const text = await readFile(file, 'utf8');
    expect(text).toContain('CREATE TABLE `t`');
    expect(text).not.toContain('Database: mysql');
    expect(text.match(/CREATE TABLE/g)).toHaveLength(1);
    await restoreFromFile(engine, target(restored), file);
    expect(await mysqlQuery(restored, 'SELECT id FROM t ORDER BY id;')).toEqual([['1'], ['2']]);
  });
});

describe('MysqlEngine failures', () => {
  const engine = engineWith(new ProcessRunner());
  const user = `dbbackup_e2e_${suffix}`;
  // Every character the option-file reader treats specially: quotes, \\, \", \s, \n (as text), # and ;.
  const password = `Rïght "pa55" \\\\word\\s\\"\\n# ;'x' ${suffix}\\`;
  let database: string;

  beforeAll(async () => {
    database = await newDatabase(`failures_${suffix}`);
    await mysqlQuery(
      null,
      `CREATE USER ${mysqlString(user)}@'%' IDENTIFIED BY ${mysqlString(password)};
       GRANT ALL PRIVILEGES ON ${mysqlIdentifier(database)}.* TO ${mysqlString(user)}@'%';`,
    );
  });

  afterAll(async () => {
    await mysqlQuery(null, `DROP USER IF EXISTS ${mysqlString(user)}@'%';`);
  });

  it('connects with a password full of quotes, backslashes and comment characters', async () => {
    const info = await engine.serverInfo(target(database, { username: user, password }));
    expect(info.major).toBeGreaterThanOrEqual(5);
    await mysqlQuery(database, 'CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (7);');
    const file = path.join(workDir, 'user.sql');
    await dumpToFile(engine, target(database, { username: user, password }), file);
    await validateFile(engine, file);
  });

  it('a wrong password is a permanent TargetDatabaseError that does not show the password', async () => {
    const wrong = `Wrong-pa55-${suffix}`;
    const error = await failure(engine.serverInfo(target(database, { username: user, password: wrong })));
    expect(error.transient).toBe(false);
    expect(error.message).toMatch(/^Cannot connect to MySQL: .*Access denied/);
    expect(error.message).not.toContain(wrong);

    const dumpError = await failure(engine.toolRunner.startDump(engine, target(database, { username: user, password: wrong }), new AbortController().signal));
    expect(dumpError.transient).toBe(false);
  });

  it('a missing database is a permanent TargetDatabaseError', async () => {
    const error = await failure(engine.serverInfo(target(`missing_${suffix}`)));
    expect(error.transient).toBe(false);
    expect(error.message).toMatch(/Unknown database/);
  });

  it('an unreachable port is a transient TargetDatabaseError', async () => {
    const error = await failure(engine.serverInfo(target(database, { port: 1 })));
    expect(error.transient).toBe(true);
    expect(error.message).toMatch(/^Cannot connect to MySQL: /);
  });

  it('"localhost" connects over TCP to the given port, never through a local socket', async () => {
    const error = await failure(engine.serverInfo(target(database, { host: 'localhost', port: 1 })));
    expect(error.transient).toBe(true);
  });

  it('a failing restore rejects with the client error', async () => {
    const session = await engine.toolRunner.startRestore(engine, 
      { ...mysqlRestorePlan(database, 'x', catalogs.get(path.join(workDir, 'user.sql'))!), freshDatabase: database },
      new AbortController().signal,
    );
    await Promise.all([
      pipeline(Readable.from([Buffer.from('CREATE TABLE ok (id INT);\nTHIS IS NOT SQL;\n')]), session.stdin!),
      expect(session.completed).rejects.toThrow(/ERROR 1064/),
    ]);
  });

  it('the restore refuses client commands that reach the shell or files (--binary-mode, --sandbox)', async () => {
    const marker = path.join(workDir, `pwned-${suffix}`);
    const session = await engine.toolRunner.startRestore(engine, 
      { ...mysqlRestorePlan(database, 'x', catalogs.get(path.join(workDir, 'user.sql'))!), freshDatabase: database },
      new AbortController().signal,
    );
    await Promise.all([
      pipeline(Readable.from([Buffer.from(`SELECT 1;\n\\! touch ${marker}\nsystem touch ${marker}\nSELECT 2;\n`)]), session.stdin!),
      expect(session.completed).rejects.toBeInstanceOf(TargetDatabaseError),
    ]);
    expect(existsSync(marker)).toBe(false);
  });

  it('an aborted dump rejects', async () => {
    const controller = new AbortController();
    const session = await engine.toolRunner.startDump(engine, target(`chinook_src_${suffix}`), controller.signal);
    controller.abort();
    session.stdout.resume();
    const error = await failure(session.completed);
    expect(error.message).toMatch(/SIGTERM|SIGKILL/);
  });
});
