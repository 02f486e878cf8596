import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { API_TAGS } from '../src/core/http/swagger.js';
import { ApiClient } from './support/api-client.js';
import { pgAllTableFingerprints, pgSchemaDump } from './support/pg-fidelity.js';
import { createDatabase, loadChinook } from './support/postgres.js';
import { type ApiProcess, type ServiceProcess, startApi, startWorker } from './support/service-processes.js';
import { type Browser, launchBrowser, SwaggerOperation } from './support/swagger-ui.js';
import { createTestEnv, PG_HOST, PG_PORT, PG_USER, type TestEnv } from './support/test-env.js';

/**
 * A person's first hour, in Debian's Chromium against a real API and worker: Authorize, register the Chinook
 * database, trigger a backup, list it, download it and restore it, with exactly the values Swagger UI pre-fills
 * (only the ids replaced, and the connection details of the database to register).
 */
describe('Swagger UI in a real browser', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let worker: ServiceProcess;
  let client: ApiClient;
  let browser: Browser;
  let document: any;
  let source: string;
  let target: string;
  const requested: string[] = [];
  /** What the browser reports when the page's Content-Security-Policy stops something. */
  const blocked: string[] = [];
  const failedRequests: string[] = [];
  /** Swagger UI's own files that did not load (the API's answers to Execute may be errors on purpose). */
  const failedAssets: string[] = [];

  /** The operation the document gives for a method and path, as Swagger UI renders it. */
  function operation(method: string, path: string): SwaggerOperation {
    const found = document.paths[path]?.[method];
    if (!found) throw new Error(`No ${method} ${path} in the document`);
    return new SwaggerOperation(browser.page, found.tags[0], found.operationId);
  }

  async function openDocs(): Promise<void> {
    await browser.page.goto(`${api.url}/docs`);
    await browser.page.locator('.swagger-ui .information-container .title').waitFor();
    await browser.page.locator('h3.opblock-tag').first().waitFor();
  }

  /** Registers a database on the shared server through POST /databases, as a person fills the pre-filled body in. */
  async function registerInUi(name: string, database: string): Promise<string> {
    const register = operation('post', '/databases');
    await register.tryItOut();
    const body = JSON.parse(await register.bodyText());
    await register.fillBody(JSON.stringify({ ...body, name, host: PG_HOST, port: PG_PORT, database, username: PG_USER, password: 'trust-auth-ignores-it' }, null, 2));
    const created = await register.executeJson(201);
    expect(created).toMatchObject({ name, engine: 'postgres', database });
    await register.clear();
    return created.databaseId;
  }

  beforeAll(async () => {
    env = await createTestEnv();
    source = `chinook_ui_${env.id}`;
    target = `chinook_ui_copy_${env.id}`;
    env.ownedDatabases.push(source, target);
    await Promise.all([createDatabase(source), createDatabase(target)]);
    await loadChinook(source);
    [api, worker] = await Promise.all([startApi(env.vars), startWorker(env.vars)]);
    client = new ApiClient(api);
    document = (await client.get('/docs-json')).body;
    browser = await launchBrowser();
    browser.page.on('request', (request) => requested.push(request.url()));
    browser.page.on('requestfailed', (request) => failedRequests.push(`${request.url()}: ${request.failure()?.errorText}`));
    browser.page.on('response', (response) => {
      if (response.url().startsWith(`${api.url}/docs`) && response.status() >= 400) failedAssets.push(`${response.url()}: ${response.status()}`);
    });
    browser.page.on('console', (message) => {
      if (message.type() === 'error' && /Content.Security.Policy|Refused to/i.test(message.text())) blocked.push(message.text());
    });
    await openDocs();
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([api?.stop(), worker?.stop()]);
    await env?.cleanup();
  });

  it('prints one line, once ready, with the API URL and the Swagger UI URL', async () => {
    const line = `API ready: ${api.url} (Swagger UI: ${api.url}/docs)`;
    await api.waitForOutput(line);
    // stdout is a pipe here: the logs are JSON, and the line is one of them.
    const ready = api.output.split('\n').filter((text) => text.includes('API ready'));
    expect(ready.map((text) => JSON.parse(text).msg)).toEqual([line]);
  });

  it('loads Swagger UI from the API itself, within its Content-Security-Policy', async () => {
    const page = await fetch(`${api.url}/docs`);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await browser.page.locator('.swagger-ui .information-container .title').textContent()).toContain('Database backup service');
    expect(requested.filter((url) => !url.startsWith(`${api.url}/`) && !/^(data|blob):/.test(url))).toEqual([]);
    expect(requested).toEqual(expect.arrayContaining([`${api.url}/docs/swagger-ui-bundle.js`, `${api.url}/docs/swagger-ui-init.js`]));
    expect(blocked).toEqual([]);
    expect(failedRequests).toEqual([]);
    expect(failedAssets).toEqual([]);
  });

  it("shows the tags in a person's order, each with its description, under a Getting started guide", async () => {
    const { page } = browser;
    const tags = page.locator('h3.opblock-tag');
    expect(await tags.evaluateAll((headers) => headers.map((header) => header.getAttribute('data-tag')))).toEqual(API_TAGS.map((tag) => tag.name));
    for (const [index, tag] of API_TAGS.entries()) expect(await tags.nth(index).textContent()).toContain(tag.description);
    const guide = page.locator('.information-container .description');
    expect(await guide.locator('h3').allTextContents()).toEqual(['Getting started']);
    expect(await guide.locator('ol > li').count()).toBe(5);
    expect(await guide.locator('ol > li strong').allTextContents()).toEqual([
      'Authorize',
      'Register a database',
      'Trigger a backup',
      'Follow it',
      'Download or restore it',
    ]);
  });

  it('authorizes with an API key', async () => {
    const { page } = browser;
    await page.locator('.auth-wrapper button.authorize').click();
    const modal = page.locator('.modal-ux');
    await modal.locator('input').fill(env.adminKey);
    await modal.locator('button.authorize').click();
    await modal.locator('button.btn-done').click();
    await expect(page.locator('.auth-wrapper button.authorize.locked').count()).resolves.toBe(1);
  });

  let databaseId: string;
  let backup: any;

  it('registers the Chinook database', async () => {
    databaseId = await registerInUi('chinook', source);
    expect(databaseId).toMatch(/^\d+$/);
  });

  it('triggers a backup with the pre-filled body, only the id replaced; Location is no request field', async () => {
    const trigger = operation('post', '/backups');
    await trigger.tryItOut();
    expect(await trigger.parameterInputs('header').count()).toBe(0);
    expect(await trigger.block.locator('.parameters-container').textContent()).not.toContain('Location');
    const prefilled = await trigger.bodyText();
    expect(JSON.parse(prefilled)).toEqual({ databaseId: 'REPLACE_WITH_DATABASE_ID' });
    await trigger.fillBody(prefilled.replace('REPLACE_WITH_DATABASE_ID', databaseId));
    const triggered = await trigger.executeJson(202);
    expect(triggered).toEqual({ message: `Backup triggered for database ID ${databaseId}`, backupId: expect.stringMatching(/^\d+$/), status: 'queued' });

    const follow = operation('get', '/backups/{backupId}');
    await follow.tryItOut();
    expect(await follow.block.locator('tr[data-param-name="waitSeconds"] input').inputValue()).toBe('');
    await follow.fillParameter('backupId', triggered.backupId);
    await follow.fillParameter('waitSeconds', '60');
    backup = await follow.executeJson(200);
    expect(backup).toMatchObject({ backupId: triggered.backupId, databaseId, databaseName: 'chinook', status: 'success', error: null });
  });

  it('lists backups with no filter pre-filled, and sees it', async () => {
    const list = operation('get', '/backups');
    await list.tryItOut();
    const filters = list.parameterInputs('query');
    expect(await filters.evaluateAll((rows) => rows.map((row) => row.getAttribute('data-param-name')))).toEqual([
      'databaseId',
      'status',
      'since',
      'until',
      'limit',
      'cursor',
    ]);
    const values = await filters.locator('input, select').evaluateAll((fields) => fields.map((field) => (field as unknown as { value: string }).value));
    expect(values).toEqual(['', '', '', '', '', '']);
    expect(await list.executeJson(200)).toEqual([
      { backupId: backup.backupId, databaseId, databaseName: 'chinook', status: 'success', timestamp: backup.timestamp, trigger: 'manual' },
    ]);
  });

  it('downloads it: the bytes stored, with their checksum', async () => {
    const download = operation('get', '/backups/{backupId}/download');
    await download.tryItOut();
    await download.fillParameter('backupId', backup.backupId);
    expect((await download.execute()).status).toBe(200);
    const [file] = await Promise.all([browser.page.waitForEvent('download'), download.block.locator('.live-responses-table a[download]').click()]);
    const bytes = await readFile(await file.path());
    expect(file.suggestedFilename()).toBe(`chinook-${backup.fileLocation.split('/').pop()}`);
    expect(bytes.length).toBe(backup.sizeBytes);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(backup.checksum);
  });

  it('restores it with the pre-filled body, only the target id replaced; an unreplaced id is a 404 naming the target', async () => {
    const targetId = await registerInUi('chinook copy', target);
    const restore = operation('post', '/backups/{backupId}/restore');
    expect(await restore.block.evaluate((block) => block.closest('.opblock-tag-section')?.querySelector('h3')?.getAttribute('data-tag'))).toBe('backups');
    await restore.tryItOut();
    await restore.fillParameter('backupId', backup.backupId);
    const prefilled = await restore.bodyText();
    expect(JSON.parse(prefilled)).toEqual({ targetDatabaseId: 'REPLACE_WITH_TARGET_DATABASE_ID' });

    const unreplaced = await restore.execute();
    expect([unreplaced.status, JSON.parse(unreplaced.text)]).toEqual([
      404,
      { error: 'Target database not found: targetDatabaseId is not the ID of a registered database' },
    ]);
    await restore.clear();

    await restore.fillBody(prefilled.replace('REPLACE_WITH_TARGET_DATABASE_ID', targetId));
    const requested = await restore.executeJson(202);
    expect(requested).toEqual({
      message: `Restore of backup ${backup.backupId} into database ID ${targetId} triggered`,
      restoreId: expect.stringMatching(/^\d+$/),
      status: 'queued',
    });

    const follow = operation('get', '/restores/{restoreId}');
    await follow.tryItOut();
    await follow.fillParameter('restoreId', requested.restoreId);
    await follow.fillParameter('waitSeconds', '60');
    const restored = await follow.executeJson(200);
    expect(restored).toMatchObject({ restoreId: requested.restoreId, backupId: backup.backupId, targetDatabaseId: targetId, status: 'success', error: null });
    expect(restored.verification).toMatchObject({ status: 'passed', differences: [] });
    // The copy holds exactly the source: every object's definition, every row, every sequence.
    expect(await pgSchemaDump(target)).toBe(await pgSchemaDump(source));
    expect(await pgAllTableFingerprints(target)).toEqual(await pgAllTableFingerprints(source));
  });

  it('keeps the authorization across a reload', async () => {
    await browser.page.reload();
    await openDocs();
    expect(await browser.page.locator('.auth-wrapper button.authorize.locked').count()).toBe(1);
    const list = operation('get', '/backups');
    await list.tryItOut();
    expect((await list.executeJson(200)).map((item: { backupId: string }) => item.backupId)).toEqual([backup.backupId]);
    expect([blocked, failedRequests, failedAssets]).toEqual([[], [], []]);
  });
});
