import { auditModel, type RewardGrantDoc, rewardGrantIdOf, rewardModels } from '@rallyboard/core/db';
import { drawLottery, lotteryHolder } from '@rallyboard/core/lottery';
import type { LotteryTicketPage, LotteryView } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { verifyCampaignDraws } from '../../../scripts/verify-draw/check.js';
import { call, codeOf } from '../support/hosts.js';
import { addLottery, asHost, campaignIn, lottery, server, useLotteryServer } from './lottery-fixture.js';

/** Lotteries over the API: when they may be added and drawn, and what is published. */
useLotteryServer();

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
