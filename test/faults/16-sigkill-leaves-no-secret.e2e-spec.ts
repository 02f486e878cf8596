import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HeldDumpStage } from '../support/held-dump.js';
import { createDatabase, withClient } from '../support/postgres.js';
import { descendantsOf } from '../support/proc.js';
import { type ServiceProcess, waitFor } from '../support/service-processes.js';
import { PG_HOST, PG_PORT, PG_USER, postgresRegistration } from '../support/test-env.js';

/** Rows of the slow table: its expression index sleeps 5 ms a row when built in a service's fresh database. */
const SLOW_ROWS = 1500;

/**
 * A worker SIGKILLed mid-dump, mid-restore or mid-drill cannot remove its 0600 password file. It lies in that process's own
 * directory under SECRET_FILES_DIR, and the next process to start removes it; a normal run leaves none at all.
 * The search also covers the temporary directory, where such files used to be written.
 */
describe('Fault 16: SIGKILL leaves no password on disk', () => {
  const secretsDir = path.join(tmpdir(), `dbbackup-test-secrets-${randomBytes(4).toString('hex')}`);
  const password = `pw-${randomBytes(12).toString('hex')}`;
  let stage: HeldDumpStage;

  beforeAll(async () => {
    stage = await HeldDumpStage.create('secrets', { WORKER_LOCK_SECONDS: '2', RECONCILE_INTERVAL_SECONDS: '2', SECRET_FILES_DIR: secretsDir });
    expect((await stage.client.patch(`/databases/${stage.databaseId}`, { password })).status).toBe(200);
  });

  afterAll(async () => {
    await stage?.teardown();
    await rm(secretsDir, { recursive: true, force: true });
  });

  /** Every file holding the password: under SECRET_FILES_DIR and in dbbackup-secret* directories of the temp dir. */
  async function filesHoldingPassword(): Promise<string[]> {
    const roots = [secretsDir, ...(await readdir(tmpdir())).filter((name) => name.startsWith('dbbackup-secret')).map((name) => path.join(tmpdir(), name))];
    const found: string[] = [];
    for (const root of roots) {
      const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
      for (const entry of entries.filter((e) => e.isFile())) {
        const file = path.join(entry.parentPath, entry.name);
        if ((await readFile(file, 'utf8').catch(() => '')).includes(password)) found.push(file);
      }
    }
    return found.sort();
  }

  async function ownerDirectoriesOf(worker: ServiceProcess): Promise<string[]> {
    return (await readdir(secretsDir)).filter((name) => name.startsWith(`${worker.pid}-`));
  }

  it('mid-dump: the dead worker’s pgpass is removed when the next worker starts', async () => {
    const first = await stage.startWorker();
    const backupId = await stage.triggerHeldBackup();
    const whileDumping = await filesHoldingPassword();
    expect(whileDumping).toHaveLength(1);

    await first.stop('SIGKILL');
    expect(await filesHoldingPassword()).toEqual(whileDumping);

    const second = await stage.startWorker();
    expect((await filesHoldingPassword()).filter((file) => whileDumping.includes(file))).toEqual([]);
    expect(whileDumping[0]).toMatch(new RegExp(`^${secretsDir}/${first.pid}-\\d+/secret-[^/]+/pgpass$`));
    expect(await ownerDirectoriesOf(first)).toEqual([]);
    await second.waitForOutput(`Removed the password files left in ${secretsDir} by stopped processes ${first.pid}`, 10_000);
    for (const file of await filesHoldingPassword()) expect(file.startsWith(`${secretsDir}/${second.pid}-`)).toBe(true);

    await stage.release();
    expect((await stage.client.waitForBackup(backupId, 120_000)).status).toBe('success');
    expect(await filesHoldingPassword()).toEqual([]);
  });

  it('mid-restore: the dead worker’s pgpass is removed when the next worker starts', async () => {
    const { env, client } = stage;
    const source = `secrets_slow_${env.id}`;
    const target = `secrets_target_${env.id}`;
    env.ownedDatabases.push(source, target);
    await createDatabase(source);
    await withClient(source, (c) =>
      c.query(`
        CREATE FUNCTION slow_in_restore(i integer) RETURNS integer LANGUAGE plpgsql IMMUTABLE AS $$
        BEGIN
          IF current_database() LIKE 'dbbackup\\_restore\\_%' THEN PERFORM pg_sleep(0.005); END IF;
          RETURN i;
        END $$;
        CREATE TABLE slow AS SELECT g AS id FROM generate_series(1, ${SLOW_ROWS}) g;
        CREATE INDEX slow_expression ON slow ((slow_in_restore(id)));`),
    );
    await createDatabase(target);
    const sourceId = (await client.post('/databases', postgresRegistration('secrets-slow', source, { password }))).body.databaseId;
    const targetId = (await client.post('/databases', postgresRegistration('secrets-target', target, { password }))).body.databaseId;
    const backup = await client.backupAndWait(sourceId);
    expect(backup.status).toBe('success');

    const restoring = stage.workers.find((worker) => !worker.exited)!;
    const { restoreId } = (await client.post(`/backups/${backup.backupId}/restore`, { targetDatabaseId: targetId })).body;
    await waitFor(async () => ((await descendantsOf(restoring.pid)).some((p) => p.command === 'pg_restore') ? true : undefined), 30_000);
    const whileRestoring = await filesHoldingPassword();
    expect(whileRestoring.length).toBeGreaterThan(0);

    await restoring.stop('SIGKILL');
    expect(await filesHoldingPassword()).toEqual(whileRestoring);

    const next = await stage.startWorker();
    expect((await filesHoldingPassword()).filter((file) => whileRestoring.includes(file))).toEqual([]);
    for (const file of whileRestoring) expect(file.startsWith(`${secretsDir}/${restoring.pid}-`)).toBe(true);
    expect(await ownerDirectoriesOf(restoring)).toEqual([]);
    await next.waitForOutput(`by stopped processes ${restoring.pid}`, 10_000);

    const finished = await client.waitFor(`/restores/${restoreId}`, 120_000);
    expect(finished).toMatchObject({ status: 'success', error: null });
    expect(await filesHoldingPassword()).toEqual([]);
  });

  it('mid-drill: the dead worker’s pgpass for the sandbox is removed when the next worker starts', async () => {
    const { env, client } = stage;
    const source = `secrets_drilled_${env.id}`;
    env.ownedDatabases.push(source);
    await createDatabase(source);
    await withClient(source, (c) =>
      c.query(`
        CREATE FUNCTION slow_in_drill(i integer) RETURNS integer LANGUAGE plpgsql IMMUTABLE AS $$
        BEGIN
          IF current_database() LIKE 'dbbackup\\_drill\\_%' THEN PERFORM pg_sleep(0.005); END IF;
          RETURN i;
        END $$;
        CREATE TABLE slow AS SELECT g AS id FROM generate_series(1, ${SLOW_ROWS}) g;
        CREATE INDEX slow_expression ON slow ((slow_in_drill(id)));`),
    );
    // Only the sandbox has the password: every file holding it is the drill's.
    const databaseId = (await client.post('/databases', postgresRegistration('secrets-drilled', source))).body.databaseId;
    const sandbox = await client.post('/sandboxes', { name: 'secrets-sandbox', engine: 'postgres', host: PG_HOST, port: PG_PORT, username: PG_USER, password });
    expect(sandbox.status).toBe(201);
    expect((await client.backupAndWait(databaseId)).status).toBe('success');
    expect(await filesHoldingPassword()).toEqual([]);

    const drilling = stage.workers.find((worker) => !worker.exited)!;
    const { drillId } = (await client.post(`/databases/${databaseId}/drills`, {})).body;
    await waitFor(async () => ((await descendantsOf(drilling.pid)).some((p) => p.command === 'pg_restore') ? true : undefined), 30_000);
    const whileDrilling = await filesHoldingPassword();
    expect(whileDrilling.length).toBeGreaterThan(0);
    for (const file of whileDrilling) expect(file).toMatch(new RegExp(`^${secretsDir}/${drilling.pid}-\\d+/secret-[^/]+/pgpass$`));

    await drilling.stop('SIGKILL');
    expect(await filesHoldingPassword()).toEqual(whileDrilling);

    const next = await stage.startWorker();
    expect((await filesHoldingPassword()).filter((file) => whileDrilling.includes(file))).toEqual([]);
    expect(await ownerDirectoriesOf(drilling)).toEqual([]);
    await next.waitForOutput(`by stopped processes ${drilling.pid}`, 10_000);

    const finished = await client.waitFor(`/drills/${drillId}`, 120_000);
    expect(finished).toMatchObject({ status: 'success', error: null, scratchDropped: true });
    expect(finished.scratchDatabase).toMatch(/_2$/);
    expect(await filesHoldingPassword()).toEqual([]);
  });
});
