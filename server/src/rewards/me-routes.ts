import {
  type CouponPoolDoc,
  markCodesShown,
  type RewardGrantDoc,
  type RewardModels,
  type RewardRuleDoc,
} from '@rallyboard/core/db';
import { lotteryHolder } from '@rallyboard/core/lottery';
import {
  boardIdSchema,
  type MyRewards,
  myRewardsSchema,
  type RewardGrantView,
} from '@rallyboard/core/protocol';
import { Router } from 'express';
import { z } from 'zod';
import type { Api } from '../http/api.js';
import { whenAvailable } from '../lib/when-available.js';

export interface MyRewardsRouteDeps {
  api: Api;
  rewards: RewardModels;
}

/** How many grants 我的奖励 lists, the newest first. */
const LISTED = 500;

/** The grants a participant sees: their own, with each rule's name and a coupon's code and expiry. */
async function myRewards(
  rewards: RewardModels,
  participantId: string,
  campaignId: string | undefined,
): Promise<MyRewards> {
  const filter = { participantId, ...(campaignId === undefined ? {} : { campaignId }) };
  // The newest 500 are listed, and only their codes are marked, before the read: a code shown is
  // one its revocation will retire, not hand out again; one never listed still goes back.
  const listed = await rewards.grants
    .find(filter, { _id: 1 })
    .sort({ grantedAt: -1 })
    .limit(LISTED)
    .lean<Pick<RewardGrantDoc, '_id'>[]>();
  const ids = listed.map((g) => g._id);
  await markCodesShown(rewards, filter, ids, new Date());
  const grants = await rewards.grants
    .find({ ...filter, _id: { $in: ids } })
    .sort({ grantedAt: -1 })
    .lean<RewardGrantDoc[]>();
  const ruleIds = [...new Set(grants.map((g) => g.ruleId))];
  const poolIds = [...new Set(grants.flatMap((g) => (g.poolId === undefined ? [] : [g.poolId])))];
  const [rules, pools] = await Promise.all([
    rewards.rules.find({ _id: { $in: ruleIds } }, { name: 1 }).lean<Pick<RewardRuleDoc, '_id' | 'name'>[]>(),
    rewards.pools
      .find({ _id: { $in: poolIds } }, { expiresAt: 1 })
      .lean<Pick<CouponPoolDoc, '_id' | 'expiresAt'>[]>(),
  ]);
  const nameOf = new Map(rules.map((r) => [r._id, r.name]));
  const expiryOf = new Map(pools.map((p) => [p._id, new Date(p.expiresAt).toISOString()]));
  const views: RewardGrantView[] = grants.map((g) => ({
    id: g._id,
    campaignId: g.campaignId,
    ruleId: g.ruleId,
    ruleName: nameOf.get(g.ruleId) ?? '',
    status: g.status,
    ...(g.points === undefined ? {} : { points: g.points }),
    // A revoked grant's code is retired, back in the pool or taken at the shop: not shown again.
    // Nor is one filled since the mark above, until the next read marks it.
    ...(g.code === undefined || g.status === 'revoked' || g.shownAt === undefined ? {} : { code: g.code }),
    ...(g.poolId === undefined ? {} : { expiresAt: expiryOf.get(g.poolId) }),
    // A ticket: how the published list names its holder, so they can find themselves in it.
    ...(g.lotteryId === undefined
      ? {}
      : { lotteryId: g.lotteryId, holder: lotteryHolder(g.lotteryId, participantId) }),
    ...(g.unlockableId === undefined ? {} : { unlockableId: g.unlockableId }),
    grantedAt: new Date(g.grantedAt).toISOString(),
    ...(g.revokedAt ? { revokedAt: new Date(g.revokedAt).toISOString() } : {}),
    ...(g.revokedBecause ? { revokedBecause: g.revokedBecause } : {}),
    ...(g.redeemedAt ? { redeemedAt: new Date(g.redeemedAt).toISOString() } : {}),
  }));
  // Every active grant's points, not only those of the newest 500 listed.
  const earned = await rewards.grants
    .find({ ...filter, status: 'active', points: { $exists: true } }, { points: 1 })
    .lean<Pick<RewardGrantDoc, 'points'>[]>();
  const points = earned.reduce((sum, g) => sum + (g.points ?? 0), 0);
  return { points, grants: views };
}

/** 我的奖励: the participant's own points and grants, never anyone else's. */
export function myRewardsRouter(deps: MyRewardsRouteDeps): Router {
  const router = Router();
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/me/rewards',
      tag: 'Rewards',
      summary: 'My points and grants (in one campaign)',
      description: 'Only counted votes earn; a grant whose vote was voided shows as revoked, with why.',
      auth: 'participant',
      query: z.object({ campaignId: boardIdSchema.optional() }),
      responses: { 200: { description: 'My rewards.', schema: myRewardsSchema } },
    },
    async ({ auth, query }, _req, res) => {
      res
        .set('Cache-Control', 'no-store')
        .json(await whenAvailable(() => myRewards(deps.rewards, auth.participantId, query.campaignId)));
    },
  );
  return router;
}
