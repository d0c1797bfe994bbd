import type { MyRewards, RewardRuleView } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { call, codeOf } from '../../server/test/support/hosts.js';
import { participantToken } from '../support/participants.js';
import { rewardPass } from '../support/rewards.js';
import {
  config,
  decided,
  host,
  liveCampaign,
  mongo,
  reviewed,
  server,
  useRiskReviewStack,
  vote,
} from '../support/risk-review-fixture.js';

// Campaign-wide triggers through the real pipeline: a candidate's milestone rewards each of its
// supporters once it is reached (and takes it back when voids bring it under), and the end
// rewards the supporters of the final top candidates.
useRiskReviewStack();

const pass = (ahead = 60_000) => rewardPass(server, mongo, config, ahead);

const asHost = <T>(method: string, path: string, body?: unknown) =>
  call<T>(server, host.token, method, path, body);

async function rewardsOf(participantId: string, campaignId: string): Promise<Record<string, string>> {
  const res = await fetch(`${server.url}/api/me/rewards?campaignId=${campaignId}`, {
    headers: { authorization: `Bearer ${await participantToken(config, participantId)}` },
  });
  const { grants } = (await res.json()) as MyRewards;
  return Object.fromEntries(grants.map((g) => [g.ruleName, g.status]));
}

describe('campaign-wide reward triggers', () => {
  it("reward a milestone's supporters while it holds, and the final top candidates' supporters at the end", async () => {
    const campaignId = await liveCampaign();
    const refused = await asHost('POST', `/api/campaigns/${campaignId}/reward-rules`, {
      name: '里程碑',
      trigger: { kind: 'milestone', candidateId: 'nobody', count: 3 },
      reward: { kind: 'points', points: 10 },
    });
    expect(codeOf(refused)).toBe('INVALID_INPUT');
    for (const rule of [
      { name: '爱丽丝三票', trigger: { kind: 'milestone', candidateId: 'alice', count: 3 } },
      { name: '冠军支持者', trigger: { kind: 'campaign-end', top: 1 } },
    ]) {
      const added = await asHost<RewardRuleView>('POST', `/api/campaigns/${campaignId}/reward-rules`, {
        ...rule,
        reward: { kind: 'points', points: 10 },
      });
      expect(added.status).toBe(201);
      expect(added.body.terms).toMatch(/每人一次/);
    }
    const voters = Array.from({ length: 4 }, (_, i) => ({
      participantId: `p-trig${i}-${campaignId}`,
      ip: `203.0.113.${60 + i}`,
      deviceId: `dev-trig-${i}`,
      dwellMs: 4_000 + i * 900,
    }));
    const [a, b, c, d] = voters as [
      (typeof voters)[0],
      (typeof voters)[0],
      (typeof voters)[0],
      (typeof voters)[0],
    ];
    await vote(campaignId, 'alice', a);
    await vote(campaignId, 'alice', b);
    await vote(campaignId, 'bob', c);
    await decided(campaignId, 3);
    await pass();
    expect(await rewardsOf(a.participantId, campaignId)).toEqual({});

    // alice's third counted vote: the milestone is reached, and each of her supporters earns it once.
    // (A moment apart, so that voiding d's vote by its time leaves a's and b's alone.)
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const beforeD = new Date();
    await vote(campaignId, 'alice', d);
    await decided(campaignId, 4);
    await pass();
    for (const supporter of [a, b, d]) {
      expect(await rewardsOf(supporter.participantId, campaignId)).toEqual({ 爱丽丝三票: 'active' });
    }
    expect(await rewardsOf(c.participantId, campaignId)).toEqual({});
    await pass();
    expect(await rewardsOf(a.participantId, campaignId)).toEqual({ 爱丽丝三票: 'active' });

    // d's vote voided: alice is back at two. The milestone stands a minute (a count wavering at the
    // line must not grant and revoke over and over), then its rewards are taken back.
    await reviewed(campaignId, 'review/void-by-rule', {
      from: beforeD.toISOString(),
      to: new Date(Date.now() + 60_000).toISOString(),
      candidateId: 'alice',
    });
    await pass();
    expect(await rewardsOf(a.participantId, campaignId)).toEqual({ 爱丽丝三票: 'active' });
    await pass(60_000 + 61_000);
    for (const supporter of [a, b, d]) {
      expect(await rewardsOf(supporter.participantId, campaignId)).toEqual({ 爱丽丝三票: 'revoked' });
    }

    // The end: alice (2) leads bob (1); her counted supporters earn the end rule, nobody else.
    expect((await asHost('POST', `/api/campaigns/${campaignId}/status`, { status: 'ended' })).status).toBe(
      200,
    );
    // Its final top waits a moment after the end is seen, for votes still in the queue.
    await pass(200_000);
    await pass(206_000);
    const rules = (
      await asHost<{ rules: RewardRuleView[] }>('GET', `/api/campaigns/${campaignId}/reward-rules`)
    ).body.rules;
    expect(rules.find((r) => r.name === '冠军支持者')?.endTop).toEqual(['alice']);
    expect(await rewardsOf(a.participantId, campaignId)).toEqual({
      爱丽丝三票: 'revoked',
      冠军支持者: 'active',
    });
    expect(await rewardsOf(c.participantId, campaignId)).toEqual({});
    expect(await rewardsOf(d.participantId, campaignId)).toEqual({ 爱丽丝三票: 'revoked' });
  });
});
