import type { LotteryView, MatchView, RewardRuleView } from '@rallyboard/core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { randomId, testConfig } from '../../../test/support/config.js';
import { startTestServer, type TestServer } from '../../../test/support/stack.js';
import { call, codeOf, createTestHost, type TestHost } from '../support/hosts.js';

/**
 * A host reads what they set up (reward rules, lotteries, pledges) at any status of the campaign:
 * a draft's and an archived one's lists are not public, and the console shows them from these.
 */
const config = testConfig();
let server: TestServer;
let host: TestHost;
let stranger: TestHost;

beforeAll(async () => {
  server = await startTestServer(config);
  host = await createTestHost(server);
  stranger = await createTestHost(server);
});
afterAll(async () => {
  await server.close();
});

const asHost = <T>(method: string, path: string, body?: unknown) =>
  call<T>(server, host.token, method, path, body);

/** A draft with a rule, a lottery and a pledge added through the API. */
async function draftWithIncentives() {
  const campaignId = randomId('c');
  await createLiveCampaign(server.deps.mongo, campaignId, { createdBy: host.id, status: 'draft' });
  const base = `/api/campaigns/${campaignId}`;
  const rule = await asHost<RewardRuleView>('POST', `${base}/reward-rules`, {
    name: '每日积分',
    trigger: { kind: 'first-of-day' },
    reward: { kind: 'points', points: 5 },
  });
  const lottery = await asHost<LotteryView>('POST', `${base}/lotteries`, {
    name: '幸运抽奖',
    prizes: [{ name: '一等奖', count: 2 }],
    perParticipant: 1,
  });
  const match = await asHost<MatchView>('POST', `${base}/matches`, {
    sponsor: '爱心企业',
    cause: '图书角',
    perVoteFen: 50,
    capFen: 10_000,
  });
  expect([rule.status, lottery.status, match.status]).toEqual([201, 201, 201]);
  return { campaignId, base, rule: rule.body, lottery: lottery.body, match: match.body };
}

/** The three host lists of a campaign, as one host reads them. */
async function hostLists(base: string, token: string | undefined) {
  const [rules, lotteries, matches] = await Promise.all([
    call<{ rules: RewardRuleView[] }>(server, token, 'GET', `${base}/host/reward-rules`),
    call<{ lotteries: LotteryView[] }>(server, token, 'GET', `${base}/host/lotteries`),
    call<{ matches: MatchView[] }>(server, token, 'GET', `${base}/host/matches`),
  ]);
  return { rules, lotteries, matches };
}

describe("a campaign's incentives, as its host reads them", () => {
  it('lists a draft’s rules, lotteries and pledges with their terms, where the public lists answer 404', async () => {
    const { base, rule, lottery, match } = await draftWithIncentives();
    const { rules, lotteries, matches } = await hostLists(base, host.token);
    expect(rules.status).toBe(200);
    expect(rules.body.rules).toEqual([rule]);
    expect(rules.body.rules[0]?.terms).toBeTruthy();
    expect(lotteries.body.lotteries).toEqual([lottery]);
    expect(lotteries.body.lotteries[0]).not.toHaveProperty('seed');
    expect(matches.body.matches).toEqual([match]);
    for (const path of ['reward-rules', 'lotteries', 'matches']) {
      const open = await call(server, undefined, 'GET', `${base}/${path}`);
      expect([path, open.status, codeOf(open)]).toEqual([path, 404, 'CAMPAIGN_NOT_FOUND']);
    }
  });

  it('still lists them once the campaign is archived', async () => {
    const { campaignId, base, rule } = await draftWithIncentives();
    await server.deps.mongo
      .collection('campaigns')
      .updateOne({ _id: campaignId as never }, { $set: { status: 'archived' } });
    const { rules, lotteries, matches } = await hostLists(base, host.token);
    expect(rules.body.rules.map((r) => r.id)).toEqual([rule.id]);
    expect(lotteries.body.lotteries).toHaveLength(1);
    expect(matches.body.matches).toHaveLength(1);
  });

  it('answers another host CAMPAIGN_NOT_FOUND and an anonymous caller 401', async () => {
    const { base } = await draftWithIncentives();
    for (const answer of Object.values(await hostLists(base, stranger.token))) {
      expect([answer.status, codeOf(answer)]).toEqual([404, 'CAMPAIGN_NOT_FOUND']);
    }
    for (const answer of Object.values(await hostLists(base, undefined))) {
      expect(answer.status).toBe(401);
    }
  });
});
