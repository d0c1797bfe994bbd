import type { Config } from '@rallyboard/core/config';
import { connectMongo } from '@rallyboard/core/db';
import type { Connection } from 'mongoose';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { createTestHost, TEST_PASSWORD, type TestHost } from '../../server/test/support/hosts.js';
import { launchChromium, openPage } from './browser.js';
import { startTestServer, startTestWorker, type TestServer } from './stack.js';

type TestWorker = Awaited<ReturnType<typeof startTestWorker>>;

/** Signs in to the console through its form, as a host would, and waits for 我的活动. */
export async function signInToConsole(page: Page, username: string): Promise<void> {
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(TEST_PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('heading', { name: '我的活动' }).waitFor();
}

/**
 * Opens the console in a new page of `browser`, signs in as `username` and goes to `path` (a
 * route of the console, e.g. `/campaigns/<id>/rewards`), ready once the heading shows; a step
 * slower than 8 s fails the test.
 */
export async function openConsoleAt(
  browser: Browser,
  baseUrl: string,
  username: string,
  path: string,
  heading: { name: string; exact?: boolean },
): Promise<Awaited<ReturnType<typeof openPage>>> {
  const opened = await openPage(browser, `${baseUrl}/console`);
  opened.page.setDefaultTimeout(8_000);
  await signInToConsole(opened.page, username);
  await opened.page.goto(`${baseUrl}/console#${path}`);
  await opened.page.getByRole('heading', heading).waitFor();
  return opened;
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

/** A console test file's stack with votes counted: its MongoDB connection and a worker too. */
export interface CountingConsoleStack extends ConsoleStack {
  mongo: Connection;
  worker: TestWorker;
}

/**
 * As useConsoleStack, with the file's own MongoDB connection (the server's too) and a worker in
 * process, so votes cast in the test are counted; all closed after the file's tests.
 */
export function useCountingConsoleStack(config: Config): CountingConsoleStack {
  const stack = {} as CountingConsoleStack;
  beforeAll(async () => {
    stack.mongo = await connectMongo(config.mongo.uri, 'test');
    [stack.server, stack.browser] = await Promise.all([
      startTestServer(config, stack.mongo),
      launchChromium(),
    ]);
    stack.worker = await startTestWorker(config, stack.mongo);
    stack.host = await createTestHost(stack.server);
  });
  afterAll(async () => {
    await stack.browser?.close();
    await stack.worker?.close();
    await stack.server?.close();
    await stack.mongo?.close();
  });
  return stack;
}
