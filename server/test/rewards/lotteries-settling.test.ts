import { campaignModel, rewardModels } from '@rallyboard/core/db';
import { encodeScore, markRewards } from '@rallyboard/core/redis';
import { describe, expect, it } from 'vitest';
import { type DrawDeps, drawCampaignLottery } from '../../src/rewards/lotteries.js';
import { codeOf } from '../support/hosts.js';
import { addRule, endedWithLottery, host, server, useLotteryServer } from './lottery-fixture.js';

/**
 * A lottery is drawn only once its tickets are final (LOTTERY_SETTLING until then): every vote
 * accepted before the end worked out, the campaign-wide triggers settled, no voter left marked.
 */
useLotteryServer();

describe('a lottery draw', () => {
  it('waits for votes still in the queue and for the end rules’ final top', async () => {
    const { campaignId, added, draw } = await endedWithLottery();
    // A vote accepted before the end, not applied yet (no worker runs here).
    const job = await server.deps.voteQueue.add('vote', { boardId: campaignId } as never);
    expect(codeOf(await draw())).toBe('LOTTERY_SETTLING');
    await job.remove();
    // An end rule whose final top the workers have not fixed yet.
    const rule = await addRule(campaignId, {
      name: '冠军支持者',
      trigger: { kind: 'campaign-end', top: 1 },
      reward: { kind: 'lottery', lotteryId: added.id },
    });
    expect(codeOf(await draw())).toBe('LOTTERY_SETTLING');
    await rewardModels(server.deps.mongo).rules.updateOne({ _id: rule._id }, { $set: { endTop: ['alice'] } });
    expect((await draw()).status).toBe(200);
  });
});

describe('a lottery draw after a vote was voided', () => {
  it('waits while a milestone the campaign reached has its candidate under the count, until the workers settle it', async () => {
    const { campaignId, added, draw } = await endedWithLottery();
    // Reached during the campaign; alice is under its count now (a vote voided after the end).
    const rule = await addRule(campaignId, {
      name: '百票助威',
      trigger: { kind: 'milestone', candidateId: 'alice', count: 3 },
      reward: { kind: 'lottery', lotteryId: added.id },
      reached: true,
    });
    expect(codeOf(await draw())).toBe('LOTTERY_SETTLING');
    // The workers took it back after its minute under the count (and its tickets with it).
    await rewardModels(server.deps.mongo).rules.updateOne({ _id: rule._id }, { $set: { reached: false } });
    expect((await draw()).status).toBe(200);
  });
});

/**
 * Draws the lottery as the route does, with the queue's answer given by the test: the draw's
 * outcome, `drawn` or its error code.
 */
async function drawDirectly(
  campaignId: string,
  lotteryId: string,
  votesInFlight: DrawDeps['votesInFlight'],
): Promise<string> {
  const campaign = await campaignModel(server.deps.mongo).findById(campaignId).lean();
  if (!campaign) throw new Error(`no campaign ${campaignId}`);
  const deps: DrawDeps = {
    rewards: rewardModels(server.deps.mongo),
    redis: server.deps.redis,
    keys: server.deps.keys,
    audit: async () => {},
    now: Date.now,
    votesInFlight,
    checkTexts: async () => [],
  };
  const actor = {
    host: { kind: 'host' as const, hostId: host.id, username: host.username, role: host.role },
    ip: '127.0.0.1',
  };
  try {
    await drawCampaignLottery(deps, actor, campaign, lotteryId);
    return 'drawn';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

describe('a lottery draw while the last tickets are worked out', () => {
  it('waits for a voter the last vote job marked as it left the queue', async () => {
    const { campaignId, added } = await endedWithLottery();
    // The last vote job, accepted before the end, writes its ledger, marks its voter and leaves
    // the queue while the draw looks: the queue is empty now, and the voter is marked.
    const lastJobLeaves = async () => {
      await markRewards(server.deps.redis, server.deps.keys, [{ campaignId, participantId: 'p-last' }]);
      return 0;
    };
    expect(await drawDirectly(campaignId, added.id, lastJobLeaves)).toBe('LOTTERY_SETTLING');
    expect(
      await rewardModels(server.deps.mongo).lotteries.findById(added.id, { status: 1 }).lean(),
    ).toMatchObject({
      status: 'committed',
    });
  });

  it('waits for a milestone its candidate has reached that the workers have not seen yet', async () => {
    const { campaignId, added } = await endedWithLottery();
    // The workers' look at the milestone came before the vote that reached it was on the board.
    await addRule(campaignId, {
      name: '一票助威',
      trigger: { kind: 'milestone', candidateId: 'alice', count: 1 },
      reward: { kind: 'lottery', lotteryId: added.id },
    });
    await server.deps.redis.zadd(server.deps.keys.board(campaignId).scores, encodeScore(1, 1), 'alice');
    expect(await drawDirectly(campaignId, added.id, async () => 0)).toBe('LOTTERY_SETTLING');
    // The workers reach it (and put alice's supporters in line, worked out since): it draws.
    await rewardModels(server.deps.mongo).rules.updateOne({ campaignId }, { $set: { reached: true } });
    expect(await drawDirectly(campaignId, added.id, async () => 0)).toBe('drawn');
  });

  it('waits while Redis has lost the campaign’s rewards, until its board is rebuilt', async () => {
    const { campaignId, added } = await endedWithLottery();
    await addRule(campaignId, {
      name: '每日抽奖券',
      trigger: { kind: 'first-of-day' },
      reward: { kind: 'lottery', lotteryId: added.id },
    });
    // Redis lost its data: the list of campaigns with rules, and every voter's mark with it.
    await server.deps.redis.srem(server.deps.keys.rewards.campaigns, campaignId);
    expect(await drawDirectly(campaignId, added.id, async () => 0)).toBe('LOTTERY_SETTLING');
    // The rebuild lists it again once its voters are in line, worked out since.
    await server.deps.redis.sadd(server.deps.keys.rewards.campaigns, campaignId);
    expect(await drawDirectly(campaignId, added.id, async () => 0)).toBe('drawn');
  });
});
