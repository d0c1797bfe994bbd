import type { RedisClient } from './connection.js';
import type { KeyBuilder } from './keys.js';
import { runScript } from './scripts.js';

type Keys = Pick<KeyBuilder, 'rewards'>;

/** Adds imported codes to a pool's stock. */
export async function stockCoupons(redis: RedisClient, keys: Keys, poolId: string, codes: readonly string[]) {
  const { free } = keys.rewards.couponPool(poolId);
  for (let i = 0; i < codes.length; i += 1_000) await redis.rpush(free, ...codes.slice(i, i + 1_000));
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
 * Whether a campaign's rewards are worked out: none of its participants marked or pending, and
 * no rule of its waiting for its backfill. A lottery is drawn only then.
 */
export async function rewardsSettled(
  redis: RedisClient,
  keys: Pick<KeyBuilder, 'rewards'>,
  campaignId: string,
): Promise<boolean> {
  const busy = await Promise.all([
    namesCampaign(redis, keys.rewards.dirty, 'hash', campaignId),
    namesCampaign(redis, keys.rewards.pending, 'hash', campaignId),
    namesCampaign(redis, keys.rewards.backfill, 'zset', campaignId),
  ]);
  return !busy.some(Boolean);
}
