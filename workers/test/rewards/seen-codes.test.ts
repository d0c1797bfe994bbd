import type { RewardGrantDoc, RewardModels } from '@rallyboard/core/db';
import {
  claimCoupon,
  couponClaimOf,
  couponsLeft,
  createKeys,
  type RedisClient,
} from '@rallyboard/core/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../test/support/config.js';
import type { DesiredGrant } from '../../src/rewards/compute.js';
import { giveBackCodes, restoreSeenCode } from '../../src/rewards/seen-codes.js';
import { openRewardStores } from '../support/deps.js';

// What becomes of a revoked coupon grant's code after a pass that died between two writes: each
// code is in exactly one place (the pool, a grant's claim, or retired), whatever was left behind.
const config = testConfig();
const keys = createKeys(config.keyPrefix);
let redis: RedisClient;
let rewards: RewardModels;
const deps = () => ({ redis, keys, rewards });

let stores: Awaited<ReturnType<typeof openRewardStores>>;
beforeAll(async () => {
  stores = await openRewardStores(config);
  ({ redis, rewards } = stores);
});
afterAll(() => stores.close());

/** A pool with these codes free, each recorded as imported. */
async function pool(codes: string[]): Promise<string> {
  const poolId = randomId('cp');
  await rewards.codes.insertMany(
    codes.map((code) => ({ _id: `${poolId}:${code}`, poolId, code, importedAt: new Date() })),
  );
  await redis.rpush(keys.rewards.couponPool(poolId).free, ...codes);
  return poolId;
}

/** A coupon grant revoked after its holder saw `code`. */
async function revokedSeen(poolId: string, code: string): Promise<RewardGrantDoc> {
  const grant: RewardGrantDoc = {
    _id: randomId('g'),
    campaignId: randomId('board'),
    ruleId: 'rrSEEN',
    participantId: randomId('p'),
    key: 'day:2026-12-07',
    voteId: randomId('v'),
    status: 'revoked',
    poolId,
    code,
    shownAt: new Date(),
    grantedAt: new Date(),
    revokedAt: new Date(),
  };
  await rewards.grants.create(grant);
  return grant;
}

const retired = async (poolId: string, code: string) =>
  (await rewards.codes.findById(`${poolId}:${code}`).lean())?.retiredAt !== undefined;

describe('a code its holder has seen', () => {
  it('is retired when its grant is revoked, and a claim of another code left by a failed write goes back', async () => {
    const poolId = await pool(['X', 'Y']);
    const grant = await revokedSeen(poolId, 'X');
    await redis.lrem(keys.rewards.couponPool(poolId).free, 0, 'X');
    // A write that failed left the grant claiming Y (never shown), not the X it saw.
    await redis.lrem(keys.rewards.couponPool(poolId).free, 0, 'Y');
    await redis.hset(keys.rewards.couponPool(poolId).claims, grant._id, 'Y');
    await giveBackCodes(deps(), [{ poolId, grantId: grant._id }], new Date());
    expect(await retired(poolId, 'X')).toBe(true);
    expect(await redis.lrange(keys.rewards.couponPool(poolId).free, 0, -1)).toEqual(['Y']);
    expect(await couponClaimOf(redis, keys, poolId, grant._id)).toBeUndefined();
  });

  it('is its holder’s again when the grant is earned back, and a claim of another code goes back to the pool', async () => {
    const poolId = await pool(['X', 'Y']);
    const grant = await revokedSeen(poolId, 'X');
    await redis.lrem(keys.rewards.couponPool(poolId).free, 0, 'X');
    await rewards.codes.updateOne({ _id: `${poolId}:X` }, { $set: { retiredAt: new Date() } });
    // An earlier pass claimed Y for it, and died before writing the grant.
    expect(await claimCoupon(redis, keys, poolId, grant._id)).toBe('Y');
    const desired: DesiredGrant = {
      grantId: grant._id,
      ruleId: grant.ruleId,
      key: grant.key,
      voteId: randomId('v'),
      reward: { kind: 'coupon', poolId },
    };
    expect(await restoreSeenCode(deps(), desired, grant)).toBe(true);
    expect(await retired(poolId, 'X')).toBe(false);
    expect(await couponClaimOf(redis, keys, poolId, grant._id)).toBe('X');
    expect(await redis.lrange(keys.rewards.couponPool(poolId).free, 0, -1)).toEqual(['Y']);
    expect(await couponsLeft(redis, keys, poolId)).toBe(1);
    expect(await rewards.grants.findById(grant._id).lean()).toMatchObject({ status: 'active', code: 'X' });
  });
});
