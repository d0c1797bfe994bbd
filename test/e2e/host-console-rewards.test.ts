import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHost, type TestHost } from '../../server/test/support/hosts.js';
import { launchChromium, openPage, screenshot } from '../support/browser.js';
import { createLiveCampaign } from '../support/campaigns.js';
import { randomId, testConfig } from '../support/config.js';
import { signInToConsole } from '../support/console.js';
import { startTestServer, type TestServer } from '../support/stack.js';

// The console's 奖励 tab in Chromium: a coupon pool added, a CSV with bad lines refused line by
// line with nothing imported, then imported; a rule added with the terms participants read; the
// platform rule that keeps shares, invitations and payments out said on the page; a rule paused.
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

describe("the host console's rewards", () => {
  it('imports coupon codes all or nothing, adds a rule with its terms, and pauses it', async () => {
    const campaignId = randomId('c');
    await createLiveCampaign(server.deps.mongo, campaignId, { createdBy: host.id, title: '奶茶节投票' });
    const { page, context, errors } = await openPage(browser, `${server.url}/console`);
    page.setDefaultTimeout(8_000);
    await signInToConsole(page, host.username);
    await page.goto(`${server.url}/console#/campaigns/${campaignId}/rewards`);
    await page.getByRole('heading', { name: '奖励规则' }).waitFor();
    expect(await page.locator('.compliance').textContent()).toContain(
      '分享、邀请、助力和付费都不能作为奖励条件',
    );

    await page.getByLabel('券池名称').fill('奶茶券');
    await page.getByLabel('每人最多').fill('1');
    await page.getByLabel('有效期至').fill('2099-06-30');
    await page.getByRole('button', { name: '添加券池' }).click();
    const pool = page.locator('li.coupon-pool', { hasText: '奶茶券' });
    await pool.waitFor();
    expect(await pool.locator('.stock').textContent()).toContain('共 0 · 剩余 0');

    const codes = page.getByLabel('「奶茶券」的券码（每行一个）');
    await codes.fill('TEA-0001\nbad code\nTEA-0001');
    await pool.getByRole('button', { name: '导入券码' }).click();
    const bad = pool.locator('.bad-lines li');
    await bad.first().waitFor();
    expect(await bad.allTextContents()).toEqual([
      '第 2 行「bad code」：格式不对',
      '第 3 行「TEA-0001」：文件内重复',
    ]);
    expect(await pool.locator('.stock').textContent()).toContain('共 0 · 剩余 0');
    await codes.fill('TEA-0001\nTEA-0002');
    await pool.getByRole('button', { name: '导入券码' }).click();
    await pool.locator('.stock', { hasText: '共 2 · 剩余 2' }).waitFor();

    await page.getByLabel('规则名称').fill('每日领券');
    await page.getByLabel('奖励内容').selectOption('coupon');
    await page.getByLabel('券池', { exact: true }).selectOption({ label: '奶茶券' });
    await page.getByRole('button', { name: '添加规则' }).click();
    const rule = page.locator('li.reward-rule', { hasText: '每日领券' });
    await rule.waitFor();
    expect(await rule.locator('.terms').textContent()).toContain('「奶茶券」一张（每人最多 1 张，剩余 2 张');
    await screenshot(page, 'console-rewards');
    await rule.getByRole('button', { name: '暂停「每日领券」' }).click();
    await rule.locator('.badge', { hasText: '已暂停' }).waitFor();
    // The refused import's 422 is the browser's only complaint.
    expect(errors).toEqual([
      'console: Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)',
    ]);
    await context.close();
  });
});
