import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './browser.js';

/** A fresh Chromium profile (so nothing is remembered from an earlier run), removed by close(). */
export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'dbbackup-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    acceptDownloads: true,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** What Swagger UI shows after Execute. */
export interface ExecutedResponse {
  status: number;
  /** The response body as Swagger UI prints it (empty for a file, which it offers as a download link). */
  text: string;
}

/** One operation of the Swagger UI page, driven as a person does: expand, Try it out, fill in, Execute. */
export class SwaggerOperation {
  readonly block: Locator;

  constructor(
    readonly page: Page,
    tag: string,
    operationId: string,
  ) {
    this.block = page.locator(`[id="operations-${tag}-${operationId}"]`);
  }

  async tryItOut(): Promise<void> {
    if (!(await this.block.locator('.opblock-body').isVisible())) await this.block.locator('.opblock-summary').first().click();
    // Already tried out: the button reads Cancel instead.
    const tryItOut = this.block.locator('button.try-out__btn', { hasText: 'Try it out' });
    if (await tryItOut.count()) await tryItOut.click();
    await this.block.locator('button.execute').waitFor();
  }

  /** The inputs of the parameters a place (query, path, header) holds, by name. */
  parameterInputs(place: 'query' | 'path' | 'header'): Locator {
    return this.block.locator(`tr[data-param-in="${place}"]`);
  }

  async fillParameter(name: string, value: string): Promise<void> {
    await this.block.locator(`tr[data-param-name="${name}"] input`).fill(value);
  }

  /** The request body exactly as Swagger UI pre-filled it. */
  async bodyText(): Promise<string> {
    return this.block.locator('textarea.body-param__text').inputValue();
  }

  async fillBody(text: string): Promise<void> {
    await this.block.locator('textarea.body-param__text').fill(text);
  }

  async execute(): Promise<ExecutedResponse> {
    const live = this.block.locator('.live-responses-table .response');
    await this.block.locator('button.execute').click();
    await live.locator('.response-col_status').waitFor({ timeout: 90_000 });
    const status = Number((await live.locator('.response-col_status').textContent())?.trim());
    const body = live.locator('.response-col_description .highlight-code').first();
    const text = (await body.count()) ? ((await body.locator('pre, code').first().textContent()) ?? '') : '';
    return { status, text };
  }

  /** Execute, expecting `status`; returns the parsed JSON body. */
  async executeJson(status: number): Promise<any> {
    const response = await this.execute();
    if (response.status !== status) throw new Error(`Expected ${status}, got ${response.status}: ${response.text}`);
    return JSON.parse(response.text);
  }

  /** Clears the previous answer, so that the next Execute is read fresh. */
  async clear(): Promise<void> {
    const clear = this.block.locator('button.btn-clear');
    if (await clear.isVisible()) await clear.click();
  }
}
