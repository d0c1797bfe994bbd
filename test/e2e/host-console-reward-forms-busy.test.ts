import type { Locator, Page, Route } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { openPage } from '../support/browser.js';
import { createLiveCampaign } from '../support/campaigns.js';
import { testConfig } from '../support/config.js';
import { signInToConsole, useConsoleStack } from '../support/console.js';
import { seedBoard } from '../support/stack.js';

// The 奖励 tab's forms in Chromium, each add held in flight (as a lottery's WeChat text check
// holds it for seconds): a double click or Enter sends one request, the button waits while it is
// on its way, and comes back after a failure so the host can try again.
const config = testConfig();
const stack = useConsoleStack(config);
let campaignId: string;

beforeAll(async () => {
  campaignId = await seedBoard(config, stack.server.deps.redis, stack.server.deps.mongo, ['alice', 'bob']);
  // A draft: every form on the tab is open.
  await createLiveCampaign(stack.server.deps.mongo, campaignId, {
    createdBy: stack.host.id,
    status: 'draft',
  });
});

interface RewardForm {
  form: string;
  /** The path the add posts to, under the campaign. */
  path: string;
  button: string;
  /** Fills the form with what its own checks accept; the last field filled takes the Enter. */
  fill(form: Locator): Promise<Locator>;
}

const FORMS: RewardForm[] = [
  {
    form: '添加抽奖',
    path: '/lotteries',
    button: '添加抽奖',
    async fill(form) {
      await form.getByLabel('抽奖名称').fill('终场抽奖');
      const prize = form.getByLabel('奖品 1 名称');
      await prize.fill('一等奖');
      return prize;
    },
  },
  {
    form: '添加配捐',
    path: '/matches',
    button: '添加配捐',
    async fill(form) {
      await form.getByLabel('赞助方').fill('爱心企业');
      await form.getByLabel('用途').fill('图书角');
      await form.getByLabel('每票配捐(元)').fill('0.5');
      const cap = form.getByLabel('上限(元)');
      await cap.fill('1000');
      return cap;
    },
  },
  {
    form: '添加奖励规则',
    path: '/reward-rules',
    button: '添加规则',
    async fill(form) {
      const name = form.getByLabel('规则名称');
      await name.fill('每日积分');
      return name;
    },
  },
  {
    form: '添加券池',
    path: '/coupon-pools',
    button: '添加券池',
    async fill(form) {
      await form.getByLabel('券池名称').fill('奶茶券');
      await form.getByLabel('有效期至').fill('2099-06-30');
      return form.getByLabel('券池名称');
    },
  },
  {
    form: '添加解锁内容',
    path: '/unlockables',
    button: '添加解锁内容',
    async fill(form) {
      await form.getByLabel('内容文字').fill('排练那天的花絮');
      const title = form.getByLabel('标题');
      await title.fill('花絮');
      return title;
    },
  },
];

/**
 * Holds the page's POSTs to `path` until `release`, then answers each 503: the adds the page sent
 * are counted, and none reaches the server.
 */
async function holdAdds(page: Page, path: string) {
  const url = `${stack.server.url}/api/campaigns/${campaignId}${path}`;
  let posts = 0;
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  await page.route(url, async (route: Route) => {
    if (route.request().method() !== 'POST') return route.fallback();
    posts += 1;
    await released;
    await route.fulfill({
      status: 503,
      contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'SERVICE_UNAVAILABLE', message: 'Try again.' } }),
    });
  });
  return { posts: () => posts, release };
}

describe('the 奖励 tab’s add buttons', () => {
  it.each(FORMS)(
    '$form: one add per double click or Enter while it is in flight, and a retry after a failure',
    async (spec) => {
      const { page, context } = await openPage(stack.browser, `${stack.server.url}/console`);
      page.setDefaultTimeout(8_000);
      await signInToConsole(page, stack.host.username);
      await page.goto(`${stack.server.url}/console#/campaigns/${campaignId}/rewards`);
      const form = page.getByRole('form', { name: spec.form });
      await form.waitFor();
      const last = await spec.fill(form);
      const held = await holdAdds(page, spec.path);
      const button = form.getByRole('button', { name: spec.button });

      await button.dblclick();
      await last.press('Enter');
      await expect.poll(held.posts).toBe(1);
      expect(await button.isDisabled()).toBe(true);
      // Whatever else was queued behind the first click has had its chance to go.
      await page.waitForTimeout(300);
      expect(held.posts()).toBe(1);

      held.release();
      await expect.poll(() => button.isEnabled()).toBe(true);
      expect(held.posts()).toBe(1);
      await button.click();
      await expect.poll(held.posts).toBe(2);
      await context.close();
    },
  );
});
