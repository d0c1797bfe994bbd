import { afterAll, describe, expect, it } from 'vitest';
import { type OwnRedis, startOwnRedis } from '../../../../test/support/own-redis.js';
import { closeRedis, createRedis, waitForReady } from '../../src/redis/connection.js';
import { readDurability } from '../../src/redis/durability.js';

const owned: OwnRedis[] = [];
afterAll(async () => {
  for (const redis of owned) await redis.close();
});

async function durabilityOf(appendfsync: 'always' | 'everysec', change?: [string, string]) {
  const own = await startOwnRedis(appendfsync);
  owned.push(own);
  const redis = createRedis(own.url, 'command', 'test');
  try {
    await waitForReady(redis);
    if (change) await redis.config('SET', ...change);
    return await readDurability(redis);
  } finally {
    await closeRedis(redis);
  }
}

describe("what a Redis's persistence settings make a 202 survive", () => {
  it('reads fsync on every write, fsync every second, the OS deciding, and no append-only file', async () => {
    expect(await durabilityOf('always')).toBe('fsync-always');
    expect(await durabilityOf('everysec')).toBe('fsync-everysec');
    expect(await durabilityOf('everysec', ['appendfsync', 'no'])).toBe('fsync-os');
    expect(await durabilityOf('always', ['appendonly', 'no'])).toBe('no-aof');
  });

  it('answers unknown, never failing, where CONFIG is refused', async () => {
    const own = await startOwnRedis('always');
    owned.push(own);
    const redis = createRedis(own.url, 'command', 'test');
    try {
      await waitForReady(redis);
      // As managed Redis services do: the command renamed away (here, refused by an ACL user).
      await redis.acl('SETUSER', 'app', 'on', '>secret-password', '~*', '&*', '+@all', '-config');
      const app = createRedis(own.url.replace('redis://', 'redis://app:secret-password@'), 'command', 'test');
      await waitForReady(app);
      expect(await readDurability(app)).toBe('unknown');
      await closeRedis(app);
    } finally {
      await closeRedis(redis);
    }
  });
});
