import { ledgerModel, rewardModels } from '@rallyboard/core/db';
import { createLogger } from '@rallyboard/core/logger';
import { stockCoupons } from '@rallyboard/core/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestWorker } from '../../../test/support/stack.js';
import { runRewardPass } from '../../../workers/src/rewards/pass.js';
import { campaignId, config, mongo, open, server, shim, usePagesStack } from '../support/pages-fixture.js';
import { settle, textsOf } from '../support/simulate.js';

// 奖励规则与我的奖励 as a participant uses them: the rules' terms one tap from the campaign page,
// a vote tapped there, counted by the workers, and the points and the coupon (with its code) it
// earned shown on the page.
let worker: Awaited<ReturnType<typeof startTestWorker>> | undefined;
usePagesStack({ worker: () => worker });

beforeAll(async () => {
  await rewardModels(mongo).rules.create({
    _id: 'rrpagesrule1',
    campaignId,
    name: '每日投票积分',
    trigger: { kind: 'first-of-day' },
    reward: { kind: 'points', points: 5 },
    enabled: true,
    createdAt: new Date(),
    createdBy: 'h-test',
  });
  const models = rewardModels(mongo);
  await models.pools.create({
    _id: 'cppagespool1',
    campaignId,
    name: '奶茶券',
    perParticipant: 1,
    expiresAt: new Date('2099-06-30T12:00:00Z'),
    createdAt: new Date(),
  });
  await models.codes.create({
    _id: 'cppagespool1:TEA-PAGE-01',
    poolId: 'cppagespool1',
    code: 'TEA-PAGE-01',
    importedAt: new Date(),
  });
  await stockCoupons(server.deps.redis, server.deps.keys, 'cppagespool1', ['TEA-PAGE-01']);
  await models.rules.create({
    _id: 'rrpagesrule2',
    campaignId,
    name: '投票领券',
    trigger: { kind: 'first-of-day' },
    reward: { kind: 'coupon', poolId: 'cppagespool1' },
    enabled: true,
    createdAt: new Date(Date.now() + 1),
    createdBy: 'h-test',
  });
  await server.deps.redis.sadd(server.deps.keys.rewards.campaigns, campaignId);
  worker = await startTestWorker(config, mongo);
});
afterAll(async () => {
  await server.deps.redis.srem(server.deps.keys.rewards.campaigns, campaignId);
});

describe('奖励规则与我的奖励', () => {
  it('shows the rules from the campaign page, and the points and coupon a counted vote earned', async () => {
    const campaign = await open('pages/campaign/index', { campaignId });
    expect(textsOf(campaign, '.rewards-link')).toEqual(['奖励规则']);
    campaign.querySelector('.rewards-link')?.dispatchEvent('tap');
    await settle();
    expect(shim.navigations.at(-1)).toBe(`/pages/my-rewards/index?campaignId=${campaignId}`);

    let page = await open('pages/my-rewards/index', { campaignId });
    expect(textsOf(page, '.rule-name')).toEqual(['每日投票积分', '投票领券']);
    expect(textsOf(page, '.rule-terms')[0]).toContain('每天第一次有效投票（或点赞）获得 5 积分');
    expect(textsOf(page, '.rule-terms')[0]).toContain('与分享、邀请无关');
    expect(textsOf(page, '.points-value')).toEqual(['0']);

    campaign.querySelector('.vote-button')?.dispatchEvent('tap');
    await eventually(async () => (await ledgerModel(mongo).countDocuments({ boardId: campaignId })) > 0);
    await runRewardPass(
      {
        redis: server.deps.redis,
        keys: server.deps.keys,
        ledger: ledgerModel(mongo),
        rewards: rewardModels(mongo),
        logger: createLogger(config, 'workers', 'test'),
      },
      Date.now() + 60_000,
    );
    page = await open('pages/my-rewards/index', { campaignId });
    await settle();
    expect(textsOf(page, '.points-value')).toEqual(['5']);
    expect(textsOf(page, '.grant-name').sort()).toEqual([
      '投票领券：优惠券，2099-06-30 前有效',
      '每日投票积分：5 积分',
    ]);
    expect(textsOf(page, '.grant-status')).toEqual(['已发放', '已发放']);
    expect(textsOf(page, '.code-value')).toEqual(['TEA-PAGE-01']);

    // The pool's last day passes: the coupon reads as expired, no longer to be used.
    await rewardModels(mongo).pools.updateOne(
      { _id: 'cppagespool1' },
      { $set: { expiresAt: new Date(Date.now() - 60_000) } },
    );
    page = await open('pages/my-rewards/index', { campaignId });
    await settle();
    expect(textsOf(page, '.note').filter((n) => n.includes('过期'))).toEqual([
      expect.stringMatching(/^已于 .* 过期，不能再使用$/),
    ]);
  });
});
