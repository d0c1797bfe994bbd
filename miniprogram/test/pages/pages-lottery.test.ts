import { ledgerModel, type RewardGrantDoc, rewardGrantIdOf, rewardModels } from '@rallyboard/core/db';
import { createLogger } from '@rallyboard/core/logger';
import { lotteryHolder } from '@rallyboard/core/lottery';
import type { LotteryView, RewardRuleView } from '@rallyboard/core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindWeChat, call, createTestHost, type TestHost } from '../../../server/test/support/hosts.js';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { randomId } from '../../../test/support/config.js';
import { runRewardPass } from '../../../workers/src/rewards/pass.js';
import { config, fake, mongo, open, server, shim, usePagesStack } from '../support/pages-fixture.js';
import { textsOf } from '../support/simulate.js';

// 抽奖 on 奖励规则与我的奖励, as two participants (ann and ben, each a WeChat user of their own)
// read it: the terms and the seed's commitment before the draw, their tickets and holder hashes,
// then the result. One prize between their two tickets: one of them wins, the other does not.
let user = randomId('pg');
let logins = 0;
usePagesStack({ loginCode: () => `ok-${user}.${++logins}` });

const people = { ann: randomId('ann'), ben: randomId('ben') };
type Person = keyof typeof people;
const participantOf = {} as Record<Person, string>;
let host: TestHost;
let campaignId: string;
let lottery: LotteryView;
let rule: RewardRuleView;

const asHost = <T>(method: string, path: string, body?: unknown) =>
  call<T>(server, host.token, method, path, body);

/** Opens the page of the lottery's campaign as `who`, signed in afresh (another phone). */
async function openAs(who: Person) {
  shim.storage.clear();
  user = people[who];
  const page = await open('pages/my-rewards/index', { campaignId });
  participantOf[who] = (shim.storage.get('rallyboard.session') as { participantId: string }).participantId;
  return page;
}

/** A ticket of the lottery, written as the workers write it for a counted vote. */
const ticket = (who: Person, day: string, revoked = false): RewardGrantDoc => ({
  _id: rewardGrantIdOf(rule.id, participantOf[who], `day:${day}`),
  campaignId,
  ruleId: rule.id,
  participantId: participantOf[who],
  key: `day:${day}`,
  voteId: randomId('v'),
  status: revoked ? 'revoked' : 'active',
  lotteryId: lottery.id,
  grantedAt: new Date(`${day}T02:00:00Z`),
  ...(revoked ? { revokedAt: new Date(), revokedBecause: 'its vote no longer counts' } : {}),
});

beforeAll(async () => {
  host = await createTestHost(server);
  // WeChat checks the lottery's name and prizes as the host's: its WeChat is bound.
  await bindWeChat(server, host, fake);
  campaignId = randomId('c');
  // A lottery is added before its campaign starts: its commitment comes before any ticket.
  await createLiveCampaign(mongo, campaignId, {
    title: `幸运抽奖 ${campaignId}`,
    createdBy: host.id,
    status: 'scheduled',
    schedule: {
      startAt: new Date(Date.now() + 3_600_000),
      endAt: new Date(Date.now() + 86_400_000),
      timezone: 'Asia/Shanghai',
    },
  });
  const added = await asHost<LotteryView>('POST', `/api/campaigns/${campaignId}/lotteries`, {
    name: '幸运抽奖',
    prizes: [{ name: '蓝牙耳机', count: 1 }],
    perParticipant: 1,
  });
  expect(added.status).toBe(201);
  lottery = added.body;
  const ruled = await asHost<RewardRuleView>('POST', `/api/campaigns/${campaignId}/reward-rules`, {
    name: '投票抽奖券',
    trigger: { kind: 'first-of-day' },
    reward: { kind: 'lottery', lotteryId: lottery.id },
  });
  expect(ruled.status).toBe(201);
  rule = ruled.body;
  // The new rule's backfill worked out (no votes yet), as the workers would: a draw waits for it.
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
  await openAs('ann');
  await openAs('ben');
  // ann's first ticket went with a vote later voided; her next counted vote earned another.
  await rewardModels(mongo).grants.insertMany([
    ticket('ann', '2025-05-01', true),
    ticket('ann', '2025-05-02'),
    ticket('ben', '2025-05-02'),
  ]);
});
afterAll(async () => {
  await server.deps.redis.srem(server.deps.keys.rewards.campaigns, campaignId);
});

describe('抽奖 before the draw', () => {
  it("shows the lottery's commitment on the campaign page, with the rules one tap away", async () => {
    const campaign = await open('pages/campaign/index', { campaignId });
    expect(textsOf(campaign, '.rewards-link')).toEqual(['奖励规则']);
    expect(textsOf(campaign, '.lottery-commitment-label')).toEqual([
      '抽奖「幸运抽奖」开奖前已公布的种子承诺（SHA-256）：',
    ]);
    expect(textsOf(campaign, '.lottery-commitment-hash')).toEqual([lottery.commitment]);
  });

  it('shows the terms, the commitment, the tickets held, and my tickets with my holder hash', async () => {
    const page = await openAs('ann');
    expect(textsOf(page, '.rule-terms')[0]).toContain('获得「幸运抽奖」抽奖券一张');
    expect(textsOf(page, '.lottery-name')).toEqual(['幸运抽奖']);
    expect(textsOf(page, '.lottery-status')).toEqual(['待开奖']);
    expect(textsOf(page, '.lottery-prizes')).toEqual(['奖品：蓝牙耳机 × 1']);
    const [terms = ''] = textsOf(page, '.lottery-terms');
    expect(terms).toContain('抽奖券只来自计入排名的投票');
    expect(terms).toContain('每人最多持有 1 张，最多中奖一次');
    expect(textsOf(page, '.proof-label')).toEqual(['开奖前已公布的种子承诺（SHA-256）']);
    expect(textsOf(page, '.lottery-commitment')).toEqual([lottery.commitment]);
    expect(lottery.commitment).toMatch(/^[0-9a-f]{64}$/);
    expect(textsOf(page, '.lottery-tickets')).toEqual(['目前共 2 张抽奖券']);

    expect(textsOf(page, '.my-ticket-count')).toEqual(['我的抽奖券：1 张']);
    expect(textsOf(page, '.my-holder')).toEqual([lotteryHolder(lottery.id, participantOf.ann)]);
    expect(textsOf(page, '.ticket-status')).toEqual(['有效', '已收回']);
    expect(textsOf(page, '.ticket-note')[0]).toMatch(/由「投票抽奖券」获得$/);
    expect(textsOf(page, '.ticket-note')[1]).toMatch(/^获得它的投票已被判无效，于 .+ 收回，不参与开奖$/);
    // Tickets show on their lottery's card, not again as rewards; nothing of the draw yet.
    expect(textsOf(page, '.grant-name')).toEqual([]);
    expect(textsOf(page, '.hint')).toEqual([]);
    for (const drawnOnly of ['.lottery-outcome', '.lottery-seed', '.winner'])
      expect(page.querySelectorAll(drawnOnly)).toHaveLength(0);
    // Tickets come from counted votes only: the page's own words never offer one for a share.
    const own = textsOf(page, '.page')[0]
      ?.replace(terms, '')
      .replace(textsOf(page, '.rule-terms')[0] ?? '', '');
    expect(own).not.toContain('分享');
  });
});

describe('抽奖 once drawn', () => {
  let drawn: LotteryView;
  const winner = () =>
    drawn.winners?.[0]?.holder === lotteryHolder(lottery.id, participantOf.ann) ? 'ann' : 'ben';
  beforeAll(async () => {
    await mongo
      .collection('campaigns')
      .updateOne({ _id: campaignId as never }, { $set: { status: 'ended' } });
    const answer = await asHost<LotteryView>(
      'POST',
      `/api/campaigns/${campaignId}/lotteries/${lottery.id}/draw`,
    );
    expect(answer.status).toBe(200);
    drawn = answer.body;
    expect(drawn.winners).toHaveLength(1);
  });

  it('tells the winner 恭喜中奖, with the winners, the published seed and how anyone can check it', async () => {
    const who = winner();
    const page = await openAs(who);
    expect(textsOf(page, '.lottery-status')[0]).toMatch(/^已开奖 · /);
    expect(textsOf(page, '.lottery-outcome')).toEqual(['恭喜中奖：蓝牙耳机']);
    expect(textsOf(page, '.winners-title')).toEqual(['中奖名单（1 名）']);
    expect(textsOf(page, '.winner-prize')).toEqual(['蓝牙耳机']);
    expect(textsOf(page, '.winner-holder')).toEqual([lotteryHolder(lottery.id, participantOf[who])]);
    expect(textsOf(page, '.winner-me')).toEqual(['我']);
    expect(textsOf(page, '.lottery-tickets')).toEqual(['共 2 张抽奖券参与开奖']);
    expect(textsOf(page, '.lottery-seed')).toEqual([drawn.seed]);
    expect(drawn.seed).toMatch(/^[0-9a-f]{64}$/);
    expect(textsOf(page, '.lottery-commitment')).toEqual([lottery.commitment]);
    expect(textsOf(page, '.lottery-verify')[0]).toContain('开奖后公布种子与全部抽奖券，任何人都可复算结果');
  });

  it('tells a holder who did not win 未中奖, naming the winner by their hash only', async () => {
    const who = winner() === 'ann' ? 'ben' : 'ann';
    const page = await openAs(who);
    expect(textsOf(page, '.lottery-outcome')).toEqual(['未中奖']);
    expect(textsOf(page, '.my-ticket-count')).toEqual(['我的抽奖券：1 张']);
    expect(textsOf(page, '.my-holder')).toEqual([lotteryHolder(lottery.id, participantOf[who])]);
    expect(textsOf(page, '.winner-holder')).toEqual([drawn.winners?.[0]?.holder]);
    expect(textsOf(page, '.winner-holder')).not.toContain(textsOf(page, '.my-holder')[0]);
    expect(textsOf(page, '.winner-me')).toEqual([]);
    expect(textsOf(page, '.lottery-seed')).toEqual([drawn.seed]);
  });
});
