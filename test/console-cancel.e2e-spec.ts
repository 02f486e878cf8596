// page.evaluate callbacks run in the browser, hence the DOM types.
/// <reference lib="dom" />
import type { Browser, Page } from 'playwright-core';
import { collectPageErrors, launchChromium, screenshot } from './support/browser.js';
import { scratchDatabasesOfDrill } from './support/drill-scratch.js';
import { createDatabase, tableFingerprints, withClient } from './support/postgres.js';
import { waitFor } from './support/service-processes.js';
import { type Stack, startStack, stopStack } from './support/stack.js';
import { PG_HOST, PG_PORT, PG_USER, postgresRegistration, restoreDatabasesOf } from './support/test-env.js';

/** Rows of the slow table: restoring each one sleeps 1 ms in a service's fresh or scratch database, so a replay lasts a minute. */
const SLOW_ROWS = 40_000;
const CANCELLED = 'Cancelled by request';

const S3_TARGET = { kind: 's3', bucket: 'console-bucket', accessKeyId: 'AK', secretAccessKey: 'SK' };

/**
 * Cancelling from the console in Debian's Chromium, against the real API, a worker, PostgreSQL (also the drills'
 * sandbox) and Redis: a running restore from its page (the target left as it was), a running drill from the Drills
 * page (its scratch database dropped). Then Settings: a sandbox edited and deleted, storage target deletes confirmed
 * by name, the API's refusal shown in the dialog.
 */
describe('Web console: cancel a running restore and a running drill', () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[];
  let backupId: string;
  let sourceId: string;

  /**
   * ~20 MB of hard-to-compress rows whose domain check sleeps only in the service's fresh (restore) and scratch
   * (drill) databases: pg_restore's COPY is slow there; the backup is not.
   */
  async function slowSource(name: string): Promise<void> {
    await createDatabase(name);
    await withClient(name, (c) =>
      c.query(`
        CREATE FUNCTION slow_in_copy(v text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
        BEGIN
          IF current_database() LIKE 'dbbackup\\_restore\\_%' OR current_database() LIKE 'dbbackup\\_drill\\_%' THEN PERFORM pg_sleep(0.001); END IF;
          RETURN true;
        END $$;
        CREATE DOMAIN slow_text AS text CHECK (slow_in_copy(VALUE));
        CREATE TABLE big (id integer PRIMARY KEY, payload slow_text NOT NULL);
        INSERT INTO big SELECT g, (SELECT string_agg(md5(g || '-' || k), '') FROM generate_series(1, 16) k)
          FROM generate_series(1, ${SLOW_ROWS}) g;`),
    );
  }

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack({ RECONCILE_INTERVAL_SECONDS: '2' }), launchChromium()]);
    const { env, client } = stack;
    const source = `ccancel_src_${env.id}`;
    env.ownedDatabases.push(source);
    await slowSource(source);
    sourceId = (await client.post('/databases', postgresRegistration('ccancel-src', source))).body.databaseId;
    const backup = await client.backupAndWait(sourceId, 180_000);
    expect(backup.status).toBe('success');
    backupId = backup.backupId;
    const sandbox = await client.post('/sandboxes', { name: 'local', engine: 'postgres', host: PG_HOST, port: PG_PORT, username: PG_USER, password: 'x' });
    expect(sandbox.status).toBe(201);

    page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    pageErrors = collectPageErrors(page);
    await page.goto(`${stack.api.url}/`);
    await page.getByLabel('API key').fill(env.adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await stopStack(stack ?? {});
  });

  afterEach(() => expect(pageErrors.splice(0)).toEqual([]));

  /** GET `path` until `check` holds on its body. */
  function bodyWhen(path: string, check: (body: any) => boolean, timeoutMs = 60_000): Promise<any> {
    return waitFor(async () => {
      const { body } = await stack.client.get(path);
      return check(body) ? body : undefined;
    }, timeoutMs, 200);
  }

  it('cancels a running restore from its page: failed with "Cancelled by request", the target untouched', async () => {
    const { env, client } = stack;
    const target = `ccancel_target_${env.id}`;
    env.ownedDatabases.push(target);
    await createDatabase(target);
    await withClient(target, (c) => c.query('CREATE TABLE previous AS SELECT g AS id FROM generate_series(1, 10) g'));
    const targetId = (await client.post('/databases', postgresRegistration('ccancel-target', target))).body.databaseId;
    const before = await tableFingerprints(target);
    expect(Object.keys(before)).toEqual(['previous']);
    expect(before.previous!.rows).toBe(10);

    const requested = await client.post(`/backups/${backupId}/restore`, { targetDatabaseId: targetId });
    expect(requested.status).toBe(202);
    const { restoreId } = requested.body;
    await bodyWhen(`/restores/${restoreId}`, (body) => body.progress?.phase === 'restoring' && body.progress.bytesRead > 0);

    await page.goto(`${stack.api.url}/#/restores/${restoreId}`);
    await page.getByRole('heading', { name: `Restore #${restoreId}` }).waitFor();
    await page.getByRole('progressbar', { name: 'Restore progress' }).waitFor();
    await screenshot(page, 'restore-running-cancel');
    await page.getByRole('button', { name: 'Cancel restore' }).click();

    const alert = page.getByRole('alert');
    await alert.waitFor();
    await expect(alert.textContent()).resolves.toBe(CANCELLED);
    await expect(page.getByRole('button', { name: 'Cancel restore' }).count()).resolves.toBe(0);
    await expect(page.getByRole('progressbar', { name: 'Restore progress' }).count()).resolves.toBe(0);
    await expect(page.locator('.page-title .badge').textContent()).resolves.toBe('failed');

    expect((await client.get(`/restores/${restoreId}`)).body).toMatchObject({ status: 'failed', error: CANCELLED, progress: null, asideDatabase: null });
    // The worker finds out at its next progress write, kills pg_restore and drops its fresh database.
    await waitFor(async () => ((await restoreDatabasesOf(env, restoreId)).fresh.length ? undefined : true), 15_000);
    expect(await restoreDatabasesOf(env, restoreId)).toEqual({ fresh: [], aside: [] });
    expect(await tableFingerprints(target)).toEqual(before);
  });

  it('cancels a running drill from the Drills page: failed with "Cancelled by request", its scratch database gone', async () => {
    const { env, client } = stack;
    const requested = await client.post(`/databases/${sourceId}/drills`, {});
    expect(requested.status).toBe(202);
    const { drillId } = requested.body;
    await bodyWhen(`/drills/${drillId}`, (body) => body.progress?.phase === 'restoring' && body.progress.bytesRead > 0);
    expect(await scratchDatabasesOfDrill(env.metadataDatabase, drillId)).toHaveLength(1);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Drills' }).click();
    await page.getByRole('heading', { name: 'Drills', level: 1 }).waitFor();
    const row = page.locator(`tr[data-drill="${drillId}"]`);
    await row.getByRole('progressbar', { name: `Drill ${drillId} progress` }).waitFor();
    await screenshot(page, 'drill-running-cancel');
    await row.getByRole('button', { name: 'Cancel' }).click();

    await row.getByText(CANCELLED).waitFor();
    await expect(row.locator('.badge').first().textContent()).resolves.toBe('failed');
    await expect(row.getByRole('button', { name: 'Cancel' }).count()).resolves.toBe(0);

    expect((await client.get(`/drills/${drillId}`)).body).toMatchObject({ status: 'failed', error: CANCELLED, progress: null });
    await waitFor(async () => ((await scratchDatabasesOfDrill(env.metadataDatabase, drillId)).length ? undefined : true), 15_000);
    expect(await scratchDatabasesOfDrill(env.metadataDatabase, drillId)).toEqual([]);
  });

  async function openSettings(): Promise<void> {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
  }

  it('Settings: edits and deletes the sandbox; a storage target in use is refused with the API’s text, an unused one deleted', async () => {
    const { env, client } = stack;
    const inUse = (await client.post('/storage-targets', { name: 'in-use', ...S3_TARGET })).body.storageTargetId;
    expect((await client.post('/storage-targets', { name: 'spare', ...S3_TARGET })).status).toBe(201);
    const stored = await client.post('/databases', postgresRegistration('ccancel-stored', `ccancel_target_${env.id}`, { storageTargetId: inUse }));
    expect(stored.status).toBe(201);
    await openSettings();

    const sandbox = page.locator('li[data-sandbox="local"]');
    await sandbox.getByRole('button', { name: 'Edit' }).click();
    const form = page.getByRole('form', { name: 'Edit sandbox local' });
    await form.getByLabel('Name').fill('local-pg');
    await form.getByLabel('Maintenance database').fill('template1');
    await form.getByRole('button', { name: 'Save' }).click();
    await page.locator('li[data-sandbox="local-pg"]').waitFor();
    await expect(form.count()).resolves.toBe(0);
    expect((await client.get('/sandboxes')).body).toEqual([
      expect.objectContaining({ name: 'local-pg', engine: 'postgres', host: PG_HOST, port: PG_PORT, maintenanceDatabase: 'template1', username: PG_USER }),
    ]);

    await page.getByRole('button', { name: 'Delete sandbox local-pg' }).click();
    const sandboxDialog = page.getByRole('dialog', { name: 'Delete sandbox local-pg?' });
    await sandboxDialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.locator('li[data-sandbox="local-pg"]').waitFor({ state: 'detached' });
    expect((await client.get('/sandboxes')).body).toEqual([]);

    await page.getByRole('button', { name: 'Delete storage target in-use' }).click();
    const refused = page.getByRole('dialog', { name: 'Delete storage target in-use?' });
    await refused.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect(refused.getByRole('alert').textContent()).resolves.toBe('Storage target is used by databases or holds backups; move or delete them first');
    await screenshot(page, 'settings-delete-refused', false);
    await page.keyboard.press('Escape');
    await refused.waitFor({ state: 'hidden' });

    await page.getByRole('button', { name: 'Delete storage target spare' }).click();
    await page.getByRole('dialog', { name: 'Delete storage target spare?' }).getByRole('button', { name: 'Delete', exact: true }).click();
    await page.locator('li[data-storage-target="spare"]').waitFor({ state: 'detached' });
    expect((await client.get('/storage-targets')).body.map((target: { name: string }) => target.name)).toEqual(['in-use']);
    // The refused delete is the page's only failed request, which Chromium logs.
    expect(pageErrors.splice(0)).toEqual(['Failed to load resource: the server responded with a status of 409 (Conflict)']);
  });
});
