import {
  closeRedis,
  createKeys,
  INTEREST_HALF_LIFE_MS,
  likeWeight,
  type RedisClient,
  readInterests,
  recordInterests,
  setPersonalized,
} from '@rallyboard/core/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../../test/support/config.js';
import { testRedis } from '../../../../test/support/stack.js';

describe('interest weights', () => {
  it('halve in weight against a like one half-life newer, so sums decay as the likes age', () => {
    const t = Date.UTC(2026, 11, 6);
    expect(likeWeight(t + INTEREST_HALF_LIFE_MS) / likeWeight(t)).toBeCloseTo(2, 12);
    // Two old likes of one tag against one like of another a month later: the new one leads.
    const old = likeWeight(t) * 2;
    const recent = likeWeight(t + 2 * INTEREST_HALF_LIFE_MS);
    expect(recent / old).toBeCloseTo(2, 12);
    // Still finite decades on.
    expect(Number.isFinite(likeWeight(Date.UTC(2060, 0, 1)))).toBe(true);
  });
});

describe('recording interests', () => {
  const config = testConfig();
  const keys = createKeys(config.keyPrefix);
  let redis: RedisClient;
  beforeAll(async () => {
    redis = await testRedis(config, 'command');
  });
  afterAll(() => closeRedis(redis));

  it('writes no weight for a participant who has turned them off, even one who turned them off after the worker looked', async () => {
    const [off, on] = [randomId('p-off'), randomId('p-on')];
    // The worker read both as personalised; one turns recommendations off before its write lands.
    await setPersonalized(redis, keys, off, false);
    await recordInterests(redis, keys, [
      { participantId: off, touched: ['c1 alice'], weights: new Map([['music', 1]]) },
      { participantId: on, touched: ['c1 alice'], weights: new Map([['music', 1]]) },
    ]);
    expect(await redis.exists(keys.interests.of(off))).toBe(0);
    expect(await redis.zscore(keys.interests.of(on), 'music')).toBe('1');
    // What they voted for is still known (it is no interest): both touched alice.
    expect(await redis.smembers(keys.interests.touched(off))).toEqual(['c1 alice']);
    expect((await readInterests(redis, keys, off)).personalized).toBe(false);
  });
});
