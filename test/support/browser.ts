import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Screenshots of the browser tests: kept as CI artifacts, never committed (.gitignore). */
export const SCREENSHOTS_DIR = path.resolve('test-artifacts/screenshots');

/** Debian's chromium, installed by .ci/run; TEST_CHROMIUM names another. */
export const CHROMIUM = process.env.TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Headless, as root, and without the background traffic to hosts this machine cannot reach. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Playwright gives each launch a fresh temporary profile (user data dir) and removes it on close. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** The whole page, or with `fullPage: false` what the viewport shows (the README's pictures). */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<string> {
  await mkdir(SCREENSHOTS_DIR, { recursive: true });
  const file = path.join(SCREENSHOTS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  return file;
}

/** Errors the page logged (failed requests, CSP violations, uncaught exceptions), for exact "none" assertions. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}
