import type { RewardModels } from '@rallyboard/core/db';
import { createKeys, encodeScore, type RedisClient } from '@rallyboard/core/redis';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../test/support/config.js';
import { seedBoard } from '../../../test/support/stack.js';
import { watchCampaignTriggers } from '../../src/rewards/triggers.js';
import { openRewardStores } from '../support/deps.js';

// The campaign-wide triggers' guards: a milestone is taken back only after its candidate has
// stayed under the count a minute, never on a board Redis does not have; an end rule's final top
// waits for the campaign's last votes.
const config = testConfig();
const keys = createKeys(config.keyPrefix);
let mongo: Connection;
let redis: RedisClient;
let rewards: RewardModels;
let inFlight = 0;
const deps = () => ({ redis, keys, rewards, votesInFlight: async () => inFlight });

let stores: Awaited<ReturnType<typeof openRewardStores>>;
beforeAll(async () => {
  stores = await openRewardStores(config);
  ({ mongo, redis, rewards } = stores);
});
afterAll(() => stores.close());

async function campaignWith(trigger: Record<string, unknown>, status = 'live') {
  const campaignId = await seedBoard(config, redis, mongo, ['alice', 'bob']);
  await redis.hset(keys.board(campaignId).meta, 'status', status);
  await redis.sadd(keys.rewards.campaigns, campaignId);
  const ruleId = randomId('rr');
  await rewards.rules.create({
    _id: ruleId,
    campaignId,
    name: 'r',
    trigger,
    reward: { kind: 'points', points: 1 },
    enabled: true,
    createdAt: new Date(),
    createdBy: 'h-test',
  });
  const score = (candidateId: string, count: number) =>
    redis.zadd(keys.board(campaignId).scores, encodeScore(count, count), candidateId);
  const rule = () => rewards.rules.findById(ruleId).lean();
  return { campaignId, score, rule };
}

describe('campaign-wide triggers', () => {
  it('reach a milestone at once, and take it back only after a minute under the count', async () => {
    const { score, rule } = await campaignWith({ kind: 'milestone', candidateId: 'alice', count: 3 });
    const t = Date.now();
    await score('alice', 3);
    await watchCampaignTriggers(deps(), t);
    expect((await rule())?.reached).toBe(true);
    await score('alice', 2);
    await watchCampaignTriggers(deps(), t + 1_000);
    expect((await rule())?.reached).toBe(true);
    // Back over the line meanwhile: the minute starts again.
    await score('alice', 3);
    await watchCampaignTriggers(deps(), t + 30_000);
    await score('alice', 2);
    await watchCampaignTriggers(deps(), t + 70_000);
    expect((await rule())?.reached).toBe(true);
    await watchCampaignTriggers(deps(), t + 131_000);
    expect((await rule())?.reached).toBe(false);
  });

  it('leave a milestone alone while Redis has no board, or one being rebuilt', async () => {
    const { campaignId, score, rule } = await campaignWith({
      kind: 'milestone',
      candidateId: 'alice',
      count: 1,
    });
    const t = Date.now();
    await score('alice', 1);
    await watchCampaignTriggers(deps(), t);
    expect((await rule())?.reached).toBe(true);
    await redis.set(keys.board(campaignId).fence, 'rebuild', 'PX', 60_000);
    await redis.del(keys.board(campaignId).scores);
    await watchCampaignTriggers(deps(), t + 120_000);
    expect((await rule())?.reached).toBe(true);
    await redis.del(keys.board(campaignId).fence, keys.board(campaignId).meta);
    await watchCampaignTriggers(deps(), t + 240_000);
    expect((await rule())?.reached).toBe(true);
  });

  it("fix an ended campaign's final top only once its last votes are in", async () => {
    const { score, rule } = await campaignWith({ kind: 'campaign-end', top: 1 }, 'ended');
    await score('alice', 2);
    await score('bob', 1);
    const t = Date.now();
    inFlight = 5;
    await watchCampaignTriggers(deps(), t);
    await watchCampaignTriggers(deps(), t + 6_000);
    expect((await rule())?.endTop).toBeUndefined();
    // The queue drained: bob's last votes counted meanwhile.
    inFlight = 0;
    await score('bob', 3);
    await watchCampaignTriggers(deps(), t + 7_000);
    expect((await rule())?.endTop).toEqual(['bob']);
    // Fixed: later counts change nothing.
    await score('alice', 9);
    await watchCampaignTriggers(deps(), t + 8_000);
    expect((await rule())?.endTop).toEqual(['bob']);
  });
});
