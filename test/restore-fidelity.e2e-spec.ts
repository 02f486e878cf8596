import { ApiClient } from './support/api-client.js';
import { createMysqlDatabase, dropMysqlDatabase, mysqlIdentifier } from './support/mysql.js';
import {
  dropMysqlFidelityAccounts,
  loadMysqlFidelityFixture,
  mysqlAllFingerprints,
  mysqlDatabaseProperties,
  mysqlFidelityDefiner,
  mysqlSchemaDump,
  withRoot,
} from './support/mysql-fidelity.js';
import {
  dropPgFidelityRoles,
  loadPgFidelityFixture,
  pgAllTableFingerprints,
  pgDatabaseProperties,
  pgFidelityRoles,
  pgSchemaDump,
} from './support/pg-fidelity.js';
import { createDatabase, dropDatabase, withClient } from './support/postgres.js';
import { type ApiProcess, type ServiceProcess } from './support/service-processes.js';
import { startStack, stopStack } from './support/stack.js';
import { postgresRegistration, type TestEnv } from './support/test-env.js';

/**
 * Round trips through the API of databases that use everything a logical restore is known to lose, compared
 * exhaustively with their source: schema with owners and ACLs (PostgreSQL) or every SHOW CREATE (MariaDB), all data
 * including history, database properties and settings, sequences. Into a new database and in place.
 */
describe('Faithful restores through the API', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let worker: ServiceProcess;
  let client: ApiClient;
  let serial = 0;

  beforeAll(async () => {
    ({ env, api, worker, client } = await startStack());
  });

  const pgRoleSuffixes: string[] = [];
  const mysqlDatabases: string[] = [];
  const mysqlAccountSuffixes: string[] = [];

  afterAll(async () => {
    // Databases first (the env's, and the ones restores set aside), then the roles and accounts they used.
    await stopStack({ env, api, worker });
    for (const suffix of pgRoleSuffixes) await dropPgFidelityRoles(suffix).catch(() => undefined);
    for (const name of mysqlDatabases) await dropMysqlDatabase(name).catch(() => undefined);
    for (const suffix of mysqlAccountSuffixes) await dropMysqlFidelityAccounts(suffix).catch(() => undefined);
  });

  async function register(body: Record<string, unknown>): Promise<string> {
    const response = await client.post('/databases', { ...body, name: `fid-${++serial}` });
    expect(response.status).toBe(201);
    return response.body.databaseId;
  }

  async function backup(databaseId: string): Promise<any> {
    const done = await client.backupAndWait(databaseId);
    expect(done).toMatchObject({ status: 'success', error: null });
    return done;
  }

  const restore = (backupId: string, body: Record<string, unknown>) => client.restoreAndWait(backupId, body);


  describe('PostgreSQL', () => {
    const suffix = `api${Math.random().toString(36).slice(2, 8)}`;
    const lostSuffix = `${suffix}l`;
    pgRoleSuffixes.push(suffix, lostSuffix);
    let source: string;
    let sourceId: string;
    let done: any;
    let original: { schema: string; properties: Awaited<ReturnType<typeof pgDatabaseProperties>>; data: Record<string, string> };

    async function snapshotOf(database: string) {
      const [schema, properties, data] = await Promise.all([pgSchemaDump(database), pgDatabaseProperties(database), pgAllTableFingerprints(database)]);
      return { schema, properties, data };
    }

    beforeAll(async () => {
      source = `fid_pg_${env.id}`;
      env.ownedDatabases.push(source);
      await createDatabase(source);
      await loadPgFidelityFixture(source, suffix);
      sourceId = await register(postgresRegistration('', source));
      done = await backup(sourceId);
      original = await snapshotOf(source);
    });

    it('records the manifest in the dump snapshot, and no warnings', () => {
      expect(done.warnings).toEqual([]);
      expect(done.manifest.consistency).toBe('snapshot');
      expect(done.manifest.tables).toMatchObject({ 'app.accounts': 120, 'app.events_2024': expect.any(Number), 'public.notes': 2 });
      expect(done.manifest.tables['app.events_2024'] + done.manifest.tables['app.events_2025']).toBe(150);
    });

    it('into a new database: owners, ACLs, default privileges, SECURITY DEFINER, database properties and data are identical', async () => {
      const copy = `fid_pg_copy_${env.id}`;
      env.ownedDatabases.push(copy);
      const copyId = await register(postgresRegistration('', copy));
      const restored = await restore(done.backupId, { targetDatabaseId: copyId });
      expect(restored).toMatchObject({ status: 'success', error: null, asideDatabase: null });
      expect(restored.verification).toMatchObject({ status: 'passed', differences: [] });
      const copied = await snapshotOf(copy);
      expect(copied.schema).toBe(original.schema);
      expect(copied.properties).toEqual(original.properties);
      expect(copied.data).toEqual(original.data);
      const executable = await withClient(copy, (c) =>
        c.query("SELECT has_function_privilege('public', 'app.add_funds(integer, numeric)', 'EXECUTE') AS public_can_run"),
      );
      expect(executable.rows).toEqual([{ public_can_run: false }]);
    });

    it('in place: the changed source gets its backed-up state back whole (partitioned table included), the changed one kept aside', async () => {
      await withClient(source, async (c) => {
        await c.query('CREATE TABLE public.leftover (id int)');
        await c.query('DELETE FROM app.events WHERE id > 100');
        await c.query(`COMMENT ON DATABASE ${c.escapeIdentifier(source)} IS 'changed'`);
      });
      const restored = await restore(done.backupId, { confirm: true });
      expect(restored).toMatchObject({ status: 'success', error: null, verification: { status: 'passed' } });
      expect(await snapshotOf(source)).toEqual(original);
      const aside = await pgAllTableFingerprints(restored.asideDatabase);
      expect(Object.keys(aside)).toContain('table public.leftover');
      expect((await pgDatabaseProperties(restored.asideDatabase)).comment).toBe('changed');
    });

    it('roles the target server lacks: named before anything is written, or created from the backup', async () => {
      const lostSource = `fid_pg_lost_${env.id}`;
      await createDatabase(lostSource);
      await loadPgFidelityFixture(lostSource, lostSuffix);
      const lostDone = await backup(await register(postgresRegistration('', lostSource)));
      const before = await snapshotOf(lostSource);
      await dropDatabase(lostSource);
      await dropPgFidelityRoles(lostSuffix);

      const copy = `fid_pg_roles_${env.id}`;
      env.ownedDatabases.push(copy);
      await createDatabase(copy);
      const copyId = await register(postgresRegistration('', copy));
      const refused = await restore(lostDone.backupId, { targetDatabaseId: copyId });
      const roles = pgFidelityRoles(lostSuffix);
      expect(refused.status).toBe('failed');
      expect(refused.error).toBe(
        `The target server lacks roles this backup needs: ${[roles.group, roles.owner, roles.reader].sort().join(', ')}. Create them, pass ` +
          '"createMissingRoles": true to create them from the backup, or "ownership": "restoring-user"',
      );
      expect(await pgAllTableFingerprints(copy)).toEqual({});

      const created = await restore(lostDone.backupId, { targetDatabaseId: copyId, createMissingRoles: true });
      expect(created).toMatchObject({ status: 'success', verification: { status: 'passed' } });
      const copied = await snapshotOf(copy);
      expect(copied.schema).toBe(before.schema);
      expect(copied.data).toEqual(before.data);
      expect(copied.properties).toEqual(before.properties);
      const reader = await withClient('postgres', (c) =>
        c.query(
          `SELECT r.rolcanlogin, r.rolconnlimit, r.rolpassword IS NULL AS no_password, s.setconfig
             FROM pg_authid r LEFT JOIN pg_db_role_setting s ON s.setrole = r.oid AND s.setdatabase = 0 WHERE r.rolname = $1`,
          [roles.reader],
        ),
      );
      expect(reader.rows).toEqual([{ rolcanlogin: true, rolconnlimit: 5, no_password: true, setconfig: ['statement_timeout=5s'] }]);
    });

    it('"ownership": "restoring-user" restores everything owned by the registration user, without grants', async () => {
      const copy = `fid_pg_plain_${env.id}`;
      env.ownedDatabases.push(copy);
      const restored = await restore(done.backupId, { targetDatabaseId: await register(postgresRegistration('', copy)), ownership: 'restoring-user' });
      expect(restored).toMatchObject({ status: 'success', verification: { status: 'passed' } });
      expect(await pgAllTableFingerprints(copy)).toEqual(original.data);
      const owners = await withClient(copy, (c) =>
        c.query(
          `SELECT DISTINCT pg_get_userbyid(relowner) AS owner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname IN ('app', 'public') AND c.relkind IN ('r', 'p', 'v', 'm', 'S')`,
        ),
      );
      expect(owners.rows).toEqual([{ owner: 'postgres' }]);
    });
  });

  describe('MariaDB', () => {
    const suffix = `api${Math.random().toString(36).slice(2, 8)}`;
    const databases = mysqlDatabases;
    mysqlAccountSuffixes.push(suffix);
    let source: string;
    let done: any;
    let original: { schema: Record<string, string>; properties: unknown; data: Record<string, string> };

    function mariadbRegistration(database: string) {
      return { engine: 'mariadb', host: '127.0.0.1', port: 3306, database, username: 'root', password: '' };
    }

    async function snapshotOf(database: string) {
      const [schema, properties, data] = await Promise.all([mysqlSchemaDump(database), mysqlDatabaseProperties(database), mysqlAllFingerprints(database)]);
      return { schema, properties, data };
    }

    async function target(label: string): Promise<{ name: string; id: string }> {
      const name = `fid_my_${label}_${env.id}`;
      databases.push(name);
      await createMysqlDatabase(name);
      return { name, id: await register(mariadbRegistration(name)) };
    }

    beforeAll(async () => {
      source = `fid_my_${env.id}`;
      databases.push(source);
      await loadMysqlFidelityFixture(source, suffix);
      done = await backup(await register(mariadbRegistration(source)));
      original = await snapshotOf(source);
    });

    it('warns about the columns mariadb-dump changes, and records the manifest with history rows', () => {
      expect(done.warnings).toEqual([
        'Column measures.reading is FLOAT: mariadb-dump writes 6 significant digits, so values may change; use DOUBLE or DECIMAL',
        "Column measures.mood is ENUM with a member containing '?': MariaDB stores characters outside " +
          "the Basic Multilingual Plane (such as emoji) as '?' in the definition, so those members were already lost on the " +
          'source and are restored as they read now',
      ]);
      expect(done.manifest.tables).toMatchObject({ prices: 2, 'prices (history)': 7, orders: 3 });
      expect(done.manifest.consistency).toBe('snapshot');
    });

    it('into a new database: history, NEXTVAL defaults, definers, charset, collation, comment, BLOBs and data are identical', async () => {
      const copy = await target('copy');
      const restored = await restore(done.backupId, { targetDatabaseId: copy.id });
      expect(restored).toMatchObject({ status: 'success', error: null, verification: { status: 'passed', differences: [] } });
      const copied = await snapshotOf(copy.name);
      expect(copied.schema).toEqual(original.schema);
      expect(copied.properties).toEqual(original.properties);
      expect(copied.data).toEqual(original.data);
      // The copy's NEXTVAL default draws from its own sequence: the source's does not move.
      const sourceSequence = () => withRoot((c) => c.query(`SELECT next_not_cached_value AS next FROM ${mysqlIdentifier(source)}.order_seq`));
      const before = await sourceSequence();
      await withRoot((c) => c.query(`INSERT INTO ${mysqlIdentifier(copy.name)}.orders (label, amount) VALUES ('new', 1)`));
      expect(await sourceSequence()).toEqual(before);
      const [copyCount] = await withRoot((c) => c.query(`SELECT COUNT(*) AS n FROM ${mysqlIdentifier(copy.name)}.orders`));
      expect(Number(copyCount.n)).toBe(done.manifest.tables.orders + 1);
    });

    it('in place: leftovers go aside, the backed-up state comes back whole', async () => {
      await withRoot(async (c) => {
        await c.query(`CREATE TABLE ${mysqlIdentifier(source)}.leftover (id INT)`);
        await c.query(`DELETE FROM ${mysqlIdentifier(source)}.order_notes`);
      });
      const restored = await restore(done.backupId, { confirm: true });
      expect(restored).toMatchObject({ status: 'success', error: null, verification: { status: 'passed' } });
      databases.push(restored.asideDatabase);
      expect(await snapshotOf(source)).toEqual(original);
      const tables = await withRoot((c) =>
        c.query('SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [restored.asideDatabase, 'leftover']),
      );
      expect(tables).toEqual([{ name: 'leftover' }]);
    });

    it('a missing DEFINER account fails before anything is written, naming it; rewriteMissingDefiners restores with the restoring account', async () => {
      const copy = await target('definer');
      const definer = mysqlFidelityDefiner(suffix);
      await dropMysqlFidelityAccounts(suffix);
      const refused = await restore(done.backupId, { targetDatabaseId: copy.id });
      expect(refused.status).toBe('failed');
      expect(refused.error).toBe(
        `The target server lacks accounts this backup's definers need: '${definer.user}'@'${definer.host}'; create them or pass "rewriteMissingDefiners": true`,
      );
      expect(await mysqlAllFingerprints(copy.name)).toEqual({});

      const rewritten = await restore(done.backupId, { targetDatabaseId: copy.id, rewriteMissingDefiners: true });
      expect(rewritten).toMatchObject({ status: 'success', verification: { status: 'passed' } });
      expect((await snapshotOf(copy.name)).data).toEqual(original.data);
      const [view] = await withRoot((c) =>
        c.query('SELECT DEFINER AS definer FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [copy.name, 'order_labels']),
      );
      const [restoring] = await withRoot((c) => c.query('SELECT CURRENT_USER() AS account'));
      expect(view.definer).toBe(restoring.account);
    });
  });
});
