import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHost, TEST_PASSWORD, type TestHost } from '../../server/test/support/hosts.js';
import { launchChromium, openPage } from '../support/browser.js';
import { testConfig } from '../support/config.js';
import { startTestServer, type TestServer } from '../support/stack.js';

const config = testConfig();
let server: TestServer;
let browser: Browser;
let host: TestHost;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(config), launchChromium()]);
  host = await createTestHost(server);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const SESSION_KEY = 'rallyboard.console.session';

describe("the host console's sign-out", () => {
  it('ends the sign-in on the server: the token the console held is refused afterwards', async () => {
    const { page, context, errors } = await openPage(browser, `${server.url}/console`);
    await page.waitForURL(/#\/login$/);
    await page.getByLabel('用户名').fill(host.username);
    await page.getByLabel('密码').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByRole('heading', { name: '我的活动' }).waitFor();
    const session = await page.evaluate((key) => sessionStorage.getItem(key), SESSION_KEY);
    const { token } = JSON.parse(session ?? '{}') as { token: string };
    const me = () => fetch(`${server.url}/api/host/me`, { headers: { authorization: `Bearer ${token}` } });
    expect((await me()).status).toBe(200);

    await page.getByRole('button', { name: '退出登录' }).click();
    await page.waitForURL(/#\/login$/);
    await page.getByRole('button', { name: '登录' }).waitFor();
    expect(await page.evaluate((key) => sessionStorage.getItem(key), SESSION_KEY)).toBeNull();
    // Copied out of the browser before the sign-out, the token opens nothing now.
    expect((await me()).status).toBe(401);
    expect(errors).toEqual([]);
    await context.close();
  });
});
