import { campaignModel } from '@rallyboard/core/db';
import type { CouponPoolView } from '@rallyboard/core/protocol';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { call } from '../../server/test/support/hosts.js';
import { createLiveCampaign } from '../support/campaigns.js';
import { testConfig } from '../support/config.js';
import { openConsoleAt, useConsoleStack } from '../support/console.js';
import { seedBoard } from '../support/stack.js';

// The console's 奖励 tab on campaigns whose incentives are not public (a draft, an archived one):
// their public lists answer 404, and the tab lists the rules, lotteries and pledges set up before
// (the host's own lists), and the coupon pools; a pool added shows once, without an error; a rule
// added shows; 核销 goes to the pool chosen.
const config = testConfig();
const stack = useConsoleStack(config);

const asHost = <T>(method: string, path: string, body?: unknown) =>
  call<T>(stack.server, stack.host.token, method, path, body);

async function campaignIn(status: 'draft'): Promise<string> {
  const campaignId = await seedBoard(config, stack.server.deps.redis, stack.server.deps.mongo, [
    'alice',
    'bob',
  ]);
  await createLiveCampaign(stack.server.deps.mongo, campaignId, { createdBy: stack.host.id, status });
  return campaignId;
}

const openRewards = (campaignId: string) =>
  openConsoleAt(stack.browser, stack.server.url, stack.host.username, `/campaigns/${campaignId}/rewards`, {
    name: '奖励规则',
  });

/** The POSTs the page sends to a path ending in `suffix`, counted from now. */
function countPosts(page: Page, suffix: string): () => number {
  let posts = 0;
  page.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname.endsWith(suffix)) posts += 1;
  });
  return () => posts;
}

/** A rule, a lottery and a pledge, added over the API before the page opens. */
async function setUpBefore(campaignId: string): Promise<void> {
  const base = `/api/campaigns/${campaignId}`;
  const answers = await Promise.all([
    asHost('POST', `${base}/reward-rules`, {
      name: '首票积分',
      trigger: { kind: 'first-of-day' },
      reward: { kind: 'points', points: 5 },
    }),
    asHost('POST', `${base}/lotteries`, {
      name: '幸运抽奖',
      prizes: [{ name: '一等奖', count: 2 }],
      perParticipant: 1,
    }),
    asHost('POST', `${base}/matches`, {
      sponsor: '爱心企业',
      cause: '图书角',
      perVoteFen: 50,
      capFen: 10_000,
    }),
  ]);
  expect(answers.map((a) => a.status)).toEqual([201, 201, 201]);
}

/** What setUpBefore added, listed on the page. */
async function shownSetUp(page: Page): Promise<void> {
  await page.locator('li.reward-rule', { hasText: '首票积分' }).waitFor();
  await page.locator('.lottery-section li', { hasText: '幸运抽奖' }).first().waitFor();
  await page.getByRole('list', { name: '配捐列表' }).locator('li', { hasText: '爱心企业' }).first().waitFor();
}

describe('the 奖励 tab of a campaign whose incentives are not public', () => {
  it('lists a draft’s rules, lotteries, pledges and pools, adds a pool once without an error, and shows a rule added', async () => {
    const campaignId = await campaignIn('draft');
    const made = await asHost<CouponPoolView>('POST', `/api/campaigns/${campaignId}/coupon-pools`, {
      name: '早到券',
      perParticipant: 1,
      expiresAt: '2099-01-01T00:00:00Z',
    });
    expect(made.status).toBe(201);
    await setUpBefore(campaignId);
    const { page, context } = await openRewards(campaignId);
    const pools = page.getByRole('list', { name: '优惠券池' });
    await pools.locator('li.coupon-pool', { hasText: '早到券' }).waitFor();
    await shownSetUp(page);

    const posted = countPosts(page, '/coupon-pools');
    await page.getByLabel('券池名称').fill('奶茶券');
    await page.getByLabel('有效期至').fill('2099-06-30');
    await page.getByRole('button', { name: '添加券池' }).click();
    await pools.locator('li.coupon-pool', { hasText: '奶茶券' }).waitFor();
    expect(posted()).toBe(1);
    expect((await page.locator('.form-error').allTextContents()).join('')).toBe('');

    await page.getByLabel('规则名称').fill('每日积分');
    await page.getByRole('button', { name: '添加规则' }).click();
    const rule = page.locator('li.reward-rule', { hasText: '每日积分' });
    await rule.waitFor();
    await rule.getByRole('button', { name: '暂停「每日积分」' }).click();
    await rule.locator('.badge', { hasText: '已暂停' }).waitFor();
    expect((await page.locator('.form-error').allTextContents()).join('')).toBe('');
    await context.close();
  });

  it('lists an archived campaign’s rules, lotteries, pledges and pools, and redeems a code from the pool chosen', async () => {
    const campaignId = await campaignIn('draft');
    const made = await asHost<CouponPoolView>('POST', `/api/campaigns/${campaignId}/coupon-pools`, {
      name: '奶茶券',
      perParticipant: 1,
      expiresAt: '2099-01-01T00:00:00Z',
    });
    expect(made.status).toBe(201);
    await setUpBefore(campaignId);
    await campaignModel(stack.server.deps.mongo).updateOne(
      { _id: campaignId },
      { $set: { status: 'archived' } },
    );
    const { page, context } = await openRewards(campaignId);
    await page
      .getByRole('list', { name: '优惠券池' })
      .locator('li.coupon-pool', { hasText: '奶茶券' })
      .waitFor();
    await shownSetUp(page);

    const redeemForm = page.getByRole('form', { name: '核销券码' });
    await redeemForm.getByLabel('核销的券池').selectOption({ label: '奶茶券' });
    await redeemForm.getByLabel('券码', { exact: true }).fill('NOBODY-0001');
    const [redeem] = await Promise.all([
      page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/redeem')),
      redeemForm.getByRole('button', { name: '核销' }).click(),
    ]);
    expect(new URL(redeem.url()).pathname).toBe(
      `/api/campaigns/${campaignId}/coupon-pools/${made.body.id}/redeem`,
    );
    // Nobody holds that code: the server's answer is said, in the console's words.
    await page.locator('.toast-error', { hasText: '没有参与者持有这个券码' }).waitFor();
    await context.close();
  });
});
