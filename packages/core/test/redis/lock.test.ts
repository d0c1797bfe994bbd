import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../../test/support/config.js';
import { testRedis } from '../../../../test/support/stack.js';
import { closeRedis, type RedisClient, withLock } from '../../src/redis/index.js';

const config = testConfig();
let redis: RedisClient;

beforeAll(async () => {
  redis = await testRedis(config);
});
afterAll(() => closeRedis(redis));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type LockOptions = Parameters<typeof withLock>[3];

/**
 * A first holder works `workMs` under `held`; a second tries for the lock 50 ms in, with `then`:
 * whether it got the lock while the first was still working, or only after.
 */
async function takenWhileHeld(held: LockOptions, workMs: number, then: LockOptions) {
  const key = randomId('lock');
  let firstDone = false;
  const first = withLock(
    redis,
    key,
    async () => {
      await sleep(workMs);
      firstDone = true;
    },
    held,
  );
  await sleep(50);
  const second = await withLock(redis, key, async () => (firstDone ? 'after' : 'during'), {
    waitMs: 5_000,
    ...then,
  });
  await first;
  return second;
}

describe('withLock', () => {
  it('lets one holder at a time run, and frees the lock when its work ends', async () => {
    const key = randomId('lock');
    const order: string[] = [];
    await Promise.all(
      ['a', 'b', 'c'].map((name) =>
        withLock(redis, key, async () => {
          order.push(`${name} in`);
          await sleep(30);
          order.push(`${name} out`);
        }),
      ),
    );
    // Never two inside at once.
    for (let i = 0; i < order.length; i += 2) {
      expect(order[i]?.endsWith(' in')).toBe(true);
      expect(order[i + 1]).toBe(order[i]?.replace(' in', ' out'));
    }
    expect(await redis.exists(key)).toBe(0);
  });

  it('keeps a renewed lock for as long as its work runs, past its time-to-live', async () => {
    // Tried again and again well past the first holder's 600 ms.
    expect(
      await takenWhileHeld({ ttlMs: 600, renew: { forMs: 60_000 } }, 2_400, { ttlMs: 600, waitMs: 10_000 }),
    ).toBe('after');
  });

  it('stops renewing after its bound, so a hung holder frees the lock', async () => {
    // Renewed for 0.6 s, then lapsed within its 0.3 s: taken long before the first is done.
    expect(await takenWhileHeld({ ttlMs: 300, renew: { forMs: 600 } }, 2_500, { ttlMs: 300 })).toBe('during');
  });

  it("lets an unrenewed lock expire after its time-to-live, and a dead holder's lock too", async () => {
    expect(await takenWhileHeld({ ttlMs: 200 }, 800, { ttlMs: 200 })).toBe('during');

    // A holder that died: its renewals stopped with it, and nothing holds the lock past its ttl.
    const abandoned = randomId('lock');
    await redis.set(abandoned, 'a dead holder', 'PX', 200);
    const started = Date.now();
    await withLock(redis, abandoned, async () => undefined, { waitMs: 5_000 });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('answers SERVICE_UNAVAILABLE when the lock stays taken past the wait', async () => {
    const key = randomId('lock');
    await redis.set(key, 'someone else', 'PX', 5_000);
    await expect(withLock(redis, key, async () => undefined, { waitMs: 100 })).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
    });
  });
});
