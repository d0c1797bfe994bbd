import { ledgerModel } from '@rallyboard/core/db';
import type { RiskAlert } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { call } from '../../server/test/support/hosts.js';
import {
  decided,
  host,
  liveCampaign,
  mongo,
  server,
  useRiskReviewStack,
  vote,
} from '../support/risk-review-fixture.js';
import { eventually } from '../support/stack.js';
import { readRanking } from '../support/votes.js';

// Votes risk control lets count: honest voters, a pattern a host's loosened rule allows, and
// real fans whose jump in votes is an alert, not a verdict.
useRiskReviewStack();

describe('risk control, end to end', () => {
  it('counts honest voters from different devices and networks, each with its reasons empty', async () => {
    const campaignId = await liveCampaign();
    for (let i = 0; i < 6; i++) {
      await vote(campaignId, i % 2 ? 'alice' : 'bob', {
        participantId: `p-honest-${campaignId}-${i}`,
        ip: `10.${i}.1.${i + 2}`,
        deviceId: `dev-honest-${i}`,
        dwellMs: 4_000 + i * 700,
      });
    }
    await decided(campaignId, 6);
    const records = await ledgerModel(mongo).find({ boardId: campaignId }).lean();
    expect(records.map((r) => r.verdict)).toEqual(Array(6).fill('counted'));
    expect(records.every((r) => r.risk === undefined)).toBe(true);
    expect((await readRanking(server.url, campaignId)).totals.votes).toBe(6);
  });

  it('lets a host loosen a rule, and then the same pattern is counted', async () => {
    const campaignId = await liveCampaign();
    const patch = await call(server, host.token, 'PATCH', `/api/campaigns/${campaignId}/risk/settings`, {
      rules: { deviceAccounts: { threshold: 50 } },
    });
    expect(patch.status).toBe(200);
    expect(patch.body).toMatchObject({
      settings: { rules: { deviceAccounts: { threshold: 50, weight: 1 } } },
    });
    for (let i = 0; i < 4; i++) {
      await vote(campaignId, 'alice', {
        participantId: `p-kin-${campaignId}-${i}`,
        ip: `198.51.${i}.1`,
        deviceId: 'dev-kin',
        dwellMs: 5_000,
      });
    }
    await decided(campaignId, 4);
    expect((await readRanking(server.url, campaignId)).totals.votes).toBe(4);
    const bad = await call(server, host.token, 'PATCH', `/api/campaigns/${campaignId}/risk/settings`, {
      reviewAt: 5,
      rejectAt: 2,
    });
    expect(bad.status).toBe(400);
  });

  it("raises a spike alert when a candidate's votes jump far above its baseline", async () => {
    const campaignId = await liveCampaign();
    // alice has been voted for since an hour ago (quietly): she has a baseline to spike against.
    await server.deps.redis.hset(
      server.deps.keys.board(campaignId).risk.candidate('alice'),
      'first',
      Date.now() - 3_600_000,
    );
    for (let i = 0; i < 12; i++) {
      await vote(campaignId, 'alice', {
        participantId: `p-fan-${campaignId}-${i}`,
        ip: `198.18.${i}.4`,
        deviceId: `dev-fan-${i}`,
        // People read for different times (the same dwell to the millisecond is an emulator's).
        dwellMs: 4_000 + i * 700,
      });
    }
    await decided(campaignId, 12);
    await eventually(
      async () => {
        const listed = await call<{ alerts: RiskAlert[] }>(
          server,
          host.token,
          'GET',
          `/api/campaigns/${campaignId}/alerts`,
        );
        return listed.body.alerts.some((a) => a.kind === 'candidate-spike' && a.subject === 'alice');
      },
      10_000,
      'a spike alert for alice',
    );
    // Real fans: the spike is an alert, and every vote counts.
    expect((await readRanking(server.url, campaignId)).totals.votes).toBe(12);
  });
});
