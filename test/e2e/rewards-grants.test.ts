import { ledgerModel, rewardModels } from '@rallyboard/core/db';
import type { CouponPoolView, MyRewards, RewardRuleView } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { call } from '../../server/test/support/hosts.js';
import { participantToken } from '../support/participants.js';
import { rewardPass } from '../support/rewards.js';
import {
  config,
  decided,
  held,
  host,
  liveCampaign,
  mongo,
  reviewed,
  server,
  useRiskReviewStack,
  vote,
} from '../support/risk-review-fixture.js';

// Rewards earned through the real pipeline: votes counted by the workers, then voided or held
// and approved by review, and the rewards pass working out what each participant's counted votes
// earn. Only counted votes earn, exactly once, and a voided vote takes back what it earned.
useRiskReviewStack();

const pass = () => rewardPass(server, mongo, config);

async function mine(participantId: string, campaignId: string): Promise<MyRewards> {
  const res = await fetch(`${server.url}/api/me/rewards?campaignId=${campaignId}`, {
    headers: { authorization: `Bearer ${await participantToken(config, participantId)}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as MyRewards;
}

const asHost = <T>(method: string, path: string, body?: unknown) =>
  call<T>(server, host.token, method, path, body);

/** A campaign with 10 points for every 2nd counted vote, and a coupon for the first of the day. */
async function rewardedCampaign(): Promise<{ campaignId: string; poolId: string }> {
  const campaignId = await liveCampaign();
  const pool = await asHost<CouponPoolView>('POST', `/api/campaigns/${campaignId}/coupon-pools`, {
    name: '奶茶券',
    perParticipant: 1,
    expiresAt: '2099-01-01T00:00:00Z',
  });
  expect(pool.status).toBe(201);
  const poolId = pool.body.id;
  const imported = await asHost('POST', `/api/campaigns/${campaignId}/coupon-pools/${poolId}/codes`, {
    csv: 'code\nTEA-0001\nTEA-0002\nTEA-0003\n',
  });
  expect(imported.body).toEqual({ imported: 3 });
  for (const rule of [
    { name: '投票积分', trigger: { kind: 'every-nth', n: 2 }, reward: { kind: 'points', points: 10 } },
    { name: '每日一券', trigger: { kind: 'first-of-day' }, reward: { kind: 'coupon', poolId } },
  ]) {
    expect(
      (await asHost<RewardRuleView>('POST', `/api/campaigns/${campaignId}/reward-rules`, rule)).status,
    ).toBe(201);
  }
  return { campaignId, poolId };
}

/** Voids, by rule, the campaign's counted votes for a candidate (one per candidate here). */
const voidVotesFor = (campaignId: string, candidateId: string) =>
  reviewed(campaignId, 'review/void-by-rule', {
    from: new Date(Date.now() - 3_600_000).toISOString(),
    to: new Date(Date.now() + 60_000).toISOString(),
    candidateId,
  });

const stockOf = async (campaignId: string) =>
  (await asHost<{ pools: CouponPoolView[] }>('GET', `/api/campaigns/${campaignId}/coupon-pools`)).body
    .pools[0]?.stock;

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
  it('are granted once, follow voids, and give a voided coupon back to the pool', async () => {
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
    // The last one voided: the coupon is taken back and its code goes back to the pool.
    await voidVotesFor(campaignId, 'carol');
    await pass();
    rewards = await mine(voter.participantId, campaignId);
    expect(rewards.grants.every((g) => g.status === 'revoked' && g.code === undefined)).toBe(true);
    expect(await stockOf(campaignId)).toMatchObject({ total: 3, left: 3, granted: 0 });
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
    await Promise.all([0, 1, 2, 3, 4, 5].map(cast));
    await decided(campaignId, 6);
    expect(await ledgerModel(mongo).countDocuments({ boardId: campaignId, verdict: 'counted' })).toBe(6);
    await pass();
    let rewards = await mine(bot.participantId, campaignId);
    expect(rewards.points).toBe(30);
    expect(rewards.grants.filter((g) => g.status === 'active')).toHaveLength(4);
    await Promise.all([6, 7].map(cast));
    await decided(campaignId, 8);
    await held(campaignId, 8, 'the bot held, its counted votes too');
    await pass();
    rewards = await mine(bot.participantId, campaignId);
    expect(rewards.points).toBe(0);
    expect(rewards.grants.map((g) => g.status)).toEqual(['revoked', 'revoked', 'revoked', 'revoked']);
    expect(await stockOf(campaignId)).toMatchObject({ left: 3, granted: 0 });
  }, 90_000);

  it('keep a code redeemed at the counter taken when its vote is voided, flagged; an expired pool gives and redeems none', async () => {
    const { campaignId, poolId } = await rewardedCampaign();
    const fan = (name: string, ip: string) => ({
      participantId: `p-${name}-${campaignId}`,
      ip,
      deviceId: `dev-${name}`,
      dwellMs: 5_000,
    });
    const [ann, cai, bo] = [
      fan('ann', '198.51.100.31'),
      fan('cai', '198.51.100.32'),
      fan('bo', '198.51.100.33'),
    ];
    await vote(campaignId, 'alice', ann);
    await vote(campaignId, 'carol', cai);
    await decided(campaignId, 2);
    await pass();
    const codeOf = async (voter: { participantId: string }) =>
      (await mine(voter.participantId, campaignId)).grants.find((g) => g.ruleName === '每日一券');
    const annCode = (await codeOf(ann))?.code ?? '';
    const caiCode = (await codeOf(cai))?.code ?? '';
    expect([annCode, caiCode]).toEqual([expect.stringMatching(/^TEA-/), expect.stringMatching(/^TEA-/)]);
    const redeem = (code: string) =>
      asHost('POST', `/api/campaigns/${campaignId}/coupon-pools/${poolId}/redeem`, { code });
    expect((await redeem(annCode)).status).toBe(204);
    expect((await redeem(annCode)).status).toBe(204);
    expect(await codeOf(ann)).toMatchObject({ status: 'active', redeemedAt: expect.any(String) });
    expect(await stockOf(campaignId)).toMatchObject({ left: 1, granted: 2, redeemed: 1, flagged: 0 });

    // Ann's vote voided after the shop took her code: the grant is revoked, the code stays taken
    // (it was used) and is flagged for the host, rather than handed to someone else.
    await voidVotesFor(campaignId, 'alice');
    await pass();
    expect(await codeOf(ann)).toMatchObject({ status: 'revoked' });
    expect(await stockOf(campaignId)).toMatchObject({ left: 1, redeemed: 1, flagged: 1 });

    // The pool's expiry passes: Cai's code is refused at the counter, and Bo's first vote of
    // the day earns a coupon the pool no longer hands out (unfilled, no code, the stock kept).
    await rewardModels(mongo).pools.updateOne(
      { _id: poolId },
      { $set: { expiresAt: new Date(Date.now() - 1_000) } },
    );
    const late = await redeem(caiCode);
    expect(late.status).toBe(409);
    expect((late.body as { error: { code: string } }).error.code).toBe('COUPON_EXPIRED');
    const records = await ledgerModel(mongo).countDocuments({ boardId: campaignId });
    await vote(campaignId, 'bob', bo);
    await decided(campaignId, records + 1);
    await pass();
    expect(await codeOf(bo)).toMatchObject({ status: 'unfilled' });
    expect((await codeOf(bo))?.code).toBeUndefined();
    expect(await stockOf(campaignId)).toMatchObject({ left: 1, granted: 1, redeemed: 1, flagged: 1 });
  });
});
