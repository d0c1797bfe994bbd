import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../../test/support/config.js';
import { testRedis } from '../../../../test/support/stack.js';
import {
  closeRedis,
  createKeys,
  markRewards,
  type RedisClient,
  restockCoupons,
  rewardField,
  rewardsSettled,
} from '../../src/redis/index.js';

const config = testConfig();
const keys = createKeys(config.keyPrefix);
let redis: RedisClient;

beforeAll(async () => {
  redis = await testRedis(config);
});
afterAll(() => closeRedis(redis));

describe("a campaign's rewards settled", () => {
  it('are not, when a review move finishes while they are read: its mark is found after its pending note goes', async () => {
    const campaignId = randomId('c');
    const field = rewardField(campaignId, 'p-moved');
    // Review noted the voter as pending before its move; it marks them and drops the note just as
    // the pending notes are read.
    await redis.hset(keys.rewards.pending, field, Date.now());
    const finishing = new Proxy(redis, {
      get(target, prop) {
        if (prop === 'hscan') {
          return async (key: string, ...rest: unknown[]) => {
            if (key === keys.rewards.pending && (await target.hexists(key, field))) {
              await markRewards(target, keys, [{ campaignId, participantId: 'p-moved' }]);
              await target.hdel(key, field);
            }
            return Reflect.apply(target.hscan, target, [key, ...rest]);
          };
        }
        const value = Reflect.get(target, prop);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    expect(await rewardsSettled(finishing, keys, campaignId)).toBe(false);
  });
});

describe("a pool's stock put back", () => {
  it('restores claims and frees codes no one holds, never a code a claim holds or one already free, and takes held codes out', async () => {
    const poolId = randomId('cp');
    const pool = keys.rewards.couponPool(poolId);
    // Out of step: B (redeemed) is among the free codes; g1's claim on C is one MongoDB does not know.
    await redis.rpush(pool.free, 'A', 'B');
    await redis.hset(pool.claims, 'g1', 'C');
    const done = await restockCoupons(redis, keys, poolId, {
      claims: [
        { grantId: 'g2', code: 'D' },
        { grantId: 'g3', code: 'C' },
      ],
      held: ['B'],
      unheld: ['A', 'C', 'E', 'F'],
    });
    expect(done).toEqual({ claims: 1, freed: 2, removed: 1 });
    expect(await redis.lrange(pool.free, 0, -1)).toEqual(['A', 'E', 'F']);
    expect(await redis.hgetall(pool.claims)).toEqual({ g1: 'C', g2: 'D' });
  });

  it("puts back a pool of 160,000 codes, more than one call's arguments hold", async () => {
    const poolId = randomId('cp');
    const codes = Array.from({ length: 160_000 }, (_, i) => `BIG-${i}`);
    const done = await restockCoupons(redis, keys, poolId, {
      claims: [{ grantId: 'g-1', code: 'BIG-0' }],
      held: ['BIG-1'],
      unheld: codes.slice(2),
    });
    expect(done).toEqual({ claims: 1, freed: 159_998, removed: 0 });
    expect(await redis.llen(keys.rewards.couponPool(poolId).free)).toBe(159_998);
  }, 60_000);
});
