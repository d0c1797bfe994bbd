import type { MatchView } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { MATCHING_HEADER } from '../../server/src/matching/routes.js';
import { call, codeOf } from '../../server/test/support/hosts.js';
import {
  decided,
  host,
  liveCampaign,
  reviewed,
  server,
  useRiskReviewStack,
  vote,
} from '../support/risk-review-fixture.js';
import { eventually } from '../support/stack.js';

// Donation matching (公益配捐) through the real pipeline: what a pledge matches is the counted
// votes times its amount, up to its cap, follows a void at once, and the sponsor's CSV by day
// comes from the ledger.
useRiskReviewStack();

const asHost = <T>(method: string, path: string, body?: unknown) =>
  call<T>(server, host.token, method, path, body);

const matchesOf = async (campaignId: string) =>
  (await call<{ matches: MatchView[] }>(server, undefined, 'GET', `/api/campaigns/${campaignId}/matches`))
    .body.matches;

describe('donation matching', () => {
  it('matches counted votes up to the cap, follows voids, and exports the days for the sponsor', async () => {
    const campaignId = await liveCampaign();
    const pledge = (body: Record<string, unknown>) =>
      asHost<MatchView>('POST', `/api/campaigns/${campaignId}/matches`, {
        sponsor: '爱心企业',
        cause: '山区儿童图书角',
        ...body,
      });
    expect(codeOf(await pledge({ perVoteFen: 50, capFen: 200, candidateId: 'nobody' }))).toBe(
      'INVALID_INPUT',
    );
    expect(codeOf(await pledge({ perVoteFen: 0, capFen: 200 }))).toBe('INVALID_INPUT');
    const whole = await pledge({ perVoteFen: 50, capFen: 200 });
    expect(whole.status).toBe(201);
    expect(whole.body).toMatchObject({ counted: 0, matchedFen: 0, capReached: false });
    expect(whole.body.terms).toBe(
      '爱心企业 为本活动的每一票有效投票（或点赞）配捐 ¥0.50，上限 ¥2.00，用于山区儿童图书角。配捐金额按计入排名的票数计算，被判无效的票不计。',
    );
    const forBob = await pledge({ perVoteFen: 100, capFen: 10_000, candidateId: 'bob' });
    expect(forBob.body.terms).toMatch(/为「bob」的每一票/);

    const voters = Array.from({ length: 5 }, (_, i) => ({
      participantId: `p-match${i}-${campaignId}`,
      ip: `198.51.100.${120 + i}`,
      deviceId: `dev-match-${i}`,
      dwellMs: 3_000 + i * 800,
    }));
    for (const [i, voter] of voters.entries()) await vote(campaignId, i < 3 ? 'alice' : 'bob', voter);
    await decided(campaignId, 5);
    await eventually(
      async () => (await matchesOf(campaignId))[0]?.counted === 5,
      10_000,
      'five votes matched',
    );
    expect((await matchesOf(campaignId)).map((m) => [m.counted, m.matchedFen, m.capReached])).toEqual([
      [5, 200, true],
      [2, 200, false],
    ]);

    await reviewed(campaignId, 'review/void-by-rule', {
      from: new Date(Date.now() - 3_600_000).toISOString(),
      to: new Date(Date.now() + 60_000).toISOString(),
      candidateId: 'bob',
    });
    expect((await matchesOf(campaignId)).map((m) => [m.counted, m.matchedFen, m.capReached])).toEqual([
      [3, 150, false],
      [0, 0, false],
    ]);

    const res = await fetch(`${server.url}/api/campaigns/${campaignId}/export/matching.csv`, {
      headers: { authorization: `Bearer ${host.token}` },
    });
    expect(res.status).toBe(200);
    const lines = (await res.text())
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    expect(lines[0]).toBe(MATCHING_HEADER.join(','));
    const day = lines[1]?.split(',')[6];
    expect(lines.slice(1)).toEqual([
      `${whole.body.id},爱心企业,山区儿童图书角,,0.50,2.00,${day},3,3,1.50,1.50`,
      `${forBob.body.id},爱心企业,山区儿童图书角,bob,1.00,100.00,${day},0,0,0.00,0.00`,
    ]);

    expect((await asHost('POST', `/api/campaigns/${campaignId}/status`, { status: 'ended' })).status).toBe(
      200,
    );
    expect(codeOf(await pledge({ perVoteFen: 10, capFen: 100 }))).toBe('CAMPAIGN_NOT_EDITABLE');
  });
});
