import type { RewardGrantDoc, RewardModels } from '@rallyboard/core/db';
import {
  type CouponHoldings,
  type KeyBuilder,
  queueRewardBackfill,
  type RedisClient,
  restockCoupons,
  withLock,
} from '@rallyboard/core/redis';

/** What putting a campaign's rewards back in Redis needs. */
export interface RewardRestoreDeps {
  redis: RedisClient;
  keys: Pick<KeyBuilder, 'rewards' | 'campaignLock'>;
  rewards: RewardModels;
}

/** What a restore found and put back. */
export interface RewardRestoreReport {
  /** The campaign's reward rules: with any, it is on the workers' list again and its voters in line. */
  rules: number;
  pools: number;
  /** Active grants' claims on their codes written again. */
  claims: number;
  /** Codes made free again: imported, and held by no active grant, redeemed, seen or retired. */
  restocked: number;
  /** Codes MongoDB says are held that were among the free ones: taken out. */
  removed: number;
}

/** What MongoDB says of a pool's codes: the active grants' claims, the codes held otherwise, the rest. */
async function holdingsOf(models: RewardModels, poolId: string): Promise<CouponHoldings> {
  const [codes, grants] = await Promise.all([
    models.codes.find({ poolId }, { code: 1, retiredAt: 1 }).lean(),
    models.grants
      .find(
        {
          poolId,
          code: { $exists: true },
          $or: [{ status: 'active' }, { redeemedAt: { $exists: true } }, { shownAt: { $exists: true } }],
        },
        { code: 1, status: 1, redeemedAt: 1, shownAt: 1 },
      )
      .lean<Pick<RewardGrantDoc, '_id' | 'code' | 'status' | 'redeemedAt' | 'shownAt'>[]>(),
  ]);
  const claims = grants.flatMap((g) =>
    g.status === 'active' && g.redeemedAt === undefined && g.code !== undefined
      ? [{ grantId: g._id, code: g.code }]
      : [],
  );
  const claimed = new Set(claims.map((c) => c.code));
  // Spent, whatever became of its grant since: redeemed (the shop took it), or seen by its holder
  // (retired once the grant was revoked, or about to be, or given back to that holder: seen-codes.ts).
  const spent = (g: (typeof grants)[number]) => g.redeemedAt !== undefined || g.shownAt !== undefined;
  const held = new Set([
    ...grants.flatMap((g) => (spent(g) && g.code !== undefined ? [g.code] : [])),
    ...codes.flatMap((c) => (c.retiredAt === undefined ? [] : [c.code])),
  ]);
  for (const code of claimed) held.delete(code);
  const unheld = codes.map((c) => c.code).filter((code) => !claimed.has(code) && !held.has(code));
  return { claims, held: [...held], unheld };
}

/** The locks a pool's codes move under: an import's (the campaign's), and the passes' and the counter's (rewards). */
const LOCK = { ttlMs: 30_000, waitMs: 60_000, renew: { forMs: 10 * 60_000 } };

/**
 * Puts back in Redis what a campaign's rewards keep there, from MongoDB: after Redis lost its
 * data (docs/operations.md), the board rebuild runs it. Safe on a Redis that lost nothing.
 *
 * - Each coupon pool's stock (restockCoupons): the claims of active grants, and as free codes the
 *   codes imported less those of active grants and those redeemed, seen or retired. Under the
 *   campaign's lock (an import writes its codes to MongoDB before it stocks them) and its rewards
 *   lock (a pass claims a code before it saves the grant; the counter redeems), so MongoDB is not
 *   caught half way; and a code a claim holds is never made free (claimed for a grant not saved
 *   yet). An import that died before stocking its codes has them stocked too.
 * - A campaign with rules is put back on the workers' list of campaigns with rules, and its past
 *   voters in line (a backfill, due a few seconds on, as for a new rule): the marks and review's
 *   pending notes Redis lost are worked out again, and coupon grants left waiting are filled.
 */
export async function restoreCampaignRewards(
  deps: RewardRestoreDeps,
  campaignId: string,
  clock: () => number = Date.now,
): Promise<RewardRestoreReport> {
  const [rules, pools] = await Promise.all([
    deps.rewards.rules.find({ campaignId }, { _id: 1 }).sort({ createdAt: 1 }).lean(),
    deps.rewards.pools.find({ campaignId }, { _id: 1 }).lean(),
  ]);
  const report = { rules: rules.length, pools: pools.length, claims: 0, restocked: 0, removed: 0 };
  const restock = async () => {
    for (const pool of pools) {
      const done = await restockCoupons(
        deps.redis,
        deps.keys,
        pool._id,
        await holdingsOf(deps.rewards, pool._id),
      );
      report.claims += done.claims;
      report.restocked += done.freed;
      report.removed += done.removed;
    }
  };
  if (pools.length > 0) {
    const { redis, keys } = deps;
    await withLock(
      redis,
      keys.campaignLock(campaignId),
      () => withLock(redis, keys.rewards.lock(campaignId), restock, LOCK),
      LOCK,
    );
  }
  const [first] = rules;
  if (first) {
    // The voters in line before the campaign is listed: a draw that finds it listed finds them
    // too (server/src/rewards/lotteries.ts). The backfill is due a few seconds on, by when the
    // workers have read the list, so no vote falls between. Its time is read now, after the
    // locks and the restock: read as the restore began, a slow restock made it due as soon as
    // listed, before the workers had read the list (until 2026-12-07).
    await queueRewardBackfill(deps.redis, deps.keys, campaignId, first._id, clock());
    await deps.redis.sadd(deps.keys.rewards.campaigns, campaignId);
  }
  return report;
}
