import type { CouponPoolView, MyRewards, RewardRuleView } from '@rallyboard/core/protocol';
import { expect } from 'vitest';
import { call } from '../../server/test/support/hosts.js';
import { participantToken } from './participants.js';
import { rewardPass } from './rewards.js';
import { config, host, liveCampaign, mongo, reviewed, server } from './risk-review-fixture.js';

// What the e2e tests of rewards earned through the real pipeline share (on useRiskReviewStack):
// a campaign with rules and a coupon pool, a rewards pass, 我的奖励, voids and the pool's stock.

/** One rewards pass as the workers run it. */
export const pass = () => rewardPass(server, mongo, config);

export async function mine(participantId: string, campaignId: string): Promise<MyRewards> {
  const res = await fetch(`${server.url}/api/me/rewards?campaignId=${campaignId}`, {
    headers: { authorization: `Bearer ${await participantToken(config, participantId)}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as MyRewards;
}

export const asHost = <T>(method: string, path: string, body?: unknown) =>
  call<T>(server, host.token, method, path, body);

/** A campaign with 10 points for every 2nd counted vote, and a coupon for the first of the day. */
export async function rewardedCampaign(): Promise<{ campaignId: string; poolId: string }> {
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
export const voidVotesFor = (campaignId: string, candidateId: string) =>
  reviewed(campaignId, 'review/void-by-rule', {
    from: new Date(Date.now() - 3_600_000).toISOString(),
    to: new Date(Date.now() + 60_000).toISOString(),
    candidateId,
  });

export const stockOf = async (campaignId: string) =>
  (await asHost<{ pools: CouponPoolView[] }>('GET', `/api/campaigns/${campaignId}/coupon-pools`)).body
    .pools[0]?.stock;
