import { ledgerModel, rewardModels } from '@rallyboard/core/db';
import { createLogger } from '@rallyboard/core/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestWorker } from '../../../test/support/stack.js';
import { runRewardPass } from '../../../workers/src/rewards/pass.js';
import { campaignId, config, mongo, open, server, usePagesStack } from '../support/pages-fixture.js';
import { settle, textsOf } from '../support/simulate.js';

// 奖励规则与我的奖励 as a participant uses them: the rules' terms one tap from the campaign page,
// a vote tapped there, counted by the workers, and the points it earned shown on the page.
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
  await server.deps.redis.sadd(server.deps.keys.rewards.campaigns, campaignId);
  worker = await startTestWorker(config, mongo);
});
afterAll(async () => {
  await server.deps.redis.srem(server.deps.keys.rewards.campaigns, campaignId);
});

describe('奖励规则与我的奖励', () => {
  it('shows the rules from the campaign page, and the points a counted vote earned', async () => {
    const campaign = await open('pages/campaign/index', { campaignId });
    expect(textsOf(campaign, '.rewards-link')).toEqual(['奖励规则']);

    let page = await open('pages/my-rewards/index', { campaignId });
    expect(textsOf(page, '.rule-name')).toEqual(['每日投票积分']);
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
    expect(textsOf(page, '.grant-name')).toEqual(['每日投票积分：5 积分']);
    expect(textsOf(page, '.grant-status')).toEqual(['已发放']);
  });
});
