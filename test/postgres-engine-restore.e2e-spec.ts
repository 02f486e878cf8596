import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat, truncate, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { AppConfig } from '../src/core/config/app-config.js';
import { ProcessRunner } from '../src/core/process/process-runner.js';
import { type BackupCatalog, compareManifests } from '../src/engines/backup-catalog.js';
import {
  type ConnectionTarget,
  DEFAULT_RESTORE_OPTIONS,
  type RestoreOptions,
  type RestorePlan,
  RestorePreflightError,
  RestoreSwitchError,
} from '../src/engines/engine.js';
import type { PgRoleDetails, PostgresCatalogDetails } from '../src/engines/pg-catalog-details.js';
import { PgTools } from '../src/engines/pg-tools.js';
import { PostgresEngine } from '../src/engines/postgres.engine.js';
import { ToolRunner } from '../src/pipeline/tool-runner.js';
import {
  type PgFidelityRoles,
  dropPgFidelityRoles,
  loadPgFidelityFixture,
  pgAllTableFingerprints,
  pgDatabaseProperties,
  pgSchemaDump,
} from './support/pg-fidelity.js';
import { connect, createDatabase, dropDatabase, withClient } from './support/postgres.js';

const HOST = process.env.TEST_PG_HOST ?? '127.0.0.1';
const PORT = Number(process.env.TEST_PG_PORT ?? 5432);
const USER = process.env.TEST_PG_USER ?? 'postgres';

const suffix = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const ownedDatabases: string[] = [];
const ownedRoles: string[] = [];
let workDir: string;
let restoreCounter = 0;

const runner = new ProcessRunner();
const engine = new PostgresEngine(new PgTools({ pgBinDirs: undefined } as unknown as AppConfig, runner));
const tools = new ToolRunner(runner);

function target(database: string, overrides: Partial<ConnectionTarget> = {}): ConnectionTarget {
  return { host: HOST, port: PORT, database, username: USER, password: '', ...overrides };
}

function database(name: string): string {
  ownedDatabases.push(name);
  return name;
}

function planFor(targetDatabase: string, catalog: BackupCatalog, options: Partial<RestoreOptions> = {}): RestorePlan {
  const restoreId = `${suffix}_${++restoreCounter}`;
  return {
    target: target(targetDatabase),
    freshDatabase: database(`dbbackup_restore_${restoreId}_1`),
    asideDatabase: database(`dbbackup_aside_${restoreId}`),
    catalog,
    options: { ...DEFAULT_RESTORE_OPTIONS, ...options },
  };
}

async function dumpToFile(source: string, file: string): Promise<BackupCatalog> {
  const session = await tools.startDump(engine, target(source), new AbortController().signal);
  await pipeline(session.stdout, createWriteStream(file));
  await session.completed;
  return session.catalog;
}

/** Steps 1 to 4 of a restore, as the orchestration runs them: everything up to the switch. */
async function restoreFresh(plan: RestorePlan, file: string): Promise<void> {
  await engine.preflight(plan);
  await engine.dropServiceDatabase(plan.target, plan.freshDatabase);
  await engine.createFreshDatabase(plan);
  const session = await tools.startRestore(engine, plan, new AbortController().signal);
  await Promise.all([pipeline(createReadStream(file), session.stdin!), session.completed]);
  const comparison = compareManifests(plan.catalog.manifest, await engine.measure(plan));
  expect(comparison.differences).toEqual([]);
  expect(comparison.status).toBe('passed');
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Sessions of the service (pg_dump, the catalog's transaction) waiting for a lock on `database`. */
async function waitingBackupSessions(name: string): Promise<number> {
  const { rows } = await withClient('postgres', (client) =>
    client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE datname = $1 AND application_name LIKE 'db-backup-service%' AND wait_event_type = 'Lock'`,
      [name],
    ),
  );
  return rows[0]!.n;
}

async function databaseExists(name: string): Promise<boolean> {
  const { rowCount } = await withClient('postgres', (c) => c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]));
  return rowCount === 1;
}

interface DatabaseState {
  schema: string;
  properties: Awaited<ReturnType<typeof pgDatabaseProperties>>;
  data: Record<string, string>;
}

async function stateOf(name: string): Promise<DatabaseState> {
  return { schema: await pgSchemaDump(name), properties: await pgDatabaseProperties(name), data: await pgAllTableFingerprints(name) };
}

function details(catalog: BackupCatalog): PostgresCatalogDetails {
  return catalog.details as PostgresCatalogDetails;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as Error,
  );
}

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), `dbbackup-pg-restore-e2e-${suffix}-`));
});

afterAll(async () => {
  for (const name of ownedDatabases) await dropDatabase(name);
  await withClient('postgres', async (client) => {
    for (const role of ownedRoles) await client.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(role)}`);
  });
  await dropPgFidelityRoles(suffix);
  await rm(workDir, { recursive: true, force: true });
});

describe('PostgresEngine faithful restores, with the fidelity fixture', () => {
  let source: string;
  let roles: PgFidelityRoles;
  let before: DatabaseState;
  let dumpFile: string;
  let catalog: BackupCatalog;

  beforeAll(async () => {
    source = database(`pgfid_src_${suffix}`);
    await createDatabase(source);
    roles = await loadPgFidelityFixture(source, suffix);
    before = await stateOf(source);
    dumpFile = path.join(workDir, 'source.dump');
    catalog = await dumpToFile(source, dumpFile);
  });

  it('the fixture holds what a restore without owners and grants would lose', () => {
    const { schema, properties } = before;
    expect(schema).toContain(`ALTER TABLE app.accounts OWNER TO ${roles.owner};`);
    expect(schema).toContain(`ALTER TABLE public.notes OWNER TO ${roles.reader};`);
    expect(schema).toContain('ALTER TABLE public.superuser_owned OWNER TO postgres;');
    expect(schema).toContain(`GRANT SELECT(id) ON TABLE app.accounts TO ${roles.reader};`);
    expect(schema).toContain(`GRANT SELECT(name),UPDATE(name) ON TABLE app.accounts TO ${roles.reader};`);
    expect(schema).toContain(`REVOKE ALL ON FUNCTIONS  FROM PUBLIC;`);
    expect(schema).toContain('REVOKE ALL ON FUNCTION app.add_funds(p_id integer, amount numeric) FROM PUBLIC;');
    expect(schema).toContain(`GRANT ALL ON FUNCTION app.add_funds(p_id integer, amount numeric) TO ${roles.group};`);
    expect(schema).toContain('REVOKE USAGE ON SCHEMA public FROM PUBLIC;');
    expect(schema).toContain(`ALTER SCHEMA public OWNER TO ${roles.owner};`);
    expect(schema).toContain(`ALTER DEFAULT PRIVILEGES FOR ROLE ${roles.owner} IN SCHEMA app GRANT SELECT ON TABLES  TO ${roles.group};`);
    expect(schema).toMatch(
      new RegExp(`^-- LARGE OBJECT \\d+ OWNER ${roles.owner} ACL \\{${roles.owner}=rw/${roles.owner},${roles.reader}=r/${roles.owner}\\}$`, 'm'),
    );
    expect(schema).toContain('SECURITY DEFINER');
    expect(properties).toEqual({
      encoding: 'UTF8',
      collate: properties.collate,
      ctype: properties.ctype,
      localeProvider: 'c',
      owner: roles.owner,
      comment: `Fidelity fixture ${suffix}: 'quoted'`,
      connectionLimit: -1,
      acl: [
        `${roles.group}:TEMPORARY*/${roles.owner}`,
        `${roles.owner}:CONNECT/${roles.owner}`,
        `${roles.owner}:CREATE/${roles.owner}`,
        `${roles.owner}:TEMPORARY/${roles.owner}`,
        `${roles.reader}:CONNECT/${roles.owner}`,
        `PUBLIC:TEMPORARY/${roles.owner}`,
      ].sort(),
      settings: ['search_path=app, public', 'work_mem=8MB'],
      roleSettings: [`${roles.reader}: work_mem=64MB`],
    });
  });

  it('records a manifest of exactly what the dump holds, taken in its snapshot', () => {
    expect(catalog.format).toBe(1);
    expect(catalog.engine).toBe('postgres');
    expect(catalog.warnings).toEqual([]);
    expect(catalog.manifest).toEqual({
      tables: {
        'app.accounts': 120,
        'app.audit': 2,
        'app.events_2024': 71,
        'app.events_2025': 79,
        'app.events_per_month': 15,
        'public.notes': 2,
        'public.superuser_owned': 3,
      },
      objects: {
        constraint: 8,
        domain: 1,
        extension: 1,
        function: 2,
        index: 10,
        'large object': 1,
        'materialized view': 1,
        'partitioned table': 1,
        policy: 1,
        schema: 2,
        sequence: 4,
        table: 6,
        trigger: 1,
        type: 1,
        view: 1,
      },
      sequences: {
        'app.accounts_id_seq': '120',
        'app.audit_id_seq': '2',
        'app.invoice_no': '5000',
        'app.never_used': '7 (not called)',
      },
      consistency: 'snapshot',
    });
  });

  it('records the database properties and every role the database needs', () => {
    const { database: properties, roles: needed } = details(catalog);
    expect(properties).toEqual({
      name: source,
      encoding: 'UTF8',
      collate: before.properties.collate,
      ctype: before.properties.ctype,
      localeProvider: 'libc',
      locale: null,
      owner: roles.owner,
      comment: `Fidelity fixture ${suffix}: 'quoted'`,
      connectionLimit: -1,
      acl: expect.arrayContaining([
        { grantor: roles.owner, grantee: null, privilege: 'TEMPORARY', grantable: false },
        { grantor: roles.owner, grantee: roles.reader, privilege: 'CONNECT', grantable: false },
        { grantor: roles.owner, grantee: roles.group, privilege: 'TEMPORARY', grantable: true },
      ]),
      settings: ['search_path=app, public', 'work_mem=8MB'],
      roleSettings: [{ role: roles.reader, settings: ['work_mem=64MB'] }],
    });
    expect(properties.acl).toHaveLength(6);
    const byName = Object.fromEntries(needed.map((role) => [role.name, role]));
    expect(Object.keys(byName).sort()).toEqual([roles.group, roles.owner, roles.reader, 'postgres'].sort());
    expect(byName[roles.owner]!.uses).toEqual(['database-owner', 'default-acl', 'owner']);
    expect(byName[roles.group]!.uses).toEqual(['acl', 'default-acl']);
    expect(byName[roles.reader]).toEqual({
      name: roles.reader,
      uses: ['acl', 'owner', 'policy', 'setting'],
      superuser: false,
      inherit: true,
      createRole: false,
      createDb: false,
      canLogin: true,
      replication: false,
      bypassRls: false,
      connectionLimit: 5,
      validUntil: '2099-01-01 00:00:00+00',
      settings: ['statement_timeout=5s'],
      memberOf: [{ role: roles.group, admin: false }],
    });
    expect(byName.postgres!.superuser).toBe(true);
    expect(byName.postgres!.uses).toEqual(['owner']);
  });

  it('measures the source the way the backup did', async () => {
    const measured = await engine.measure({ ...planFor(source, catalog), freshDatabase: source });
    expect(compareManifests(catalog.manifest, measured).status).toBe('passed');
  });

  it('restores into a new database: schema with owners and ACLs, data and database properties equal', async () => {
    const copy = database(`pgfid_copy_${suffix}`);
    const plan = planFor(copy, catalog);
    await restoreFresh(plan, dumpFile);
    expect(await engine.switchIn(plan)).toEqual({ setAside: false });
    expect(await databaseExists(plan.freshDatabase)).toBe(false);
    expect(await databaseExists(plan.asideDatabase)).toBe(false);
    const after = await stateOf(copy);
    expect(after.schema).toBe(before.schema);
    expect(after.properties).toEqual(before.properties);
    expect(after.data).toEqual(before.data);
  });

  it('restores in place over the source: leftovers gone, the old content aside, even with a partitioned table', async () => {
    await withClient(source, (client) =>
      client.query(`CREATE TABLE app.leftover (id int); INSERT INTO app.leftover VALUES (1);
        DELETE FROM app.events WHERE id <= 10; INSERT INTO app.accounts (name) VALUES ('late');
        ALTER DATABASE ${pg.escapeIdentifier(source)} SET work_mem = '1MB';`),
    );
    const changed = await stateOf(source);
    const plan = planFor(source, catalog);
    await restoreFresh(plan, dumpFile);

    const session = connect(source);
    session.on('error', () => undefined);
    await session.connect();
    try {
      const refused = await rejection(engine.switchIn(plan));
      expect(refused).toBeInstanceOf(RestoreSwitchError);
      expect(refused.message).toBe(
        `1 session is connected to database "${source}"; close them or pass "terminateConnections": true`,
      );
      expect(await pgAllTableFingerprints(source)).toEqual(changed.data);
      expect(await databaseExists(plan.freshDatabase)).toBe(true);

      const terminating = { ...plan, options: { ...plan.options, terminateConnections: true } };
      expect(await engine.switchIn(terminating)).toEqual({ setAside: true });
    } finally {
      await session.end().catch(() => undefined);
    }

    const after = await stateOf(source);
    expect(after.schema).toBe(before.schema);
    expect(after.schema).not.toContain('leftover');
    expect(after.properties).toEqual(before.properties);
    expect(after.data).toEqual(before.data);
    const aside = await stateOf(plan.asideDatabase);
    expect(aside.data).toEqual(changed.data);
    expect(aside.properties).toEqual(changed.properties);
    expect(aside.schema.split(plan.asideDatabase).join('')).toBe(changed.schema);

    await engine.dropServiceDatabase(plan.target, plan.asideDatabase);
    expect(await databaseExists(plan.asideDatabase)).toBe(false);
  });

  it('with ownership "restoring-user": everything owned by the restoring user, no grants, no database ACL', async () => {
    const copy = database(`pgfid_mine_${suffix}`);
    const plan = planFor(copy, catalog, { ownership: 'restoring-user' });
    await restoreFresh(plan, dumpFile);
    await engine.switchIn(plan);
    const { schema, properties, data } = await stateOf(copy);
    expect(data).toEqual(before.data);
    expect(schema).not.toMatch(/^(GRANT|REVOKE)\b/m);
    expect(schema).not.toMatch(/OWNER TO (?!postgres;)/);
    expect(properties).toEqual({
      ...before.properties,
      owner: 'postgres',
      acl: null,
    });
  });

  it('a failing restore leaves the target as it was and only the fresh database to drop', async () => {
    const broken = path.join(workDir, 'broken.dump');
    await copyFile(dumpFile, broken);
    await truncate(broken, Math.floor((await stat(dumpFile)).size * 0.6));
    const plan = planFor(source, catalog);
    const current = await stateOf(source);
    await engine.preflight(plan);
    await engine.createFreshDatabase(plan);
    const session = await tools.startRestore(engine, plan, new AbortController().signal);
    const [, failed] = await Promise.all([
      pipeline(createReadStream(broken), session.stdin!).catch(() => undefined),
      rejection(session.completed),
    ]);
    expect(failed.message).toMatch(/pg_restore: error/);
    expect(await stateOf(source)).toEqual(current);
    expect(await databaseExists(plan.freshDatabase)).toBe(true);
    await engine.dropServiceDatabase(plan.target, plan.freshDatabase);
    expect(await databaseExists(plan.freshDatabase)).toBe(false);
  });

  it('a switch that fails halfway changes nothing: the target keeps its name and content', async () => {
    const plan = planFor(source, catalog);
    const current = await pgAllTableFingerprints(source);
    // The fresh database was never made: the second rename fails after the first one ran, in the same transaction.
    const error = await rejection(engine.switchIn(plan));
    expect(error).toBeInstanceOf(RestoreSwitchError);
    expect(error.message).toBe(
      `Cannot put database "${plan.freshDatabase}" in the place of "${source}": database "${plan.freshDatabase}" does not exist`,
    );
    expect(await databaseExists(plan.asideDatabase)).toBe(false);
    expect(await pgAllTableFingerprints(source)).toEqual(current);
  });

  it('counts what the dump holds, not rows committed while it runs', async () => {
    const rowsBefore = (await pgAllTableFingerprints(source))['table app.accounts']!.split(' ')[0];
    const locker = connect(source);
    locker.on('error', () => undefined);
    await locker.connect();
    await locker.query('BEGIN; LOCK TABLE app.audit IN ACCESS EXCLUSIVE MODE');
    const file = path.join(workDir, 'during.dump');
    try {
      const session = await tools.startDump(engine, target(source), new AbortController().signal);
      const written = pipeline(session.stdout, createWriteStream(file));
      // pg_dump (in the snapshot) and the catalog's count both wait for app.audit: the snapshot is taken.
      await waitFor(async () => (await waitingBackupSessions(source)) === 2);
      await withClient(source, (client) => client.query("INSERT INTO app.accounts (name) VALUES ('during the dump')"));
      await locker.query('COMMIT');
      await Promise.all([written, session.completed]);
      const during = await session.catalog;
      expect(String(during.manifest.tables['app.accounts'])).toBe(rowsBefore);
      const copy = database(`pgfid_during_${suffix}`);
      const plan = planFor(copy, during);
      await restoreFresh(plan, file);
      await engine.switchIn(plan);
      expect((await pgAllTableFingerprints(copy))['table app.accounts']).toBe(before.data['table app.accounts']);
    } finally {
      await locker.end().catch(() => undefined);
      await withClient(source, (client) => client.query("DELETE FROM app.accounts WHERE name = 'during the dump'"));
    }
  });

  it('takes any target name literally, for a new database and in place', async () => {
    const odd = database(`Fïd "q" 'x' ${suffix}`);
    const first = planFor(odd, catalog);
    await restoreFresh(first, dumpFile);
    expect(await engine.switchIn(first)).toEqual({ setAside: false });
    const second = planFor(odd, catalog);
    await restoreFresh(second, dumpFile);
    expect(await engine.switchIn(second)).toEqual({ setAside: true });
    const after = await stateOf(odd);
    expect(after.data).toEqual(before.data);
    expect(after.properties).toEqual(before.properties);
    expect(after.schema).toBe(before.schema);
    expect((await pgAllTableFingerprints(second.asideDatabase))).toEqual(before.data);
  });

  it('restores a backup that recorded no details with the server defaults', async () => {
    const copy = database(`pgfid_legacy_${suffix}`);
    const plan = planFor(copy, { ...catalog, details: null });
    await restoreFresh(plan, dumpFile);
    await engine.switchIn(plan);
    expect(await pgAllTableFingerprints(copy)).toEqual(before.data);
    const properties = await pgDatabaseProperties(copy);
    expect([properties.owner, properties.comment, properties.acl, properties.settings]).toEqual(['postgres', null, null, []]);
  });

  describe('preflight', () => {
    const ghost = `fid_ghost_${suffix}`;

    function withGhost(): BackupCatalog {
      const recorded = details(catalog);
      const ghostRole: PgRoleDetails = {
        name: ghost,
        uses: ['acl'],
        superuser: false,
        inherit: false,
        createRole: false,
        createDb: true,
        canLogin: true,
        replication: false,
        bypassRls: false,
        connectionLimit: 3,
        validUntil: '2098-05-01 00:00:00+00',
        settings: ['work_mem=16MB', 'search_path="$user", app'],
        memberOf: [{ role: roles.group, admin: true }, { role: 'pg_read_all_stats', admin: false }],
      };
      return { ...catalog, details: { ...recorded, roles: [...recorded.roles, ghostRole] } };
    }

    it('names the roles the target server lacks', async () => {
      const error = await rejection(engine.preflight(planFor(source, withGhost())));
      expect(error).toBeInstanceOf(RestorePreflightError);
      expect(error.message).toBe(
        `The target server lacks roles this backup needs: ${ghost}. Create them, pass "createMissingRoles": true ` +
          'to create them from the backup, or "ownership": "restoring-user"',
      );
    });

    it('lets missing roles be when the restoring user is to own everything', async () => {
      await expect(engine.preflight(planFor(source, withGhost(), { ownership: 'restoring-user' }))).resolves.toBeUndefined();
    });

    it('creates missing roles with their attributes, memberships and settings, and no password', async () => {
      ownedRoles.push(ghost);
      await engine.preflight(planFor(source, withGhost(), { createMissingRoles: true }));
      const { rows } = await withClient('postgres', (client) =>
        client.query(
          `SELECT r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb, r.rolcanlogin, r.rolreplication, r.rolbypassrls,
             r.rolconnlimit, r.rolvaliduntil::text AS valid_until, a.rolpassword IS NULL AS no_password,
             (SELECT setconfig FROM pg_db_role_setting WHERE setdatabase = 0 AND setrole = r.oid) AS settings,
             (SELECT array_agg(g.rolname || CASE WHEN m.admin_option THEN ' (admin)' ELSE '' END ORDER BY g.rolname)
                FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid) AS member_of
           FROM pg_roles r JOIN pg_authid a ON a.oid = r.oid WHERE r.rolname = $1`,
          [ghost],
        ),
      );
      expect(rows).toEqual([
        {
          rolsuper: false,
          rolinherit: false,
          rolcreaterole: false,
          rolcreatedb: true,
          rolcanlogin: true,
          rolreplication: false,
          rolbypassrls: false,
          rolconnlimit: 3,
          valid_until: '2098-05-01 00:00:00+00',
          no_password: true,
          settings: ['work_mem=16MB', 'search_path="$user", app'],
          member_of: [`${roles.group} (admin)`, 'pg_read_all_stats'],
        },
      ]);
    });

    it('refuses a restoring user that cannot create databases', async () => {
      const weak = `fid_weak_${suffix}`;
      ownedRoles.push(weak);
      await withClient('postgres', (client) => client.query(`CREATE ROLE ${pg.escapeIdentifier(weak)} LOGIN`));
      const plan = { ...planFor(source, catalog), target: target(source, { username: weak, password: 'unused' }) };
      const error = await rejection(engine.preflight(plan));
      expect(error).toBeInstanceOf(RestorePreflightError);
      expect(error.message).toBe(
        `The restoring user "${weak}" cannot create databases: grant it CREATEDB or restore as a superuser`,
      );
    });

    it('refuses a restoring user that is not a member of the owner roles', async () => {
      const creator = `fid_creator_${suffix}`;
      ownedRoles.push(creator);
      await withClient('postgres', (client) => client.query(`CREATE ROLE ${pg.escapeIdentifier(creator)} LOGIN CREATEDB`));
      const plan = { ...planFor(source, catalog), target: target(source, { username: creator, password: 'unused' }) };
      const error = await rejection(engine.preflight(plan));
      expect(error).toBeInstanceOf(RestorePreflightError);
      expect(error.message).toBe(
        `The restoring user "${creator}" is not a member of the owner role(s) ${[roles.owner, roles.reader, 'postgres'].sort().join(', ')}: ` +
          'grant them to it, restore as a superuser, or pass "ownership": "restoring-user"',
      );
    });
  });

  it('refuses to drop a database the service did not name', async () => {
    await expect(engine.dropServiceDatabase(target(source), source)).rejects.toThrow(
      `Refusing to drop database "${source}": it is not a restore or aside database of this service`,
    );
    expect(await databaseExists(source)).toBe(true);
  });

  it('an aborted dump rejects its catalog and closes the snapshot transaction', async () => {
    const controller = new AbortController();
    const session = await tools.startDump(engine, target(source), controller.signal);
    controller.abort();
    session.stdout.resume();
    await expect(session.completed).rejects.toThrow(/SIGTERM|SIGKILL|terminated/);
    await expect(session.catalog).rejects.toThrow();
    const { rows } = await withClient('postgres', (client) =>
      client.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'db-backup-service%'",
        [source],
      ),
    );
    expect(rows[0]!.n).toBe(0);
  });
});

describe('PostgresEngine with extensions and foreign tables', () => {
  it('warns that foreign rows are not dumped, and counts alike on the source and the copy', async () => {
    const source = database(`pgfid_fdw_${suffix}`);
    await createDatabase(source);
    await withClient(source, (client) =>
      client.query(`CREATE EXTENSION file_fdw;
        CREATE SERVER files FOREIGN DATA WRAPPER file_fdw;
        CREATE FOREIGN TABLE hostname (line text) SERVER files OPTIONS (filename '/etc/hostname');
        CREATE TABLE local_rows AS SELECT g AS id FROM generate_series(1, 4) g;`),
    );
    const file = path.join(workDir, 'fdw.dump');
    const recorded = await dumpToFile(source, file);
    expect(recorded.warnings).toEqual(['1 foreign table(s): only their definitions are in the dump, not the remote rows']);
    expect(recorded.manifest.tables).toEqual({ 'public.local_rows': 4 });
    expect(recorded.manifest.objects).toEqual({ extension: 2, 'foreign server': 1, 'foreign table': 1, schema: 1, table: 1 });

    const copy = database(`pgfid_fdw_copy_${suffix}`);
    const plan = planFor(copy, recorded);
    await restoreFresh(plan, file);
    await engine.switchIn(plan);
    expect(await pgSchemaDump(copy)).toBe((await pgSchemaDump(source)).split(source).join('<database>'));
  });
});

describe('PostgresEngine as a restoring user that is not a superuser', () => {
  const app = `fid_app_${suffix}`;
  const restorer = `fid_restorer_${suffix}`;
  const other = `fid_other_${suffix}`;
  const as = (name: string) => target(name, { username: restorer, password: `pw-${suffix}` });
  let source: string;
  let sourceState: DatabaseState;

  beforeAll(async () => {
    ownedRoles.push(restorer, other, app);
    await withClient('postgres', (client) =>
      client.query(`CREATE ROLE ${pg.escapeIdentifier(app)} NOLOGIN;
        CREATE ROLE ${pg.escapeIdentifier(other)} NOLOGIN;
        CREATE ROLE ${pg.escapeIdentifier(restorer)} LOGIN CREATEDB;
        GRANT ${pg.escapeIdentifier(app)} TO ${pg.escapeIdentifier(restorer)};`),
    );
    source = database(`pgfid_nosu_${suffix}`);
    await createDatabase(source);
    const owner = pg.escapeIdentifier(app);
    await withClient(source, (client) =>
      client.query(`ALTER DATABASE ${pg.escapeIdentifier(source)} OWNER TO ${owner};
        ALTER SCHEMA public OWNER TO ${owner};
        SET ROLE ${owner};
        CREATE TABLE items (id int PRIMARY KEY, label text);
        INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 25) g;
        CREATE FUNCTION add_item(p int) RETURNS void LANGUAGE sql SECURITY DEFINER AS $$ INSERT INTO items VALUES (p, 'x') $$;
        REVOKE EXECUTE ON FUNCTION add_item(int) FROM PUBLIC;
        GRANT SELECT ON items TO ${pg.escapeIdentifier(other)};
        RESET ROLE;
        COMMENT ON DATABASE ${pg.escapeIdentifier(source)} IS 'not a superuser';
        ALTER DATABASE ${pg.escapeIdentifier(source)} SET statement_timeout = '1min';
        REVOKE ALL ON DATABASE ${pg.escapeIdentifier(source)} FROM PUBLIC;
        GRANT CONNECT ON DATABASE ${pg.escapeIdentifier(source)} TO ${pg.escapeIdentifier(restorer)};`),
    );
    sourceState = await stateOf(source);
  });

  it('dumps, restores in place and switches with owners, grants and database properties kept', async () => {
    const file = path.join(workDir, 'nosu.dump');
    const session = await tools.startDump(engine, as(source), new AbortController().signal);
    await pipeline(session.stdout, createWriteStream(file));
    await session.completed;
    const recorded = await session.catalog;
    expect(recorded.manifest.tables).toEqual({ 'public.items': 25 });
    expect(details(recorded).roles.map(({ name }) => name)).toEqual([app, other, restorer].sort());

    const plan = { ...planFor(source, recorded), target: as(source) };
    await restoreFresh(plan, file);
    expect(await engine.switchIn(plan)).toEqual({ setAside: true });
    const after = await stateOf(source);
    expect(after.schema).toBe(sourceState.schema);
    expect(after.properties).toEqual(sourceState.properties);
    expect(after.data).toEqual(sourceState.data);
    await engine.dropServiceDatabase(plan.target, plan.asideDatabase);
    expect(await databaseExists(plan.asideDatabase)).toBe(false);
  });

  it('refuses database settings of another role without CREATEROLE', async () => {
    const recorded = { ...(await dumpToFile(source, path.join(workDir, 'nosu-2.dump'))) };
    const withRoleSetting: PostgresCatalogDetails = {
      ...details(recorded),
      database: { ...details(recorded).database, roleSettings: [{ role: other, settings: ['work_mem=4MB'] }] },
    };
    const plan = { ...planFor(source, { ...recorded, details: withRoleSetting }), target: as(source) };
    const error = await rejection(engine.preflight(plan));
    expect(error).toBeInstanceOf(RestorePreflightError);
    expect(error.message).toBe(
      `The restoring user "${restorer}" cannot restore the database settings of role(s) ${other} ` +
        '(ALTER ROLE … IN DATABASE … SET): grant it CREATEROLE or restore as a superuser',
    );
  });
});
