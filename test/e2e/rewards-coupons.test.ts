import { ledgerModel, rewardModels } from '@rallyboard/core/db';
import { describe, expect, it } from 'vitest';
import { asHost, mine, pass, rewardedCampaign, stockOf, voidVotesFor } from '../support/rewarded-campaign.js';
import { decided, mongo, useRiskReviewStack, vote } from '../support/risk-review-fixture.js';
import { eventually } from '../support/stack.js';

// Coupons at the counter (核销), through the real pipeline: a code redeemed stays taken when its
// vote is voided, and a code its holder has seen is never handed to anyone else.
useRiskReviewStack();

/** A fan of the campaign voting from their own phone and address, reading each candidate a few seconds. */
const fan = (campaignId: string, name: string, ip: string) => ({
  participantId: `p-${name}-${campaignId}`,
  ip,
  deviceId: `dev-${name}`,
  dwellMs: 5_000,
});

describe('coupon codes earned by counted votes', () => {
  it('keep a code redeemed at the counter taken when its vote is voided, flagged; an expired pool gives and redeems none', async () => {
    const { campaignId, poolId } = await rewardedCampaign();
    const [ann, cai, bo] = [
      fan(campaignId, 'ann', '198.51.100.31'),
      fan(campaignId, 'cai', '198.51.100.32'),
      fan(campaignId, 'bo', '198.51.100.33'),
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

  it('never hand a code its revoked holder has seen to anyone else, and refuse it at the counter', async () => {
    const { campaignId, poolId } = await rewardedCampaign();
    const [ann, cai, eve, bo] = [
      fan(campaignId, 'ann', '198.51.100.41'),
      fan(campaignId, 'cai', '198.51.100.42'),
      fan(campaignId, 'eve', '198.51.100.43'),
      fan(campaignId, 'bo', '198.51.100.44'),
    ];
    // Three fans' first votes of the day take the pool's three codes.
    await vote(campaignId, 'alice', ann);
    await vote(campaignId, 'carol', cai);
    await vote(campaignId, 'bob', eve);
    await decided(campaignId, 3);
    await pass();
    const coupon = async (voter: { participantId: string }) =>
      (await rewardModels(mongo).grants.findOne({ participantId: voter.participantId }).lean())?.code;
    // Ann opens 我的奖励 and sees hers; Cai never looks.
    const seen = (await mine(ann.participantId, campaignId)).grants.find(
      (g) => g.ruleName === '每日一券',
    )?.code;
    expect(seen).toMatch(/^TEA-/);
    const unseen = await coupon(cai);
    expect(await stockOf(campaignId)).toMatchObject({ left: 0, granted: 3, retired: 0 });

    // Ann's vote voided: her code is retired, and whoever shows it at the counter is refused.
    await voidVotesFor(campaignId, 'alice');
    await pass();
    expect(await stockOf(campaignId)).toMatchObject({ left: 0, granted: 2, retired: 1 });
    const redeem = (code: string) =>
      asHost('POST', `/api/campaigns/${campaignId}/coupon-pools/${poolId}/redeem`, { code });
    const refused = await redeem(seen ?? '');
    expect(refused.status).toBe(409);
    expect((refused.body as { error: { code: string } }).error.code).toBe('COUPON_RETIRED');

    // Bo's first vote earns a coupon: the code Ann saw is not handed to him; he waits for one.
    // The workers learn which campaigns have reward rules every 2 s (rewards/mark.ts), and this
    // test's passes ran the rules' backfill at once: Bo votes once they know this one, as any
    // vote does a few seconds after the campaign's first rule.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await vote(campaignId, 'bob', bo);
    // The worker marks a voter for the pass just after the vote's record: passes until his grant is there.
    await eventually(
      async () => {
        await pass();
        return (await rewardModels(mongo).grants.countDocuments({ participantId: bo.participantId })) > 0;
      },
      20_000,
      "Bo's coupon worked out",
    );
    expect((await mine(bo.participantId, campaignId)).grants).toMatchObject([{ status: 'unfilled' }]);
    // Cai's vote voided: she never saw her code, so it goes back to the pool, and Bo gets it.
    await voidVotesFor(campaignId, 'carol');
    await pass();
    await pass();
    expect((await mine(bo.participantId, campaignId)).grants).toMatchObject([
      { status: 'active', code: unseen },
    ]);
    expect(unseen).not.toBe(seen);
    expect(await stockOf(campaignId)).toMatchObject({ left: 0, granted: 2, retired: 1 });
  });
});
