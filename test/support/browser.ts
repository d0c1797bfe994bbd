import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, ensureChromium } from '../../scripts/services/chromium.js';

/** Screenshots and other files a browser test leaves for people to look at (git-ignored). */
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

const VIEWPORT_1080P = { width: 1920, height: 1080 } as const;
export const VIEWPORT_4K = { width: 3840, height: 2160 } as const;

/**
 * Debian's headless Chromium, driven by playwright-core. The global setup installed it already;
 * ensureChromium here only costs a check, and makes the helper work on its own (a bench script).
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = await ensureChromium();
  return chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS] });
}

export interface OpenedPage {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions of the page so far: a test can assert there were none. */
  errors: string[];
}

/** A fresh context (no shared storage between tests) with one page at `url`, loaded. */
export async function openPage(
  browser: Browser,
  url: string,
  viewport: { width: number; height: number } = VIEWPORT_1080P,
): Promise<OpenedPage> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, locale: 'zh-CN' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  await page.goto(url, { waitUntil: 'load' });
  return { context, page, errors };
}

/** Saves a full-viewport PNG under test-artifacts/ and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = `${ARTIFACTS}${name}.png`;
  // Let the bars finish sliding (ECharts animates a reorder for 400 ms): a picture, not a check.
  await page.waitForTimeout(600);
  await page.screenshot({ path, fullPage: false });
  return path;
}
