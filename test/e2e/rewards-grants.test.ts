import { ledgerModel } from '@rallyboard/core/db';
import { describe, expect, it } from 'vitest';
import { mine, pass, rewardedCampaign, stockOf, voidVotesFor } from '../support/rewarded-campaign.js';
import { decided, held, mongo, reviewed, useRiskReviewStack, vote } from '../support/risk-review-fixture.js';

// Rewards earned through the real pipeline: votes counted by the workers, then voided or held
// and approved by review, and the rewards pass working out what each participant's counted votes
// earn. Only counted votes earn, exactly once, and a voided vote takes back what it earned.
useRiskReviewStack();

/**
 * A script's votes for bob at a machine's beat: the i-th is cast `i × beatMs` after this call,
 * whenever it is asked for. Answers the vote's id.
 */
function onBeat(campaignId: string, bot: Parameters<typeof vote>[2], beatMs: number) {
  const started = Date.now();
  return async (i: number): Promise<string> => {
    await new Promise((resolve) => setTimeout(resolve, started + i * beatMs - Date.now()));
    return vote(campaignId, 'bob', bot);
  };
}

/** The beat of the held-later test's script. */
const BEAT_MS = 4_000;

describe('rewards earned by counted votes', () => {
  it('are granted once, follow voids, and retire a voided coupon its holder has seen', async () => {
    const { campaignId } = await rewardedCampaign();
    const voter = {
      participantId: `p-fan-${campaignId}`,
      ip: '198.51.100.20',
      deviceId: 'dev-fan',
      dwellMs: 6_000,
    };
    for (const candidateId of ['alice', 'bob', 'carol']) await vote(campaignId, candidateId, voter);
    await decided(campaignId, 3);
    await pass();
    let rewards = await mine(voter.participantId, campaignId);
    expect(rewards.points).toBe(10);
    const coupon = rewards.grants.find((g) => g.ruleName === '每日一券');
    expect(coupon).toMatchObject({ status: 'active', code: expect.stringMatching(/^TEA-000[123]$/) });
    // Worked out again (a second pass, a redelivery): nothing more.
    await pass();
    expect((await mine(voter.participantId, campaignId)).grants).toHaveLength(2);
    expect(await stockOf(campaignId)).toMatchObject({ total: 3, left: 2, granted: 1 });

    // The 2nd vote voided: the 3rd still makes two counted votes, so the points stand.
    await voidVotesFor(campaignId, 'bob');
    await pass();
    expect((await mine(voter.participantId, campaignId)).points).toBe(10);
    // The 1st voided too: one counted vote, no points; the day's coupon stands on the 3rd.
    await voidVotesFor(campaignId, 'alice');
    await pass();
    rewards = await mine(voter.participantId, campaignId);
    expect(rewards.points).toBe(0);
    expect(rewards.grants.find((g) => g.ruleName === '投票积分')).toMatchObject({ status: 'revoked' });
    expect(rewards.grants.find((g) => g.ruleName === '每日一券')).toMatchObject({ status: 'active' });
    // The last one voided: the coupon is taken back. The fan had seen its code (我的奖励), so
    // it is retired rather than handed to someone else.
    await voidVotesFor(campaignId, 'carol');
    await pass();
    rewards = await mine(voter.participantId, campaignId);
    expect(rewards.grants.every((g) => g.status === 'revoked' && g.code === undefined)).toBe(true);
    expect(await stockOf(campaignId)).toMatchObject({ total: 3, left: 2, granted: 0, retired: 1 });
  });

  it('give a held vote nothing until a host approves it', async () => {
    const { campaignId } = await rewardedCampaign();
    // A script voting at a machine's beat: risk control holds its votes (eight of them: seven
    // intervals, past the six regular timing is judged from).
    const bot = {
      participantId: `p-bot-${campaignId}`,
      ip: '192.0.2.77',
      deviceId: 'dev-bot-r',
      dwellMs: 120,
    };
    const ids = await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map(onBeat(campaignId, bot, 1_000)));
    await decided(campaignId, 8);
    await held(campaignId, 8, 'the bot held');
    await pass();
    expect((await mine(bot.participantId, campaignId)).grants).toEqual([]);
    await reviewed(campaignId, 'review', { decision: 'approve', select: { voteIds: ids } });
    await pass();
    const rewards = await mine(bot.participantId, campaignId);
    // Every second vote earns 10 points (four grants), and the day's first a coupon.
    expect(rewards.points).toBe(40);
    expect(rewards.grants.filter((g) => g.status === 'active')).toHaveLength(5);
  });

  it('are taken back when a vote that earned them is held later, with its cluster', async () => {
    const { campaignId } = await rewardedCampaign();
    // A script at a machine's beat, 4 s apart: its first six votes count (five intervals are too
    // few to judge its timing by) and earn; the seventh and eighth reveal the beat, and the
    // voter's hold takes the counted ones back. The beat leaves the pass and the checks between
    // the sixth and the seventh a few seconds (the timing rule forgives about a second late).
    const bot = {
      participantId: `p-beat-${campaignId}`,
      ip: '192.0.2.78',
      deviceId: 'dev-bot-beat',
      dwellMs: 120,
    };
    const cast = onBeat(campaignId, bot, BEAT_MS);
    const ids = await Promise.all([0, 1, 2, 3, 4, 5].map(cast));
    await decided(campaignId, 6);
    expect(await ledgerModel(mongo).countDocuments({ boardId: campaignId, verdict: 'counted' })).toBe(6);
    await pass();
    let rewards = await mine(bot.participantId, campaignId);
    expect(rewards.points).toBe(30);
    expect(rewards.grants.filter((g) => g.status === 'active')).toHaveLength(4);
    const seen = rewards.grants.find((g) => g.ruleName === '每日一券')?.code;
    await Promise.all([6, 7].map(cast));
    await decided(campaignId, 8);
    await held(campaignId, 8, 'the bot held, its counted votes too');
    await pass();
    rewards = await mine(bot.participantId, campaignId);
    expect(rewards.points).toBe(0);
    expect(rewards.grants.map((g) => g.status)).toEqual(['revoked', 'revoked', 'revoked', 'revoked']);
    // The script had seen its coupon's code: retired, not handed out again.
    expect(await stockOf(campaignId)).toMatchObject({ left: 2, granted: 0, retired: 1 });

    // A host approves the counted ones: earned again, and the code its holder saw is theirs again.
    await reviewed(campaignId, 'review', { decision: 'approve', select: { voteIds: ids } });
    await pass();
    rewards = await mine(bot.participantId, campaignId);
    expect(rewards.points).toBe(30);
    expect(rewards.grants.find((g) => g.ruleName === '每日一券')).toMatchObject({
      status: 'active',
      code: seen,
    });
    expect(await stockOf(campaignId)).toMatchObject({ left: 2, granted: 1, retired: 0 });
  }, 90_000);
});
