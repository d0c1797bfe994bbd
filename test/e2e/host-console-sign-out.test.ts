import { describe, expect, it } from 'vitest';
import { TEST_PASSWORD } from '../../server/test/support/hosts.js';
import { openPage } from '../support/browser.js';
import { testConfig } from '../support/config.js';
import { useConsoleStack } from '../support/console.js';

const config = testConfig();
const stack = useConsoleStack(config);

const SESSION_KEY = 'rallyboard.console.session';

describe("the host console's sign-out", () => {
  it('ends the sign-in on the server: the token the console held is refused afterwards', async () => {
    const { page, context, errors } = await openPage(stack.browser, `${stack.server.url}/console`);
    await page.waitForURL(/#\/login$/);
    await page.getByLabel('用户名').fill(stack.host.username);
    await page.getByLabel('密码').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByRole('heading', { name: '我的活动' }).waitFor();
    const session = await page.evaluate((key) => sessionStorage.getItem(key), SESSION_KEY);
    const { token } = JSON.parse(session ?? '{}') as { token: string };
    const me = () =>
      fetch(`${stack.server.url}/api/host/me`, { headers: { authorization: `Bearer ${token}` } });
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
