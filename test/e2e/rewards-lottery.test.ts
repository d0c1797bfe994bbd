import { createHash } from 'node:crypto';
import { rewardModels } from '@rallyboard/core/db';
import type { LotteryTicketPage, LotteryView, MyRewards } from '@rallyboard/core/protocol';
import { markRewards } from '@rallyboard/core/redis';
import { describe, expect, it } from 'vitest';
import { call, codeOf } from '../../server/test/support/hosts.js';
import { runCommand } from '../support/commands.js';
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

// A lottery through the real pipeline: committed before the campaign starts, tickets from counted
// votes only (a voided vote's ticket taken back), drawn once after the end, and checked by
// `npm run verify-draw` from nothing but what the server publishes.
useRiskReviewStack();

const pass = () => rewardPass(server, mongo, config);

const asHost = <T>(method: string, path: string, body?: unknown) =>
  call<T>(server, host.token, method, path, body);
const publicly = <T>(path: string) => call<T>(server, undefined, 'GET', path);

async function mine(participantId: string, campaignId: string): Promise<MyRewards> {
  const res = await fetch(`${server.url}/api/me/rewards?campaignId=${campaignId}`, {
    headers: { authorization: `Bearer ${await participantToken(config, participantId)}` },
  });
  return (await res.json()) as MyRewards;
}

const verifyDraw = (campaignId: string, ...more: string[]) =>
  runCommand('scripts/verify-draw/main.ts', [campaignId, server.url, ...more], {});

describe('a lottery', () => {
  it('is committed before the start, drawn once after the end from counted votes, and verified by anyone', async () => {
    const campaignId = await liveCampaign({ status: 'scheduled' });
    const created = await asHost<LotteryView>('POST', `/api/campaigns/${campaignId}/lotteries`, {
      name: '幸运抽奖',
      prizes: [
        { name: '一等奖', count: 1 },
        { name: '二等奖', count: 2 },
      ],
      perParticipant: 1,
    });
    expect(created.status).toBe(201);
    const { id: lotteryId, commitment } = created.body;
    expect(commitment).toMatch(/^[0-9a-f]{64}$/);
    // Everyone reads the commitment, the prizes and the odds; nobody reads the seed.
    const before = (await publicly<{ lotteries: LotteryView[] }>(`/api/campaigns/${campaignId}/lotteries`))
      .body;
    expect(before.lotteries[0]).toMatchObject({ commitment, status: 'committed', tickets: 0 });
    expect(before.lotteries[0]?.seed).toBeUndefined();
    expect(before.lotteries[0]?.terms).toMatch(/一等奖 1 名、二等奖 2 名.*与分享、邀请无关/);
    expect(JSON.stringify(before)).not.toMatch(/seed"/);
    const rule = await asHost('POST', `/api/campaigns/${campaignId}/reward-rules`, {
      name: '投票抽奖券',
      trigger: { kind: 'every-nth', n: 1 },
      reward: { kind: 'lottery', lotteryId },
    });
    expect(rule.status).toBe(201);
    expect((await asHost('POST', `/api/campaigns/${campaignId}/status`, { status: 'live' })).status).toBe(
      200,
    );
    // Once live, no new lottery: its seed would come after the votes.
    const late = await asHost('POST', `/api/campaigns/${campaignId}/lotteries`, {
      name: '迟到的抽奖',
      prizes: [{ name: '奖', count: 1 }],
    });
    expect(codeOf(late)).toBe('LOTTERY_TOO_LATE');

    const voters = Array.from({ length: 6 }, (_, i) => ({
      participantId: `p-lot${i}-${campaignId}`,
      ip: `198.51.100.${40 + i}`,
      deviceId: `dev-lot-${i}`,
      dwellMs: 5_000 + i * 700,
    }));
    for (const voter of voters.slice(0, 5)) {
      await vote(campaignId, 'alice', voter);
      await vote(campaignId, 'bob', voter);
    }
    const [fraud] = voters.slice(5);
    if (!fraud) throw new Error('no sixth voter');
    await vote(campaignId, 'carol', fraud);
    await decided(campaignId, 11);
    await pass();
    const early = await asHost('POST', `/api/campaigns/${campaignId}/lotteries/${lotteryId}/draw`);
    expect(codeOf(early)).toBe('LOTTERY_NOT_ENDED');

    // Two counted votes, one ticket (one per person); the carol vote voided takes its ticket back.
    await reviewed(campaignId, 'review/void-by-rule', {
      from: new Date(Date.now() - 3_600_000).toISOString(),
      to: new Date(Date.now() + 60_000).toISOString(),
      candidateId: 'carol',
    });
    await pass();
    const first = (await mine(voters[0]?.participantId ?? '', campaignId)).grants;
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({
      status: 'active',
      lotteryId,
      holder: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
    const fraudTicket = (await mine(fraud.participantId, campaignId)).grants[0];
    expect(fraudTicket).toMatchObject({ status: 'revoked', lotteryId });
    // The odds at the present count, public before the draw: 5 tickets standing, 3 prizes.
    const now = (await publicly<{ lotteries: LotteryView[] }>(`/api/campaigns/${campaignId}/lotteries`)).body;
    expect(now.lotteries[0]?.tickets).toBe(5);
    expect(now.lotteries[0]?.terms).toContain(
      '目前共 5 张抽奖券，共 3 个奖项名额，按目前券数每张券约有 60.00% 的中奖机会',
    );

    expect((await asHost('POST', `/api/campaigns/${campaignId}/status`, { status: 'ended' })).status).toBe(
      200,
    );
    // A participant whose tickets are not worked out yet: no draw until they are.
    await markRewards(server.deps.redis, server.deps.keys, [
      { campaignId, participantId: fraud.participantId },
    ]);
    const settling = await asHost('POST', `/api/campaigns/${campaignId}/lotteries/${lotteryId}/draw`);
    expect(codeOf(settling)).toBe('LOTTERY_SETTLING');
    await pass();
    const drawn = await asHost<LotteryView>(
      'POST',
      `/api/campaigns/${campaignId}/lotteries/${lotteryId}/draw`,
    );
    expect(drawn.status).toBe(200);
    expect(drawn.body).toMatchObject({ status: 'drawn', tickets: 5, commitment });
    const seed = drawn.body.seed ?? '';
    expect(createHash('sha256').update(Buffer.from(seed, 'hex')).digest('hex')).toBe(commitment);
    expect(drawn.body.winners?.map((w) => w.prize)).toEqual(['一等奖', '二等奖', '二等奖']);
    const page = (
      await publicly<LotteryTicketPage>(`/api/campaigns/${campaignId}/lotteries/${lotteryId}/tickets`)
    ).body;
    expect(page.tickets).toHaveLength(5);
    expect(page.tickets.map((t) => t.holder)).not.toContain(fraudTicket?.holder);
    expect(page.tickets.map((t) => t.holder)).toContain(first[0]?.holder);
    const again = await asHost('POST', `/api/campaigns/${campaignId}/lotteries/${lotteryId}/draw`);
    expect(codeOf(again)).toBe('LOTTERY_ALREADY_DRAWN');

    const verified = await verifyDraw(campaignId);
    expect(verified.stdout).toMatch(/✓ is the commitment/);
    expect(verified.stdout).toMatch(/✓ the published winners are exactly these/);
    expect(verified.stdout).toMatch(/^verified: 1 lottery drawn and checked, 0 lotteries not drawn yet$/m);
    expect(verified.code).toBe(0);
    // A participant checks their own tickets were drawn from: the fraud's were not (voided).
    const mineIn = await verifyDraw(campaignId, '--holder', first[0]?.holder ?? '');
    expect(mineIn.stdout).toMatch(/✓ holder [0-9a-f]{16} has 1 ticket\(s\) in the list/);
    expect(mineIn.code).toBe(0);
    const fraudIn = await verifyDraw(campaignId, '--holder', fraudTicket?.holder ?? '');
    expect(fraudIn.stdout).toMatch(/✗ holder [0-9a-f]{16} has no ticket in the list/);
    expect(fraudIn.code).toBe(1);

    // A server that changes its winners after the draw is caught.
    const { lotteries } = rewardModels(mongo);
    const stored = await lotteries.findById(lotteryId).lean();
    const winners = stored?.winners ?? [];
    const loser = page.tickets.find((t) => !winners.some((w) => w.holder === t.holder));
    await lotteries.updateOne(
      { _id: lotteryId },
      { $set: { 'winners.0.holder': loser?.holder, 'winners.0.ticket': loser?.ticket } },
    );
    const caught = await verifyDraw(campaignId);
    expect(caught.stdout).toMatch(/✗ the published winners differ/);
    expect(caught.code).toBe(1);
  });
});
