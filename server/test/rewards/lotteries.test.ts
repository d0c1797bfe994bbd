import { auditModel, type RewardGrantDoc, rewardGrantIdOf, rewardModels } from '@rallyboard/core/db';
import { drawLottery, lotteryHolder } from '@rallyboard/core/lottery';
import type { LotteryTicketPage, LotteryView } from '@rallyboard/core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCampaignDraws } from '../../../scripts/verify-draw/check.js';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { randomId, testConfig } from '../../../test/support/config.js';
import { startTestServer, type TestServer } from '../../../test/support/stack.js';
import { call, codeOf, createTestHost, type TestHost } from '../support/hosts.js';

/** Lotteries over the API: when they may be added and drawn, and what is published. */
const config = testConfig();
let server: TestServer;
let host: TestHost;

beforeAll(async () => {
  server = await startTestServer(config);
  host = await createTestHost(server);
});
afterAll(async () => {
  await server.close();
});

const asHost = <T>(method: string, path: string, body?: unknown) =>
  call<T>(server, host.token, method, path, body);

async function campaignIn(status: 'scheduled' | 'live' | 'ended'): Promise<string> {
  const campaignId = randomId('c');
  await createLiveCampaign(server.deps.mongo, campaignId, { createdBy: host.id, status });
  return campaignId;
}

const lottery = { name: '幸运抽奖', prizes: [{ name: '一等奖', count: 2 }], perParticipant: 1 };

async function addLottery(campaignId: string): Promise<LotteryView> {
  const created = await asHost<LotteryView>('POST', `/api/campaigns/${campaignId}/lotteries`, lottery);
  expect(created.status).toBe(201);
  return created.body;
}

/** Tickets held: lottery grants written as the workers write them. */
async function tickets(campaignId: string, lotteryId: string, holders: number): Promise<RewardGrantDoc[]> {
  const grants: RewardGrantDoc[] = Array.from({ length: holders }, (_, i) => ({
    _id: rewardGrantIdOf('rrTICKETRULE', `p-${i}`, 'nth:1'),
    campaignId,
    ruleId: 'rrTICKETRULE',
    participantId: `p-${i}`,
    key: 'nth:1',
    voteId: `v-${i}`,
    status: 'active',
    lotteryId,
    grantedAt: new Date(),
  }));
  await rewardModels(server.deps.mongo).grants.insertMany(grants);
  return grants;
}

/** A campaign with a lottery added before it started, ended since, and how to draw it. */
async function endedWithLottery() {
  const campaignId = await campaignIn('scheduled');
  const added = await addLottery(campaignId);
  await server.deps.mongo
    .collection('campaigns')
    .updateOne({ _id: campaignId as never }, { $set: { status: 'ended' } });
  const draw = () => asHost<LotteryView>('POST', `/api/campaigns/${campaignId}/lotteries/${added.id}/draw`);
  return { campaignId, added, draw };
}

describe('a lottery draw', () => {
  it('waits for votes still in the queue and for the end rules’ final top', async () => {
    const { campaignId, added, draw } = await endedWithLottery();
    // A vote accepted before the end, not applied yet (no worker runs here).
    const job = await server.deps.voteQueue.add('vote', { boardId: campaignId } as never);
    expect(codeOf(await draw())).toBe('LOTTERY_SETTLING');
    await job.remove();
    // An end rule whose final top the workers have not fixed yet.
    const rule = await rewardModels(server.deps.mongo).rules.create({
      _id: randomId('rr'),
      campaignId,
      name: '冠军支持者',
      trigger: { kind: 'campaign-end', top: 1 },
      reward: { kind: 'lottery', lotteryId: added.id },
      enabled: true,
      createdAt: new Date(),
      createdBy: host.id,
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
    const rule = await rewardModels(server.deps.mongo).rules.create({
      _id: randomId('rr'),
      campaignId,
      name: '百票助威',
      trigger: { kind: 'milestone', candidateId: 'alice', count: 3 },
      reward: { kind: 'lottery', lotteryId: added.id },
      enabled: true,
      reached: true,
      createdAt: new Date(),
      createdBy: host.id,
    });
    expect(codeOf(await draw())).toBe('LOTTERY_SETTLING');
    // The workers took it back after its minute under the count (and its tickets with it).
    await rewardModels(server.deps.mongo).rules.updateOne({ _id: rule._id }, { $set: { reached: false } });
    expect((await draw()).status).toBe(200);
  });
});

describe('a lottery', () => {
  it('is added only before the campaign starts, audited with its commitment and never its seed', async () => {
    const live = await campaignIn('live');
    const late = await asHost('POST', `/api/campaigns/${live}/lotteries`, lottery);
    expect(late.status).toBe(409);
    expect(codeOf(late)).toBe('LOTTERY_TOO_LATE');
    for (const bad of [
      { ...lottery, prizes: [] },
      { ...lottery, prizes: [{ name: '奖', count: 0 }] },
    ]) {
      expect(codeOf(await asHost('POST', `/api/campaigns/${live}/lotteries`, bad))).toBe('INVALID_INPUT');
    }
    const campaignId = await campaignIn('scheduled');
    const added = await addLottery(campaignId);
    expect(added.terms).toMatch(/每人最多持有 1 张，最多中奖一次/);
    const entries = await auditModel(server.deps.mongo)
      .find({ campaignId, action: 'rewards.lottery' })
      .lean();
    expect(entries).toHaveLength(1);
    expect(entries[0]?.after).toMatchObject({ id: added.id, commitment: added.commitment });
    const stored = await rewardModels(server.deps.mongo).lotteries.findById(added.id).lean();
    expect(JSON.stringify(entries)).not.toContain(stored?.seed);
  });

  it('gives tickets only through a rule on a lottery of the campaign', async () => {
    const campaignId = await campaignIn('scheduled');
    const other = await addLottery(await campaignIn('scheduled'));
    const rule = (lotteryId: string) =>
      asHost('POST', `/api/campaigns/${campaignId}/reward-rules`, {
        name: '抽奖券',
        trigger: { kind: 'first-of-day' },
        reward: { kind: 'lottery', lotteryId },
      });
    expect(codeOf(await rule(other.id))).toBe('LOTTERY_NOT_FOUND');
    const own = await addLottery(campaignId);
    const added = await rule(own.id);
    expect(added.status).toBe(201);
    expect((added.body as { terms: string }).terms).toMatch(/获得「幸运抽奖」抽奖券一张/);
  });

  it('publishes its tickets only once drawn, and is drawn once, after the end', async () => {
    const campaignId = await campaignIn('ended');
    const added = await addLottery(await campaignIn('scheduled'));
    const unknown = await asHost('POST', `/api/campaigns/${campaignId}/lotteries/${added.id}/draw`);
    expect(codeOf(unknown)).toBe('LOTTERY_NOT_FOUND');
    // A lottery of a campaign that then ran and ended.
    const ownCampaign = await campaignIn('scheduled');
    const own = await addLottery(ownCampaign);
    const notYet = await call(
      server,
      undefined,
      'GET',
      `/api/campaigns/${ownCampaign}/lotteries/${own.id}/tickets`,
    );
    expect(codeOf(notYet)).toBe('LOTTERY_NOT_DRAWN');
    await server.deps.mongo
      .collection('campaigns')
      .updateOne({ _id: ownCampaign as never }, { $set: { status: 'ended' } });
    const held = await tickets(ownCampaign, own.id, 12_001);
    // What a draw that died half way left: gone when it is drawn again.
    await rewardModels(server.deps.mongo).lotteryTickets.create({
      _id: `${own.id}:dead:0`,
      lotteryId: own.id,
      attempt: 'dead',
      page: 0,
      tickets: [],
    });
    const draws = await Promise.all(
      [0, 1].map(() => asHost<LotteryView>('POST', `/api/campaigns/${ownCampaign}/lotteries/${own.id}/draw`)),
    );
    expect(draws.map((d) => d.status).sort()).toEqual([200, 409]);
    expect(draws.map(codeOf)).toContain('LOTTERY_ALREADY_DRAWN');
    const drawn = draws.find((d) => d.status === 200)?.body;
    const expected = drawLottery(
      drawn?.seed ?? '',
      own.id,
      lottery.prizes,
      held.map((g) => ({ ticket: g._id, holder: lotteryHolder(own.id, g.participantId) })),
    );
    expect(drawn?.winners).toEqual(expected);
    const pages = await call<LotteryTicketPage>(
      server,
      undefined,
      'GET',
      `/api/campaigns/${ownCampaign}/lotteries/${own.id}/tickets?page=2`,
    );
    expect(pages.body).toMatchObject({ page: 2, pages: 3 });
    expect(pages.body.tickets).toHaveLength(2_001);
    expect(await rewardModels(server.deps.mongo).lotteryTickets.countDocuments({ lotteryId: own.id })).toBe(
      3,
    );
    const lines: string[] = [];
    expect(await verifyCampaignDraws(server.url, ownCampaign, (line) => lines.push(line))).toEqual({
      ok: true,
      drawn: 1,
      pending: 0,
    });
    expect(lines.join('\n')).toMatch(/tickets {7}12001 published \(the lottery says 12001\), 12001 holders/);
  });
});
