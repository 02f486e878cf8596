import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ProcessRunner } from '../src/core/process/process-runner.js';
import { type BackupCatalog, compareManifests } from '../src/engines/backup-catalog.js';
import { type RestorePlan, RestorePreflightError, RestoreSwitchError, TargetDatabaseError } from '../src/engines/engine.js';
import type { MysqlCatalogDetails } from '../src/engines/mysql-catalog.js';
import { openMysqlConnection } from '../src/engines/mysql-connection.js';
import { switchDatabases } from '../src/engines/mysql-switch.js';
import { MysqlEngine } from '../src/engines/mysql.engine.js';
import { ToolRunner } from '../src/pipeline/tool-runner.js';
import { dropMysqlDatabase, mysqlIdentifier } from './support/mysql.js';
import {
  FIDELITY_BLOB_BYTES,
  dropMysqlFidelityAccounts,
  loadMysqlFidelityFixture,
  mysqlAllFingerprints,
  mysqlDatabaseProperties,
  mysqlFidelityDefiner,
  mysqlRestorePlan,
  mysqlRootConnection,
  mysqlSchemaDump,
  mysqlTarget,
  withRoot,
} from './support/mysql-fidelity.js';

const suffix = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const source = `fidelity_src_${suffix}`;
const runner = new ProcessRunner();
const engine = new MysqlEngine(runner);
const tools = new ToolRunner(runner);
const owned: string[] = [source];
let workDir: string;
let dumpFile: string;
let catalog: BackupCatalog;
let original: { schema: Record<string, string>; data: Record<string, string>; properties: unknown };

function plan(database: string, id: string, options: Partial<RestorePlan['options']> = {}, withCatalog = catalog): RestorePlan {
  const made = mysqlRestorePlan(database, `${id}_${suffix}`, withCatalog, options);
  owned.push(database, made.freshDatabase, made.asideDatabase);
  return made;
}

async function snapshotOf(database: string) {
  return {
    schema: await mysqlSchemaDump(database),
    data: await mysqlAllFingerprints(database),
    properties: await mysqlDatabaseProperties(database),
  };
}

async function exists(database: string): Promise<boolean> {
  return (await mysqlDatabaseProperties(database)) !== null;
}

/** Steps 1–4 of the lead's restore: preflight, fresh database, restore, measure (must match the manifest). */
async function restoreIntoFresh(restorePlan: RestorePlan, file = dumpFile): Promise<void> {
  await engine.preflight(restorePlan);
  await engine.dropServiceDatabase(restorePlan.target, restorePlan.freshDatabase);
  await engine.createFreshDatabase(restorePlan);
  const session = await tools.startRestore(engine, restorePlan, new AbortController().signal);
  await Promise.all([pipeline(createReadStream(file), session.stdin!), session.completed]);
  const comparison = compareManifests(restorePlan.catalog.manifest, await engine.measure(restorePlan));
  expect(comparison.differences).toEqual([]);
  expect(comparison.status).toBe('passed');
}

async function query(sql: string, values: unknown[] = []): Promise<unknown[]> {
  return withRoot((connection) => connection.query(sql, values) as Promise<unknown[]>);
}

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), `dbbackup-mysql-restore-${suffix}-`));
  await loadMysqlFidelityFixture(source, suffix);
  original = await snapshotOf(source);
  dumpFile = path.join(workDir, 'fidelity.sql');
  const session = await tools.startDump(engine, mysqlTarget(source), new AbortController().signal);
  await pipeline(session.stdout, createWriteStream(dumpFile));
  await session.completed;
  catalog = await session.catalog;
}, 120_000);

afterAll(async () => {
  for (const name of new Set(owned)) await dropMysqlDatabase(name);
  await dropMysqlFidelityAccounts(suffix);
  await rm(workDir, { recursive: true, force: true });
});

describe('the backup catalog of a MariaDB database', () => {
  it('records the database properties, the definers, the largest row and the source name', async () => {
    const [{ account }] = (await query("SELECT CURRENT_USER() AS account")) as { account: string }[];
    const at = account.lastIndexOf('@');
    const root = { user: account.slice(0, at), host: account.slice(at + 1) };
    const details = catalog.details as MysqlCatalogDetails;
    expect(details.sourceDatabase).toBe(source);
    expect(details.database).toEqual({ charset: 'latin1', collation: 'latin1_swedish_ci', comment: "Fidelity fixture: ünïcode 'quoted'" });
    const expectedDefiners = [root, mysqlFidelityDefiner(suffix)].sort((a, b) => (`${a.user}@${a.host}` < `${b.user}@${b.host}` ? -1 : 1));
    expect(details.definers).toEqual(expectedDefiners);
    expect(details.largestRow).toEqual({ table: 'files', bytes: FIDELITY_BLOB_BYTES });
    expect(catalog.format).toBe(1);
    expect(catalog.engine).toBe('mysql');
  });

  it('counts rows (with history), objects and sequences in the dump snapshot', () => {
    expect(catalog.manifest).toEqual({
      tables: { files: 3, measures: 2, order_notes: 2, orders: 3, prices: 2, 'prices (history)': 7 },
      objects: { table: 5, view: 2, sequence: 1, procedure: 1, function: 1, trigger: 1, event: 1, index: 6 },
      sequences: { order_seq: '5100' },
      consistency: 'snapshot',
    });
  });

  it('warns about the FLOAT column and the ENUM whose emoji member MariaDB already stores as ?', () => {
    expect(catalog.warnings).toEqual([
      'Column measures.reading is FLOAT: mariadb-dump writes 6 significant digits, so values may change; use DOUBLE or DECIMAL',
      "Column measures.mood is ENUM with a member containing '?': MariaDB stores characters outside " +
        "the Basic Multilingual Plane (such as emoji) as '?' in the definition, so those members were already lost on the " +
        'source and are restored as they read now',
    ]);
  });

  it('the dump holds the history and no LOCK TABLES, CREATE DATABASE or USE', async () => {
    const text = await readFile(dumpFile, 'utf8');
    expect(text).toContain('INSERT INTO `prices` (`id`, `price`, row_start, row_end) VALUES');
    expect(text).not.toMatch(/^\s*(CREATE DATABASE|USE|LOCK TABLES)\b/im);
  });

  it('says "approximate" when the account may not block writes (no RELOAD privilege)', async () => {
    const user = `dbb_noreload_${suffix}`;
    await query(`CREATE USER ?@'%' IDENTIFIED BY 'pw-${suffix}'`, [user]);
    try {
      await query(`GRANT SELECT, SHOW VIEW, TRIGGER, EVENT, LOCK TABLES ON ${mysqlIdentifier(source)}.* TO ?@'%'`, [user]);
      // Without it, MariaDB 10.11 hides other accounts' routines from both mariadb-dump and information_schema.
      await query("GRANT SELECT ON mysql.proc TO ?@'%'", [user]);
      const session = await tools.startDump(engine, { ...mysqlTarget(source), username: user, password: `pw-${suffix}` }, new AbortController().signal);
      session.stdout.resume();
      await session.completed;
      const limited = await session.catalog;
      expect(limited.manifest.consistency).toMatch(/^approximate: FLUSH TABLES WITH READ LOCK was refused \(.*RELOAD.*\); counted in a snapshot/);
      expect({ ...limited.manifest, consistency: '' }).toEqual({ ...catalog.manifest, consistency: '' });
    } finally {
      await query("DROP USER IF EXISTS ?@'%'", [user]);
    }
  });

  it('an aborted dump rejects its catalog too', async () => {
    const controller = new AbortController();
    const session = await tools.startDump(engine, mysqlTarget(source), controller.signal);
    controller.abort();
    session.stdout.resume();
    await expect(session.completed).rejects.toBeInstanceOf(TargetDatabaseError);
    await expect(session.catalog).rejects.toBeInstanceOf(TargetDatabaseError);
  });
});

describe('restoring into a new database name', () => {
  const database = `fidelity_new_${suffix}`;

  it('switches in a copy identical to the source: definitions, history, properties, sequences', async () => {
    const restorePlan = plan(database, 'new');
    await restoreIntoFresh(restorePlan);
    expect(await engine.switchIn(restorePlan)).toEqual({ setAside: false });
    expect(await snapshotOf(database)).toEqual(original);
    expect(await exists(restorePlan.freshDatabase)).toBe(false);
    expect(await exists(restorePlan.asideDatabase)).toBe(false);
  });

  it('its NEXTVAL default uses its own sequence, not the source database one', async () => {
    await query(`INSERT INTO ${mysqlIdentifier(database)}.orders (label, amount) VALUES ('new', 1)`);
    expect(await query(`SELECT id, label FROM ${mysqlIdentifier(database)}.orders WHERE label = 'new'`)).toEqual([{ id: 5100, label: 'new' }]);
    expect(await mysqlAllFingerprints(source)).toEqual(original.data);
  });
});

describe('restoring in place over the source', () => {
  let restorePlan: RestorePlan;
  let before: Awaited<ReturnType<typeof snapshotOf>>;
  const aux = `fidelity_aux_${suffix}`;

  beforeAll(async () => {
    owned.push(aux);
    restorePlan = plan(source, 'inplace');
    // Changes after the backup, which the restore must undo; the aside copy must keep them.
    await withRoot(async (connection) => {
      await connection.query(`USE ${mysqlIdentifier(source)}`);
      await connection.query('CREATE TABLE leftover (id INT PRIMARY KEY)');
      await connection.query('INSERT INTO leftover VALUES (1)');
      await connection.query('CREATE VIEW leftover_view AS SELECT id FROM leftover');
      await connection.query('CREATE PROCEDURE leftover_proc() SELECT 1');
      await connection.query('CREATE TRIGGER leftover_trigger BEFORE INSERT ON leftover FOR EACH ROW SET NEW.id = NEW.id + 1');
      await connection.query('DELETE FROM order_notes');
      await connection.query("UPDATE prices SET price = 99 WHERE id = 3");
      await connection.query(`ALTER DATABASE ${mysqlIdentifier(source)} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin COMMENT 'changed'`);
    });
    before = await snapshotOf(source);
  });

  it('a restore that fails midway leaves the target exactly as it was', async () => {
    const text = await readFile(dumpFile);
    const broken = path.join(workDir, 'broken.sql');
    const cut = text.indexOf('\n', Math.floor(text.length / 2));
    await writeFile(broken, Buffer.concat([text.subarray(0, cut + 1), Buffer.from('THIS IS NOT SQL;\n')]));
    await engine.preflight(restorePlan);
    await engine.createFreshDatabase(restorePlan);
    const session = await tools.startRestore(engine, restorePlan, new AbortController().signal);
    await Promise.all([pipeline(createReadStream(broken), session.stdin!), expect(session.completed).rejects.toThrow(/ERROR 1064/)]);
    await engine.dropServiceDatabase(restorePlan.target, restorePlan.freshDatabase);
    expect(await exists(restorePlan.freshDatabase)).toBe(false);
    expect(await snapshotOf(source)).toEqual(before);
  });

  it('refuses a switch that could not re-create a view, before changing anything', async () => {
    await restoreIntoFresh(restorePlan);
    await query(`CREATE DATABASE ${mysqlIdentifier(aux)}`);
    await query(`CREATE TABLE ${mysqlIdentifier(aux)}.t (id INT)`);
    await query(`CREATE VIEW ${mysqlIdentifier(restorePlan.freshDatabase)}.zz_broken AS SELECT id FROM ${mysqlIdentifier(aux)}.t`);
    await query(`DROP TABLE ${mysqlIdentifier(aux)}.t`);
    const fresh = await snapshotOf(restorePlan.freshDatabase);

    const error = await engine.switchIn(restorePlan).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RestoreSwitchError);
    expect((error as Error).message).toBe(
      `Views that cannot be re-created: ${restorePlan.freshDatabase}.zz_broken: Table '${aux}.t' doesn't exist; View ` +
        `'${restorePlan.freshDatabase}.zz_broken' references invalid table(s) or column(s) or function(s) or definer/invoker ` +
        'of view lack rights to use them; fix or drop them; nothing was changed',
    );
    expect(await snapshotOf(source)).toEqual(before);
    expect(await snapshotOf(restorePlan.freshDatabase)).toEqual(fresh);
    expect(await exists(restorePlan.asideDatabase)).toBe(false);
    await query(`DROP VIEW ${mysqlIdentifier(restorePlan.freshDatabase)}.zz_broken`);
  });

  it('refuses to switch while another session uses the target, naming how many', async () => {
    const other = await mysqlRootConnection();
    // Killed by the switch: the driver reports the closed socket as an event too.
    other.on('error', () => undefined);
    try {
      await other.query(`USE ${mysqlIdentifier(source)}`);
      await expect(engine.switchIn(restorePlan)).rejects.toThrow(
        new RestoreSwitchError(`1 other session(s) are using the database ${source}; close them or pass "terminateConnections": true`),
      );
      expect(await snapshotOf(source)).toEqual(before);

      expect(await engine.switchIn({ ...restorePlan, options: { ...restorePlan.options, terminateConnections: true } })).toEqual({
        setAside: true,
      });
      await expect(other.query('SELECT 1')).rejects.toThrow();
    } finally {
      other.destroy();
    }
  });

  it('the target now equals the backup; leftovers are gone from it and kept in the aside copy', async () => {
    expect(await snapshotOf(source)).toEqual(original);
    expect(await snapshotOf(restorePlan.asideDatabase)).toEqual(before);
    expect(Object.keys(await mysqlSchemaDump(source))).not.toContain('table leftover');
    expect(await exists(restorePlan.freshDatabase)).toBe(false);
  });

  it('drops the aside copy, and refuses to drop a database it did not make', async () => {
    await engine.dropServiceDatabase(restorePlan.target, restorePlan.asideDatabase);
    expect(await exists(restorePlan.asideDatabase)).toBe(false);
    await expect(engine.dropServiceDatabase(restorePlan.target, source)).rejects.toThrow(/not a dbbackup_restore_\/dbbackup_aside_ database/);
    expect(await exists(source)).toBe(true);
  });
});

describe('a switch that fails midway is undone', () => {
  const database = `fidelity_undo_${suffix}`;

  it.each(['objects-dropped', 'renamed', 'objects-created'] as const)('after step %s: target and fresh database as they were, no aside', async (step) => {
    const restorePlan = plan(database, `undo_${step.replace('-', '_')}`);
    if (!(await exists(database))) {
      // A target of its own with other content: the restored copy of the source plus a table of its own.
      const seed = plan(database, 'undo_seed');
      await restoreIntoFresh(seed);
      await engine.switchIn(seed);
      await query(`CREATE TABLE ${mysqlIdentifier(database)}.own (id INT PRIMARY KEY)`);
      await query(`CREATE VIEW ${mysqlIdentifier(database)}.own_view AS SELECT id FROM ${mysqlIdentifier(database)}.own`);
    }
    await restoreIntoFresh(restorePlan);
    const target = await snapshotOf(database);
    const fresh = await snapshotOf(restorePlan.freshDatabase);
    const connection = await openMysqlConnection(restorePlan.target);
    try {
      const failure = switchDatabases(connection, restorePlan, (catalog.details as MysqlCatalogDetails).database, async (reached) => {
        if (reached === step) throw new Error(`injected failure at ${step}`);
      });
      await expect(failure).rejects.toThrow(
        new RestoreSwitchError(`Cannot switch ${restorePlan.freshDatabase} in as ${database}: injected failure at ${step}; nothing was changed`),
      );
    } finally {
      await connection.end();
    }
    expect(await snapshotOf(database)).toEqual(target);
    expect(await snapshotOf(restorePlan.freshDatabase)).toEqual(fresh);
    expect(await exists(restorePlan.asideDatabase)).toBe(false);
    await engine.dropServiceDatabase(restorePlan.target, restorePlan.freshDatabase);
  });
});

describe('definers and packet size', () => {
  it('a missing definer account fails the preflight, naming it', async () => {
    await dropMysqlFidelityAccounts(suffix);
    const restorePlan = plan(`fidelity_def_${suffix}`, 'def');
    await expect(engine.preflight(restorePlan)).rejects.toThrow(
      new RestorePreflightError(
        `The target server lacks accounts this backup's definers need: 'dbb_definer_${suffix}'@'%'; ` +
          'create them or pass "rewriteMissingDefiners": true',
      ),
    );
    expect(await exists(restorePlan.freshDatabase)).toBe(false);
  });

  it('rewriteMissingDefiners restores the view with the restoring account as definer, the rest unchanged', async () => {
    const database = `fidelity_rewritten_${suffix}`;
    const restorePlan = plan(database, 'rewrite', { rewriteMissingDefiners: true });
    await restoreIntoFresh(restorePlan);
    await engine.switchIn(restorePlan);
    const [{ account }] = (await query('SELECT CURRENT_USER() AS account')) as { account: string }[];
    const at = account.lastIndexOf('@');
    const definer = `\`${account.slice(0, at)}\`@\`${account.slice(at + 1)}\``;
    const schema = await mysqlSchemaDump(database);
    expect(schema['view order_labels']).toBe(
      original.schema['view order_labels']!.replace(`DEFINER=\`dbb_definer_${suffix}\`@\`%\``, `DEFINER=${definer}`),
    );
    expect(schema['view order_labels']).not.toBe(original.schema['view order_labels']);
    expect({ ...schema, 'view order_labels': '' }).toEqual({ ...original.schema, 'view order_labels': '' });
    expect(await mysqlAllFingerprints(database)).toEqual(original.data);
    expect(await query(`SELECT COUNT(*) AS n FROM ${mysqlIdentifier(database)}.big_orders`)).toEqual([{ n: 2n }]);
  });

  it('fails the preflight when the largest row, hex-doubled, exceeds the target max_allowed_packet', async () => {
    const [{ packet }] = (await query('SELECT @@global.max_allowed_packet AS packet')) as { packet: bigint }[];
    const MB = 1024 * 1024;
    const serverMb = Number(packet) / MB;
    const details = { ...(catalog.details as MysqlCatalogDetails), largestRow: { table: 'files', bytes: Number(packet) } };
    const restorePlan = plan(`fidelity_packet_${suffix}`, 'packet', { rewriteMissingDefiners: true }, { ...catalog, details });
    const shown = (mb: number) => `${mb >= 10 ? Math.round(mb) : Math.round(mb * 10) / 10} MB`;
    await expect(engine.preflight(restorePlan)).rejects.toThrow(
      new RestorePreflightError(
        `A row of table files holds ${shown(serverMb)} (${shown(serverMb * 2)} as dumped); the target server's ` +
          `max_allowed_packet is ${shown(serverMb)}: raise it to at least ${Math.ceil(serverMb * 2 + 1)}M`,
      ),
    );
  });

  it('the restore check notices a row missing from the fresh database', async () => {
    const restorePlan = plan(`fidelity_check_${suffix}`, 'check', { rewriteMissingDefiners: true });
    await restoreIntoFresh(restorePlan);
    await query(`DELETE FROM ${mysqlIdentifier(restorePlan.freshDatabase)}.order_notes WHERE order_id = 100`);
    expect(compareManifests(catalog.manifest, await engine.measure(restorePlan)).differences).toEqual([
      { kind: 'rows', name: 'order_notes', expected: 2, actual: 1 },
    ]);
  });
});
