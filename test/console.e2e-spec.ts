// page.evaluate callbacks run in the browser, hence the DOM types.
/// <reference lib="dom" />
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { OVERVIEW_SQL } from '../src/overview/overview.repository.js';
import { ApiClient } from './support/api-client.js';
import { collectPageErrors, launchChromium, screenshot } from './support/browser.js';
import { pgAllTableFingerprints } from './support/pg-fidelity.js';
import { createDatabase, loadChinook, withClient } from './support/postgres.js';
import { type ApiProcess, type ServiceProcess, startApi, startWorker, waitFor } from './support/service-processes.js';
import { createTestEnv, postgresRegistration, type TestEnv } from './support/test-env.js';

const run = promisify(execFile);
const FLEET_DATABASES = 50;
const FLEET_BACKUPS_EACH = 20_000;

/** The web console in Debian's Chromium, against the real API, a worker, PostgreSQL and Redis. */
describe('Web console', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let worker: ServiceProcess | undefined;
  let client: ApiClient;
  let browser: Browser;
  let admin: BrowserContext;
  let page: Page;
  let pageErrors: string[];
  let source: string;
  let copy: string;
  let databaseId: string;
  let copyId: string;

  beforeAll(async () => {
    env = await createTestEnv();
    source = `console_src_${env.id}`;
    copy = `console_copy_${env.id}`;
    env.ownedDatabases.push(source, copy);
    await Promise.all([createDatabase(source), createDatabase(copy)]);
    await loadChinook(source);
    // No worker yet: the first backup stays queued until the test starts one, so the browser sees it queued.
    [api, browser] = await Promise.all([startApi(env.vars), launchChromium()]);
    client = new ApiClient(api);
    admin = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await admin.newPage();
    pageErrors = collectPageErrors(page);
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([api?.stop(), worker?.stop()]);
    await env?.cleanup();
  });

  async function signIn(target: Page, key: string): Promise<void> {
    await target.goto(`${api.url}/`);
    await target.getByLabel('API key').fill(key);
    await target.getByRole('button', { name: 'Sign in' }).click();
    await target.getByRole('heading', { name: 'Overview' }).waitFor();
  }

  function backupRow(backupId: string) {
    return page.locator(`tr[data-backup="${backupId}"]`);
  }

  it('is served at / as files only, under the API’s Content-Security-Policy; other paths keep the API’s 404', async () => {
    const index = await fetch(`${api.url}/`);
    const html = await index.text();
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts).toHaveLength(1);
    expect(scripts[0]![1]).toMatch(/src="\/assets\/index-[\w-]+\.js"/);
    expect(scripts[0]![2]).toBe('');
    const asset = await fetch(`${api.url}${/src="([^"]+)"/.exec(scripts[0]![1]!)![1]}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const unknown = await client.get('/no-such-page');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: expect.any(String) });
  });

  it('has the OpenAPI document and the generated types the live API serves (drift check)', async () => {
    const live = await client.get('/docs-json');
    expect(live.status).toBe(200);
    const committed = JSON.parse(await readFile('web/openapi.json', 'utf8'));
    expect(committed).toEqual(live.body);
    const dir = await mkdtemp(path.join(tmpdir(), 'console-types-'));
    try {
      const generated = path.join(dir, 'schema.d.ts');
      // The package exports no subpath: its bin is found next to its resolved entry (dist/index.cjs).
      const entry = createRequire(path.resolve('web/package.json')).resolve('openapi-typescript');
      const cli = path.join(path.dirname(entry), '..', 'bin', 'cli.js');
      await run(process.execPath, [cli, 'web/openapi.json', '--default-non-nullable', 'false', '-o', generated]);
      expect(await readFile(generated, 'utf8')).toBe(await readFile('web/src/api/schema.d.ts', 'utf8'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('signs in: a wrong key shows the API’s error, the admin key shows its name and scopes', async () => {
    await page.goto(`${api.url}/`);
    await screenshot(page, 'sign-in');
    await page.getByLabel('API key').fill('dbb_not_a_key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toBe('Missing or invalid API key');
    await page.getByLabel('API key').fill(env.adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await expect(page.locator('.identity').textContent()).resolves.toContain('ADMIN_API_KEY (admin)');
    await expect(page.getByRole('link', { name: 'Settings' }).count()).resolves.toBe(1);
    expect(await page.evaluate(() => document.cookie)).toBe('');
  });

  it('shows a database registered through the API on the overview', async () => {
    const created = await client.post('/databases', postgresRegistration('chinook', source));
    expect(created.status).toBe(201);
    databaseId = created.body.databaseId;
    const registered = await client.post('/databases', postgresRegistration('chinook-copy', copy));
    expect(registered.status).toBe(201);
    copyId = registered.body.databaseId;
    await page.reload();
    const row = page.locator('tr[data-database="chinook"]');
    await row.waitFor();
    await expect(row.locator('td').first().textContent()).resolves.toBe('never');
    await expect(row.locator('td').nth(2).textContent()).resolves.toBe('never');
    await expect(page.locator('table.overview tbody tr').count()).resolves.toBe(2);
  });

  let backupId: string;

  it('backs up now and shows the backup queued, then successful with its size and checksum', async () => {
    await page.getByRole('link', { name: 'chinook', exact: true }).click();
    await page.getByRole('heading', { name: 'chinook', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Back up now' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Backup triggered' }).textContent()).resolves.toBe(
      `Backup triggered for database ID ${databaseId}`,
    );
    const [listed] = (await client.get(`/backups?databaseId=${databaseId}`)).body;
    backupId = listed.backupId;
    await backupRow(backupId).locator('.badge', { hasText: 'queued' }).waitFor();
    worker = await startWorker(env.vars);
    await backupRow(backupId).locator('.badge', { hasText: 'success' }).waitFor({ timeout: 90_000 });
    const backup = (await client.get(`/backups/${backupId}`)).body;
    expect(backup.status).toBe('success');
    await backupRow(backupId).locator('code', { hasText: backup.checksum.slice(0, 12) }).waitFor();
    await expect(backupRow(backupId).locator('code').getAttribute('title')).resolves.toBe(backup.checksum);
    await screenshot(page, 'database');
  });

  it('downloads the file, whose sha256 is the checksum shown', async () => {
    const downloading = page.waitForEvent('download');
    await backupRow(backupId).getByRole('button', { name: 'Download' }).click();
    const download = await downloading;
    const file = await download.path();
    const bytes = await readFile(file);
    const backup = (await client.get(`/backups/${backupId}`)).body;
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(backup.checksum);
    expect(bytes.length).toBe(backup.sizeBytes);
    expect(download.suggestedFilename()).toMatch(/^chinook.*\.zst$/);
  });

  it('verifies the backup and shows it passed', async () => {
    await expect(backupRow(backupId).locator('td[data-label="Verification"]').textContent()).resolves.toBe('not verified');
    await backupRow(backupId).getByRole('button', { name: 'Verify' }).click();
    await backupRow(backupId).locator('td[data-label="Verification"] .badge', { hasText: 'passed' }).waitFor({ timeout: 60_000 });
    expect((await client.get(`/backups/${backupId}`)).body.verificationStatus).toBe('passed');
  });

  let restoreId: string;

  it('restores into a second database through the dialog, and the copy holds exactly the source’s data', async () => {
    await backupRow(backupId).getByRole('button', { name: 'Restore…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('select').first().selectOption(copyId);
    await expect(dialog.getByLabel('Type the database name to confirm').count()).resolves.toBe(0);
    await screenshot(page, 'restore-dialog');
    await dialog.getByRole('button', { name: 'Start restore' }).click();
    await page.getByRole('heading', { name: /^Restore #\d+$/ }).waitFor();
    restoreId = /#\/restores\/(\d+)$/.exec(page.url())![1]!;
    await page.getByRole('heading', { name: /Manifest comparison/ }).waitFor({ timeout: 180_000 });
    await page.locator('.page-title .badge', { hasText: 'success' }).waitFor({ timeout: 60_000 });
    const restore = (await client.get(`/restores/${restoreId}`)).body;
    expect(restore).toMatchObject({ status: 'success', backupId, targetDatabaseId: copyId, verification: { status: 'passed' } });
    expect(await pgAllTableFingerprints(copy)).toEqual(await pgAllTableFingerprints(source));
    await screenshot(page, 'restore');
  });

  it('asks for the database name typed out before an in-place restore', async () => {
    await page.goto(`${api.url}/#/databases/${databaseId}`);
    await backupRow(backupId).getByRole('button', { name: 'Restore…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('select').first().selectOption(databaseId);
    const start = dialog.getByRole('button', { name: 'Start restore' });
    await expect(start.isDisabled()).resolves.toBe(true);
    await dialog.getByLabel('Type the database name to confirm').fill('chinoo');
    await expect(start.isDisabled()).resolves.toBe(true);
    await dialog.getByLabel('Type the database name to confirm').fill('chinook');
    await expect(start.isDisabled()).resolves.toBe(false);
    await page.keyboard.press('Escape');
    await expect(page.getByRole('dialog').count()).resolves.toBe(0);
    expect((await client.get('/restores')).body).toHaveLength(1);
  });

  it('lists backups and restores, filterable by status', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Backups' }).click();
    await page.getByRole('heading', { name: 'Backups', level: 1 }).waitFor();
    const backups = page.locator('main tbody tr');
    await page.locator('main tbody tr', { hasText: `#${backupId}` }).waitFor();
    await expect(backups.allInnerTexts()).resolves.toEqual([expect.stringMatching(new RegExp(`^#${backupId}\\s+chinook\\s+success\\s+manual\\s+.+ ago$`))]);
    await page.getByLabel('Status').selectOption('failed');
    await page.locator('main tbody tr').first().waitFor({ state: 'detached' });
    await expect(backups.count()).resolves.toBe(0);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Restores' }).click();
    const restoreRow = page.locator('main tbody tr', { hasText: `#${restoreId}` });
    await restoreRow.waitFor();
    await expect(restoreRow.locator('.badge').textContent()).resolves.toBe('success');
    await expect(page.locator('main tbody tr').count()).resolves.toBe(1);
    await screenshot(page, 'restores');
    await page.goto(`${api.url}/#/databases/${databaseId}`);
    await page.getByRole('heading', { name: 'chinook', exact: true }).waitFor();
  });

  it('adds and edits a schedule, and previews a retention policy before saving it', async () => {
    const added = page.getByRole('form', { name: 'New schedule' });
    await added.getByLabel('Cron').fill('0 3 * * *');
    await added.getByRole('button', { name: 'Add schedule' }).click();
    const [schedule] = await waitFor(async () => {
      const { body } = await client.get(`/databases/${databaseId}/schedules`);
      return body.length === 1 ? body : undefined;
    }, 10_000);
    expect(schedule).toMatchObject({ cron: '0 3 * * *', timezone: 'UTC', enabled: true });
    const editor = page.getByRole('form', { name: `Schedule ${schedule.scheduleId}` });
    await editor.getByLabel('Cron').fill('15 4 * * 1');
    await editor.getByLabel('Time zone').fill('Europe/Paris');
    await editor.getByRole('button', { name: 'Save' }).click();
    const edited = await waitFor(async () => {
      const [listed] = (await client.get(`/databases/${databaseId}/schedules`)).body;
      return listed.cron === '15 4 * * 1' ? listed : undefined;
    }, 10_000);
    await page.getByRole('form', { name: `Schedule ${schedule.scheduleId}` }).getByText(/^next in /).waitFor();
    expect(edited).toMatchObject({ scheduleId: schedule.scheduleId, cron: '15 4 * * 1', timezone: 'Europe/Paris', enabled: true });

    const second = await client.backupAndWait(databaseId);
    expect(second.status).toBe('success');
    await page.reload();
    const retention = page.getByRole('form', { name: 'Retention policy' });
    await retention.getByLabel('Keep the last N').fill('1');
    await expect(retention.getByRole('button', { name: 'Save policy' }).isDisabled()).resolves.toBe(true);
    await retention.getByRole('button', { name: 'Preview' }).click();
    const preview = retention.getByRole('status', { name: 'Retention preview' });
    await expect(preview.locator('p').textContent()).resolves.toBe('Would delete 1 and keep 1 successful backups.');
    await expect(preview.locator('li').textContent()).resolves.toMatch(new RegExp(`^#${backupId} \\(.+\\): not among the last 1$`));
    expect((await client.get(`/databases/${databaseId}/retention`)).body.keepLast).toBeNull();
    await screenshot(page, 'retention-preview');
    await retention.getByRole('button', { name: 'Save policy' }).click();
    await retention.getByText('Saved.').waitFor();
    expect((await client.get(`/databases/${databaseId}/retention`)).body).toEqual({
      keepLast: 1,
      keepDays: null,
      gfs: { daily: null, weekly: null, monthly: null },
    });
  });

  let viewerKey: string;

  it('creates an API key shown once, which works with exactly its scopes', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    const form = page.getByRole('form', { name: 'Create an API key' });
    await form.getByLabel('Name').fill('on-call viewer');
    await form.getByRole('button', { name: 'Create key' }).click();
    viewerKey = (await page.getByTestId('new-api-key').textContent())!;
    expect(viewerKey).toMatch(/^dbb_[\w-]{43}$/);
    await page.locator('tr[data-api-key="on-call viewer"]').waitFor();
    const viewer = new ApiClient(api, viewerKey);
    expect((await viewer.get('/api-keys/current')).body).toMatchObject({ name: 'on-call viewer', scopes: ['read'] });
    expect((await viewer.post('/backups', { databaseId })).status).toBe(403);
    await screenshot(page, 'settings');
    await page.getByRole('button', { name: 'Done' }).click();
    await expect(page.getByTestId('new-api-key').count()).resolves.toBe(0);
  });

  it('a read-only key sees the data and no button that would change anything', async () => {
    // A phone that prefers dark: the console follows prefers-color-scheme.
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
    try {
      const viewerPage = await context.newPage();
      await signIn(viewerPage, viewerKey);
      await expect(viewerPage.evaluate(() => getComputedStyle(document.body).backgroundColor)).resolves.toBe('rgb(15, 18, 22)');
      await expect(viewerPage.locator('.identity').textContent()).resolves.toContain('on-call viewer (read)');
      await expect(viewerPage.getByRole('link', { name: 'Settings' }).count()).resolves.toBe(0);
      await viewerPage.getByRole('link', { name: 'chinook', exact: true }).click();
      const row = viewerPage.locator('tr[data-backup]').first();
      await row.getByRole('button', { name: 'Download' }).waitFor();
      await screenshot(viewerPage, 'read-only-phone');
      const buttons = await viewerPage.locator('main button').allTextContents();
      expect([...new Set(buttons)].sort()).toEqual(['Copy', 'Download', 'Preview']);
      await expect(viewerPage.locator('main input:not([disabled]):not([type=search])').count()).resolves.toBe(0);
      await viewerPage.goto(`${api.url}/#/settings`);
      await expect(viewerPage.locator('main').textContent()).resolves.toBe('Settings need an API key with the admin scope.');
    } finally {
      await context.close();
    }
  });

  it('revokes the key: the next request with it gets 401', async () => {
    page.once('dialog', (dialog) => void dialog.accept());
    await page.locator('tr[data-api-key="on-call viewer"]').getByRole('button', { name: 'Revoke' }).click();
    await page.locator('tr[data-api-key="on-call viewer"]').waitFor({ state: 'detached' });
    const answer = await new ApiClient(api, viewerKey).get('/api-keys/current');
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ error: 'Missing or invalid API key' });
    await expect(page.locator('tr[data-api-key="ADMIN_API_KEY"]').count()).resolves.toBe(1);
  });

  it(`shows ${FLEET_DATABASES} databases with ${FLEET_BACKUPS_EACH} backups each within 1 s of signing in`, async () => {
    await worker?.stop();
    worker = undefined;
    await seedFleet(env.metadataDatabase);
    const plan = await withClient(env.metadataDatabase, (c) => c.query(`EXPLAIN ${OVERVIEW_SQL}`));
    const planText = plan.rows.map((row) => row['QUERY PLAN']).join('\n');
    // Every backups read is a short index range per database, whatever the table's size.
    expect(planText).not.toMatch(/Seq Scan on backups/);
    expect(planText).toContain('backups_database_status_idx');

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const fleetPage = await context.newPage();
      await fleetPage.goto(`${api.url}/`);
      await fleetPage.getByLabel('API key').fill(env.adminKey);
      const total = FLEET_DATABASES + 2;
      // Measured in the browser: from the click on "Sign in" to the last overview row on screen.
      const elapsedMs = await fleetPage.evaluate(
        (rows) =>
          new Promise<number>((resolve) => {
            const started = performance.now();
            const check = () =>
              document.querySelectorAll('table.overview tbody tr').length >= rows ? resolve(performance.now() - started) : requestAnimationFrame(check);
            document.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
            check();
          }),
        total,
      );
      await expect(fleetPage.locator('table.overview tbody tr').count()).resolves.toBe(total);
      const firstRows = await fleetPage.locator('table.overview tbody tr').evaluateAll((rows) =>
        rows.slice(0, 5).map((row) => `${row.getAttribute('data-database')} ${row.querySelector('.badge')!.textContent}`),
      );
      expect(firstRows).toEqual(['fleet_003 failed', 'fleet_017 failed', 'fleet_025 missed', 'chinook-copy never', 'fleet_011 warning']);
      await expect(fleetPage.locator('tr[data-database="fleet_040"] .badge', { hasText: 'backup running' }).count()).resolves.toBe(1);
      await screenshot(fleetPage, 'overview', false);
      await expect(fleetPage.locator('tr[data-database="fleet_007"] polyline').getAttribute('points')).resolves.toMatch(/^(\S+ ){29}\S+$/);
      await screenshot(fleetPage, 'overview-fleet');
      process.stdout.write(`overview of ${total} databases rendered ${elapsedMs.toFixed(0)} ms after sign-in\n`);
      expect(elapsedMs).toBeLessThan(1000);
    } finally {
      await context.close();
    }
    const errors = pageErrors.filter((text) => /Content Security Policy|Uncaught/.test(text));
    expect(errors).toEqual([]);
  });
});

/**
 * 50 registered databases with 20,000 backups each (one an hour, one in 97 failed), written directly, and a few that
 * need attention: fleet_003 and fleet_017 failed last, fleet_025 missed its hourly schedule, fleet_011's last backup
 * is anomalous, fleet_040 is running a backup.
 */
async function seedFleet(metadataDatabase: string): Promise<void> {
  await withClient(metadataDatabase, async (c) => {
    await c.query(
      `INSERT INTO databases (name, engine, host, port, database, username)
       SELECT format('fleet_%s', lpad(i::text, 3, '0')), 'postgres', '127.0.0.1', 5432, format('fleet_%s', i), 'backup'
         FROM generate_series(1, $1::int) i`,
      [FLEET_DATABASES],
    );
    await c.query(
      `INSERT INTO backups (database_id, status, trigger, requested_at, started_at, finished_at, storage_key, size_bytes, checksum, engine)
       SELECT d.id, CASE WHEN g % 97 = 0 THEN 'failed' ELSE 'success' END, 'schedule',
              now() - make_interval(hours => $1::int - g), now() - make_interval(hours => $1::int - g),
              now() - make_interval(hours => $1::int - g) + interval '40 seconds',
              format('fleet/%s/%s', d.id, g), 1000000 + g * 20 + (30000 * sin(g / 3.0 + d.id))::bigint + (g * 7919) % 9000, repeat('a', 64), 'postgres'
         FROM databases d CROSS JOIN generate_series(1, $1::int) g
        WHERE d.name LIKE 'fleet\\_%'`,
      [FLEET_BACKUPS_EACH],
    );
    await c.query(
      `UPDATE backups SET status = 'failed', error = 'pg_dump: error: connection to server at "10.0.4.17", port 5432 failed: Connection refused'
        WHERE id IN (SELECT max(b.id) FROM backups b JOIN databases d ON d.id = b.database_id WHERE d.name IN ('fleet_003', 'fleet_017') GROUP BY d.id)`,
    );
    await c.query(
      `UPDATE backups SET anomalies = '[{"kind": "size-shrink", "value": 400000, "median": 1400000, "sampleSize": 10,
                                          "message": "The file is 71% smaller than the median of the last 10 successful backups"}]'::jsonb
        WHERE id = (SELECT max(b.id) FROM backups b JOIN databases d ON d.id = b.database_id WHERE d.name = 'fleet_011')`,
    );
    await c.query(
      `DELETE FROM backups WHERE requested_at > now() - interval '5 hours'
          AND database_id = (SELECT id FROM databases WHERE name = 'fleet_025')`,
    );
    await c.query(
      `INSERT INTO schedules (database_id, kind, cron, timezone, enabled, created_at, updated_at)
       SELECT id, 'backup', '0 * * * *', 'UTC', true, now() - interval '30 days', now() - interval '30 days' FROM databases WHERE name = 'fleet_025'`,
    );
    await c.query(
      `INSERT INTO backups (database_id, status, trigger, requested_at, started_at, engine)
       SELECT id, 'running', 'manual', now(), now(), 'postgres' FROM databases WHERE name = 'fleet_040'`,
    );
    await c.query('ANALYZE databases');
    await c.query('ANALYZE backups');
  });
}
