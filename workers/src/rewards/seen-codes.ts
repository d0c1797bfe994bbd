import {
  type RewardGrantDoc,
  type RewardModels,
  restoreCouponCode,
  retireCouponCode,
} from '@rallyboard/core/db';
import {
  couponClaimOf,
  forgetCouponClaim,
  type KeyBuilder,
  type RedisClient,
  releaseCoupon,
  restoreCouponClaim,
} from '@rallyboard/core/redis';
import type { DesiredGrant } from './compute.js';

/** What giving codes back needs: the pools' claims in Redis, the grants and codes in MongoDB. */
type CodeDeps = { redis: RedisClient; keys: Pick<KeyBuilder, 'rewards'>; rewards: RewardModels };

// A coupon code its holder has seen (我的奖励 marks it: markCodesShown) is spent: when its grant
// is revoked it is retired, never handed to anyone else (who would find it taken at the counter),
// and it is the same holder's again if they earn the grant back.

/**
 * The codes of revoked grants that their holders were shown (grant id → code), read after the
 * revocations are written: a participant's read marks a code shown only while its grant is
 * active, so a code shown before the revocation is found here.
 */
async function seenCodes(
  deps: CodeDeps,
  releases: readonly { grantId: string }[],
): Promise<Map<string, string>> {
  if (releases.length === 0) return new Map();
  const seen = await deps.rewards.grants
    .find({ _id: { $in: releases.map((r) => r.grantId) }, shownAt: { $exists: true } }, { code: 1 })
    .lean<Pick<RewardGrantDoc, '_id' | 'code'>[]>();
  return new Map(seen.flatMap((g) => (g.code === undefined ? [] : [[g._id, g.code]])));
}

/**
 * Gives revoked grants' codes back to their pools, or retires those their holders had seen.
 * Answers the pools that have codes back.
 */
export async function giveBackCodes(
  deps: CodeDeps,
  releases: readonly { poolId: string; grantId: string }[],
  now: Date,
): Promise<Set<string>> {
  const pools = new Set<string>();
  const seen = await seenCodes(deps, releases);
  for (const { poolId, grantId } of releases) {
    const code = seen.get(grantId);
    if (code !== undefined) await retireCouponCode(deps.rewards, poolId, code, now);
    // The claim of the code seen is dropped; any other (a code claimed by a write that then
    // failed, never shown) goes back to the pool.
    if (code !== undefined && (await couponClaimOf(deps.redis, deps.keys, poolId, grantId)) === code) {
      await forgetCouponClaim(deps.redis, deps.keys, poolId, grantId);
    } else if ((await releaseCoupon(deps.redis, deps.keys, poolId, grantId)) !== undefined) {
      pools.add(poolId);
    }
  }
  return pools;
}

/**
 * A revoked grant earned again whose holder had seen its code: that code (retired meanwhile, so
 * no one else's) is theirs again. Answers whether it was.
 */
export async function restoreSeenCode(
  deps: CodeDeps,
  d: DesiredGrant,
  held: RewardGrantDoc,
): Promise<boolean> {
  const sameCoupon = d.reward.kind === 'coupon' && d.reward.poolId === held.poolId;
  if (!sameCoupon || held.poolId === undefined || held.code === undefined || held.shownAt === undefined)
    return false;
  // The code back first, then the grant: a pass that dies in between does it again. A claim of
  // another code (claimed by a write that then failed, never shown) goes back to the pool first.
  await restoreCouponCode(deps.rewards, held.poolId, held.code);
  const claimed = await couponClaimOf(deps.redis, deps.keys, held.poolId, held._id);
  if (claimed !== undefined && claimed !== held.code)
    await releaseCoupon(deps.redis, deps.keys, held.poolId, held._id);
  await restoreCouponClaim(deps.redis, deps.keys, held.poolId, held._id, held.code);
  await deps.rewards.grants.updateOne(
    { _id: d.grantId },
    { $set: { status: 'active', voteId: d.voteId }, $unset: { revokedAt: 1, revokedBecause: 1 } },
  );
  return true;
}
