import type { Config } from '@rallyboard/core/config';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { createTestHost, TEST_PASSWORD, type TestHost } from '../../server/test/support/hosts.js';
import { launchChromium } from './browser.js';
import { startTestServer, type TestServer } from './stack.js';

/** Signs in to the console through its form, as a host would, and waits for 我的活动. */
export async function signInToConsole(page: Page, username: string): Promise<void> {
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(TEST_PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('heading', { name: '我的活动' }).waitFor();
}

/** Confirms the console's dialog (a real <dialog>, not window.confirm) with `button`. */
export async function confirmInConsole(page: Page, button: string): Promise<void> {
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  await dialog.getByRole('button', { name: button }).click();
  await dialog.waitFor({ state: 'hidden' });
}

/** A console test file's stack: its server, Chromium, and a host to sign in as. */
export interface ConsoleStack {
  server: TestServer;
  browser: Browser;
  host: TestHost;
}

/**
 * Starts the file's server and Chromium and creates a host before its tests (beforeAll), and
 * closes both after them. The fields are set once the file's tests run.
 */
export function useConsoleStack(config: Config): ConsoleStack {
  const stack = {} as ConsoleStack;
  beforeAll(async () => {
    [stack.server, stack.browser] = await Promise.all([startTestServer(config), launchChromium()]);
    stack.host = await createTestHost(stack.server);
  });
  afterAll(async () => {
    await stack.browser?.close();
    await stack.server?.close();
  });
  return stack;
}
