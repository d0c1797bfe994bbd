import type { RedisClient } from './connection.js';
import type { KeyBuilder } from './keys.js';
import { runScript } from './scripts.js';

type Keys = Pick<KeyBuilder, 'rewards'>;

/** Adds imported codes to a pool's stock. */
export async function stockCoupons(redis: RedisClient, keys: Keys, poolId: string, codes: readonly string[]) {
  const { free } = keys.rewards.couponPool(poolId);
  for (let i = 0; i < codes.length; i += 1_000) await redis.rpush(free, ...codes.slice(i, i + 1_000));
}

/** What MongoDB says of a pool's codes: the stock restockCoupons puts back. */
export interface CouponHoldings {
  /** The codes of active grants not redeemed: their claims. */
  claims: readonly { grantId: string; code: string }[];
  /** Codes held otherwise, never free: redeemed (the shop took them) or retired. */
  held: readonly string[];
  /** The imported codes no grant holds. */
  unheld: readonly string[];
}

/** Codes a restock call takes at most: a pool of 200,000 codes overflowed one call's arguments. */
const RESTOCK_CHUNK = 5_000;

/**
 * Puts a pool's stock back from what MongoDB says of its codes (restockCoupons-2.lua): the claims
 * of active grants, and the free codes, each code no claim holds and not free already, so a code
 * is never handed out twice. In calls of at most RESTOCK_CHUNK codes, the claims first, then the
 * held codes, then the others: each call reads the stock as the ones before left it, so the
 * caller holds what keeps the pool still meanwhile (the rewards lock and the campaign's, as the
 * restore does). Answers how many claims it restored, codes it made free, and held codes it took
 * out of the free ones.
 */
export async function restockCoupons(
  redis: RedisClient,
  keys: Keys,
  poolId: string,
  { claims, held, unheld }: CouponHoldings,
): Promise<{ claims: number; freed: number; removed: number }> {
  const { free, claims: claimsKey } = keys.rewards.couponPool(poolId);
  const calls: (string | number)[][] = [];
  for (let i = 0; i < claims.length; i += RESTOCK_CHUNK) {
    const chunk = claims.slice(i, i + RESTOCK_CHUNK);
    calls.push([chunk.length, 0, ...chunk.flatMap((c) => [c.grantId, c.code])]);
  }
  for (let i = 0; i < held.length; i += RESTOCK_CHUNK) {
    const chunk = held.slice(i, i + RESTOCK_CHUNK);
    calls.push([0, chunk.length, ...chunk]);
  }
  for (let i = 0; i < unheld.length; i += RESTOCK_CHUNK)
    calls.push([0, 0, ...unheld.slice(i, i + RESTOCK_CHUNK)]);
  const total = { claims: 0, freed: 0, removed: 0 };
  for (const args of calls) {
    const [restored = 0, freed = 0, removed = 0] = (await runScript(
      redis,
      'restockCoupons',
      [free, claimsKey],
      args,
    )) as number[];
    total.claims += restored;
    total.freed += freed;
    total.removed += removed;
  }
  return total;
}

/** One code for a grant (the same one if it holds one already), or undefined when none is left. */
export async function claimCoupon(
  redis: RedisClient,
  keys: Keys,
  poolId: string,
  grantId: string,
): Promise<string | undefined> {
  const { free, claims } = keys.rewards.couponPool(poolId);
  const code = await runScript(redis, 'claimCoupon', [free, claims], [grantId]);
  return typeof code === 'string' ? code : undefined;
}

/** Puts a revoked grant's code back in its pool; answers it, or undefined if the grant held none. */
export async function releaseCoupon(
  redis: RedisClient,
  keys: Keys,
  poolId: string,
  grantId: string,
): Promise<string | undefined> {
  const { free, claims } = keys.rewards.couponPool(poolId);
  const code = await runScript(redis, 'releaseCoupon', [free, claims], [grantId]);
  return typeof code === 'string' ? code : undefined;
}

/** The code a grant's claim holds, if any. */
export async function couponClaimOf(
  redis: RedisClient,
  keys: Keys,
  poolId: string,
  grantId: string,
): Promise<string | undefined> {
  return (await redis.hget(keys.rewards.couponPool(poolId).claims, grantId)) ?? undefined;
}

/** Gives a grant back the code it held (retired meanwhile, so in no list): its claim again. */
export async function restoreCouponClaim(
  redis: RedisClient,
  keys: Keys,
  poolId: string,
  grantId: string,
  code: string,
) {
  await redis.hset(keys.rewards.couponPool(poolId).claims, grantId, code);
}

/** Drops a redeemed grant's claim without giving the code back: the shop has taken it. */
export async function forgetCouponClaim(redis: RedisClient, keys: Keys, poolId: string, grantId: string) {
  await redis.hdel(keys.rewards.couponPool(poolId).claims, grantId);
}

/** How many codes a pool has left. */
export const couponsLeft = (redis: RedisClient, keys: Keys, poolId: string): Promise<number> =>
  redis.llen(keys.rewards.couponPool(poolId).free);

/** A participant of a campaign as the rewards hashes (marks, pending) name it: `<campaignId> <participantId>`. */
export const rewardField = (campaignId: string, participantId: string) => `${campaignId} ${participantId}`;

/** The campaign and participant a rewardField names. */
export function parseRewardField(field: string): { campaignId: string; participantId: string } {
  const [campaignId = '', participantId = ''] = field.split(' ');
  return { campaignId, participantId };
}

/**
 * Marks participants whose counted activity changed, for the rewards pass to work out again.
 * Each mark adds one, so a mark that lands while a pass works keeps the entry (settleRewardMarks).
 */
export async function markRewards(
  redis: RedisClient,
  keys: Pick<KeyBuilder, 'rewards'>,
  marks: readonly { campaignId: string; participantId: string }[],
): Promise<void> {
  if (marks.length === 0) return;
  const pipeline = redis.pipeline();
  for (const m of marks) pipeline.hincrby(keys.rewards.dirty, rewardField(m.campaignId, m.participantId), 1);
  await pipeline.exec();
}

/**
 * Puts a campaign's past voters in line to be marked for a rule (`<campaignId> <ruleId>` in the
 * backfill; the rewards pass marks them once the entry is a few seconds older than `at`). A rule
 * put in line again before its backfill ran is one entry, due from the later `at`.
 */
export async function queueRewardBackfill(
  redis: RedisClient,
  keys: Pick<KeyBuilder, 'rewards'>,
  campaignId: string,
  ruleId: string,
  at: number,
): Promise<void> {
  await redis.zadd(keys.rewards.backfill, at, `${campaignId} ${ruleId}`);
}

/** Up to `max` marked participants (a SCAN's worth: some may be missed until the next pass). */
export async function listRewardMarks(
  redis: RedisClient,
  keys: Pick<KeyBuilder, 'rewards'>,
  max: number,
): Promise<{ campaignId: string; participantId: string }[]> {
  const [, flat] = await redis.hscan(keys.rewards.dirty, '0', 'COUNT', max);
  const out: { campaignId: string; participantId: string }[] = [];
  for (let i = 0; i < flat.length && out.length < max; i += 2) {
    out.push(parseRewardField(flat[i] ?? ''));
  }
  return out;
}

/** The marks one participant has now (read under its rewards lock, before its pass). */
export async function rewardMarksOf(
  redis: RedisClient,
  keys: Pick<KeyBuilder, 'rewards'>,
  campaignId: string,
  participantId: string,
): Promise<number> {
  return Number((await redis.hget(keys.rewards.dirty, rewardField(campaignId, participantId))) ?? 0);
}

/**
 * Takes back the marks a pass read (settleRewardMarks-1.lua): the entry stays if a mark came in
 * meanwhile, for a vote the pass may not have seen.
 */
export async function settleRewardMarks(
  redis: RedisClient,
  keys: Pick<KeyBuilder, 'rewards'>,
  campaignId: string,
  participantId: string,
  marks: number,
): Promise<void> {
  if (marks <= 0) return;
  await runScript(
    redis,
    'settleRewardMarks',
    [keys.rewards.dirty],
    [rewardField(campaignId, participantId), marks],
  );
}

/** Whether some entry of a hash (or sorted set) names a campaign: `<campaignId> …`, scanned whole. */
async function namesCampaign(redis: RedisClient, key: string, kind: 'hash' | 'zset', campaignId: string) {
  let cursor = '0';
  do {
    const [next, found] =
      kind === 'hash'
        ? await redis.hscan(key, cursor, 'MATCH', `${campaignId} *`, 'COUNT', 1_000)
        : await redis.zscan(key, cursor, 'MATCH', `${campaignId} *`, 'COUNT', 1_000);
    if (found.length > 0) return true;
    cursor = next;
  } while (cursor !== '0');
  return false;
}

/**
 * Whether a campaign's rewards are worked out: no rule of its waiting for its backfill, and none
 * of its participants pending or marked. A lottery is drawn only then (under the campaign's
 * rewards lock, so no pass takes a mark back meanwhile).
 *
 * One after the other, in that order: a backfill marks its voters before its entry goes, and
 * review marks a moved voter before its pending note goes, so a backfill or a move that finishes
 * while this reads is found by the next read, the marks. Read at once (until 2026-12-07), a move
 * that finished between the marks' read and the pending's was missed by both.
 */
export async function rewardsSettled(
  redis: RedisClient,
  keys: Pick<KeyBuilder, 'rewards'>,
  campaignId: string,
): Promise<boolean> {
  if (await namesCampaign(redis, keys.rewards.backfill, 'zset', campaignId)) return false;
  if (await namesCampaign(redis, keys.rewards.pending, 'hash', campaignId)) return false;
  return !(await namesCampaign(redis, keys.rewards.dirty, 'hash', campaignId));
}
