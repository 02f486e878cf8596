// page.evaluate callbacks run in the browser, hence the DOM types.
/// <reference lib="dom" />
import { createHmac } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { ApiClient } from './support/api-client.js';
import { collectPageErrors, launchChromium, screenshot } from './support/browser.js';
import { scratchDatabasesOfDrill } from './support/drill-scratch.js';
import { createDatabase, createLockableDatabase, heldDumpSessions, loadChinook, lockTable, type TableLock } from './support/postgres.js';
import { S3RVER_ACCESS_KEY_ID, S3RVER_SECRET_ACCESS_KEY, type S3TestServer, startS3Server } from './support/s3-server.js';
import { type ApiProcess, type ServiceProcess, startApi, startWorker, waitFor } from './support/service-processes.js';
import { createTestEnv, PG_HOST, PG_PORT, PG_USER, postgresRegistration, type TestEnv } from './support/test-env.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

/** The console's durations, as formatDuration (web/src/lib/format.ts) writes seconds under a minute. */
function shownSeconds(seconds: number): string {
  return `${Math.round(seconds * 10) / 10} s`;
}

/**
 * The console's settings forms, restore drills and live progress in Debian's Chromium, against the real API, a
 * worker, PostgreSQL (also the drills' sandbox), Redis, an S3 server and a webhook receiver.
 */
describe('Web console: settings, drills and live progress', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let worker: ServiceProcess;
  let client: ApiClient;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[];
  let receiver: WebhookReceiver;
  let s3: S3TestServer;
  let lock: TableLock | undefined;
  let source: string;
  let slow: string;

  beforeAll(async () => {
    // The receiver and the S3 server listen on loopback, which the service may reach only when the allowlist names it.
    env = await createTestEnv({ TARGET_HOST_ALLOWLIST: `${PG_HOST}, 127.0.0.1` });
    source = `cdrill_src_${env.id}`;
    slow = `cdrill_slow_${env.id}`;
    env.ownedDatabases.push(source, slow);
    await Promise.all([createDatabase(source), createLockableDatabase(slow)]);
    await loadChinook(source);
    [receiver, s3] = await Promise.all([new WebhookReceiver().start(), startS3Server('console-bucket')]);
    [api, worker, browser] = await Promise.all([startApi(env.vars), startWorker(env.vars), launchChromium()]);
    client = new ApiClient(api);
    page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    pageErrors = collectPageErrors(page);
    await page.goto(`${api.url}/`);
    await page.getByLabel('API key').fill(env.adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
  });

  afterAll(async () => {
    await lock?.release();
    await browser?.close();
    await Promise.all([api?.stop(), worker?.stop()]);
    await Promise.all([receiver?.stop(), s3?.stop()]);
    await env?.cleanup();
  });

  async function openSettings(): Promise<void> {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
  }

  it('adds the drills’ sandbox from Settings', async () => {
    await openSettings();
    const form = page.getByRole('form', { name: 'Add a sandbox' });
    await form.getByLabel('Name').fill('local-pg');
    await form.getByLabel('Host').fill(PG_HOST);
    await form.getByLabel('Port').fill(String(PG_PORT));
    await form.getByLabel('User').fill(PG_USER);
    await form.getByRole('button', { name: 'Add sandbox' }).click();
    await expect(form.getByRole('status').textContent()).resolves.toBe('Sandbox local-pg added.');
    await page.locator('li[data-sandbox="local-pg"]').waitFor();
    const sandboxes = (await client.get('/sandboxes')).body;
    expect(sandboxes).toEqual([
      expect.objectContaining({ name: 'local-pg', engine: 'postgres', host: PG_HOST, port: PG_PORT, maintenanceDatabase: 'postgres', username: PG_USER }),
    ]);
  });

  let webhookSecret: string;

  it('adds a webhook for drill events from Settings; its secret is shown once', async () => {
    const form = page.getByRole('form', { name: 'Add a webhook' });
    await form.getByLabel('URL').fill(receiver.url('/drills'));
    for (const event of ['backup.succeeded', 'backup.failed', 'restore.succeeded', 'restore.failed', 'schedule.missed']) {
      await form.getByLabel(event, { exact: true }).uncheck();
    }
    await form.getByLabel('drill.succeeded', { exact: true }).check();
    await form.getByLabel('drill.failed', { exact: true }).check();
    await form.getByRole('button', { name: 'Add webhook' }).click();
    webhookSecret = (await page.getByTestId('new-webhook-secret').textContent())!;
    expect(webhookSecret.length).toBeGreaterThanOrEqual(16);
    await page.locator(`li[data-webhook="${receiver.url('/drills')}"]`).waitFor();
    expect((await client.get('/webhooks')).body).toEqual([
      expect.objectContaining({ url: receiver.url('/drills'), databaseId: null, events: ['drill.succeeded', 'drill.failed'], enabled: true }),
    ]);
    await form.getByRole('button', { name: 'Done' }).click();
    await expect(page.getByTestId('new-webhook-secret').count()).resolves.toBe(0);
  });

  it('adds an S3 storage target from Settings and tests it at once; a wrong bucket shows the API’s error', async () => {
    const form = page.getByRole('form', { name: 'Add a storage target' });
    const fill = async (bucket: string, name: string) => {
      await form.getByLabel('Name').fill(name);
      await form.getByLabel('Bucket').fill(bucket);
      await form.getByLabel('Endpoint').fill(s3.endpoint);
      await form.getByLabel(/path-style/).check();
      await form.getByLabel('Access key ID').fill(S3RVER_ACCESS_KEY_ID);
      await form.getByLabel('Secret access key').fill(S3RVER_SECRET_ACCESS_KEY);
      await form.getByRole('button', { name: 'Add and test' }).click();
    };
    await fill('console-bucket', 'offsite');
    await expect(form.getByRole('status').textContent()).resolves.toBe('Added offsite: tested, reachable.');
    await page.locator('li[data-storage-target="offsite"]').waitFor();
    await fill('no-such-bucket', 'nowhere');
    await form.getByRole('status').filter({ hasText: 'Added nowhere' }).waitFor();
    await expect(form.getByRole('status').textContent()).resolves.toMatch(/^Added nowhere: the test failed \(Storage target check failed: .+\)$/);
    const targets = (await client.get('/storage-targets')).body;
    expect(targets.map((target: { name: string; bucket: string; endpoint: string; forcePathStyle: boolean }) => [target.name, target.bucket, target.endpoint, target.forcePathStyle])).toEqual([
      ['offsite', 'console-bucket', s3.endpoint, true],
      ['nowhere', 'no-such-bucket', s3.endpoint, true],
    ]);
    expect((await client.post(`/storage-targets/${targets[0].storageTargetId}/test`)).body).toEqual({ ok: true });
    await screenshot(page, 'settings-forms');
  });

  let databaseId: string;
  let drillId: string;

  it('runs a drill from the database page with a probe; it succeeds with its restore time on the page and the overview', async () => {
    databaseId = (await client.post('/databases', postgresRegistration('chinook', source))).body.databaseId;
    expect((await client.backupAndWait(databaseId, 180_000)).status).toBe('success');
    await page.goto(`${api.url}/#/databases/${databaseId}`);
    await page.getByRole('heading', { name: 'chinook', exact: true }).waitFor();
    await expect(page.locator('.last-drill').textContent()).resolves.toBe('Last drill: none');

    await page.getByRole('button', { name: 'Run drill…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Sandbox').selectOption({ label: `local-pg (${PG_HOST}:${PG_PORT})` });
    await dialog.getByLabel('Query').fill('select count(*) from artist');
    await dialog.getByLabel('Comparison').selectOption('=');
    await dialog.getByLabel('Expected').fill('275');
    await screenshot(page, 'drill-dialog');
    await dialog.getByRole('button', { name: 'Start drill' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Drill of' }).textContent()).resolves.toBe(`Drill of database ID ${databaseId} triggered`);
    const [listed] = (await client.get(`/drills?databaseId=${databaseId}`)).body;
    drillId = listed.drillId;
    expect(listed).toMatchObject({ sandboxId: expect.any(String), probe: { sql: 'select count(*) from artist', expect: { op: '=', value: 275 } } });

    const row = page.locator(`tr[data-drill="${drillId}"]`);
    await row.locator('.badge', { hasText: 'success' }).first().waitFor({ timeout: 180_000 });
    const drill = (await client.get(`/drills/${drillId}`)).body;
    expect(drill).toMatchObject({ status: 'success', probeResult: { passed: true, value: '275', reason: null }, scratchDropped: true });
    expect(drill.restoreTimeSeconds).toBeGreaterThan(0);
    const restoreTime = shownSeconds(drill.restoreTimeSeconds);
    await expect(row.locator('td[data-label="Restore time"]').textContent()).resolves.toBe(restoreTime);
    await expect(row.locator('td[data-label="Probe"]').textContent()).resolves.toBe('passed 275');
    await expect(row.getByRole('button', { name: 'Cancel' }).count()).resolves.toBe(0);
    // The database (last drill, restore time) is fetched again when the drill finishes, without a reload.
    await page.locator('.last-drill', { hasText: `restore time ${restoreTime}` }).waitFor();
    await expect(page.locator('.last-drill').textContent()).resolves.toMatch(new RegExp(`^Last drill: success .+ ago · restore time ${restoreTime}$`));
    expect(await scratchDatabasesOfDrill(env.metadataDatabase, drillId)).toEqual([]);
    await screenshot(page, 'database-drills');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).click();
    const overviewRow = page.locator('tr[data-database="chinook"]');
    await overviewRow.waitFor();
    await expect(overviewRow.locator('td[data-label="Last drill"]').innerText()).resolves.toMatch(new RegExp(`^success .+ ago\\s+restore ${restoreTime}$`));
  });

  it('the Drills page lists it, and the webhook added in Settings received drill.succeeded, signed with the secret shown', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Drills' }).click();
    await page.getByRole('heading', { name: 'Drills', level: 1 }).waitFor();
    const row = page.locator(`tr[data-drill="${drillId}"]`);
    await row.waitFor();
    await expect(row.locator('td[data-label="Database"]').textContent()).resolves.toBe('chinook');
    await expect(row.locator('td[data-label="Status"] .badge').textContent()).resolves.toBe('success');
    await expect(page.locator('main tbody tr').count()).resolves.toBe(1);
    await screenshot(page, 'drills');

    const [delivery] = await waitFor(async () => {
      const received = receiver.received('/drills');
      return received.length ? received : undefined;
    }, 30_000, 200);
    const payload = JSON.parse(delivery!.body);
    expect([payload.event, payload.drill.drillId]).toEqual(['drill.succeeded', drillId]);
    const signature = String(delivery!.headers['x-webhook-signature']);
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature)!;
    expect(v1).toBe(createHmac('sha256', webhookSecret).update(`${t}.${delivery!.body}`).digest('hex'));
  });

  it('shows a running backup’s live progress bar in the Backups list, gone once it succeeds', async () => {
    const slowId = (await client.post('/databases', postgresRegistration('slow', slow))).body.databaseId;
    const first = await client.backupAndWait(slowId, 180_000);
    expect(first.status).toBe('success');
    lock = await lockTable(slow);
    const backupId = (await client.post('/backups', { databaseId: slowId })).body.backupId;
    await waitFor(async () => ((await heldDumpSessions(slow)) === 1 ? true : undefined), 30_000);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Backups' }).click();
    const row = page.locator(`tr[data-backup="${backupId}"]`);
    await row.locator('.badge', { hasText: 'running' }).waitFor();
    const bar = row.getByRole('progressbar', { name: `Backup ${backupId} progress` });
    // Measured against the last backup's size (first.sizeBytes), once the worker has written its first progress.
    await row.locator('progress[value]').waitFor();
    await expect(bar.getAttribute('aria-valuetext')).resolves.toMatch(/^(connecting|dumping) · \d+(\.\d)? (B|KiB) \(last backup \d+(\.\d)? (B|KiB)\)$/);
    await expect(bar.getAttribute('max')).resolves.toBe('100');
    const lastSize = (await bar.getAttribute('aria-valuetext'))!.replace(/^.*\(last backup (.+)\)$/, '$1');
    expect(lastSize).toBe(first.sizeBytes < 1024 ? `${first.sizeBytes} B` : `${(first.sizeBytes / 1024).toFixed(first.sizeBytes < 10 * 1024 ? 1 : 0)} KiB`);
    await expect(page.locator(`tr[data-backup="${first.backupId}"] progress`).count()).resolves.toBe(0);
    await screenshot(page, 'backups-running');

    await lock.release();
    await row.locator('.badge', { hasText: 'success' }).waitFor({ timeout: 60_000 });
    await expect(row.locator('progress').count()).resolves.toBe(0);
    expect((await client.get(`/backups/${backupId}`)).body.status).toBe('success');
    const errors = pageErrors.filter((text) => /Content Security Policy|Uncaught/.test(text));
    expect(errors).toEqual([]);
  });
});
