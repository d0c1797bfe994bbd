import { afterEach } from 'vitest';
import { testRedis } from '../../../../test/support/stack.js';
import type { Config } from '../../src/config/index.js';
import { closeRedis, createKeys, type RedisClient } from '../../src/redis/index.js';
import {
  type AccessTokenManager,
  type AccessTokenManagerOptions,
  createAccessTokenManager,
} from '../../src/wechat/access-token.js';
import { createWeChatClient } from '../../src/wechat/client.js';

/** What the access token tests share: managers as processes over one Redis, and the cache's state. */

const connections: RedisClient[] = [];

/** A Redis connection of the test's, closed after it. */
export async function connection(config: Config): Promise<RedisClient> {
  const redis = await testRedis(config);
  connections.push(redis);
  return redis;
}

/** Closes the connections a test opened, after each test. */
export function closeConnectionsAfterEach(): void {
  afterEach(async () => {
    await Promise.all(connections.splice(0).map((redis) => closeRedis(redis)));
  });
}

export type Tuning = Partial<Omit<AccessTokenManagerOptions, 'redis' | 'keys' | 'client' | 'timeoutMs'>>;

/**
 * `count` managers over one key prefix, each on its own Redis connection: as many processes
 * sharing one deployment's Redis.
 */
export async function processes(
  count: number,
  config: Config,
  tuning: Tuning = {},
): Promise<AccessTokenManager[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const redis = await testRedis(config);
      connections.push(redis);
      return createAccessTokenManager({
        redis,
        keys: createKeys(config.keyPrefix),
        client: createWeChatClient(config.wechat),
        timeoutMs: config.wechat.timeoutMs,
        ...tuning,
      });
    }),
  );
}

export async function cacheState(config: Config) {
  const redis = await testRedis(config);
  connections.push(redis);
  const keys = createKeys(config.keyPrefix);
  const appId = config.wechat.appId ?? '';
  return {
    token: () => redis.get(keys.wechatAccessToken(appId)),
    pttl: () => redis.pttl(keys.wechatAccessToken(appId)),
    locked: async () => (await redis.exists(keys.wechatAccessTokenLock(appId))) === 1,
    holdLock: (ms: number) => redis.set(keys.wechatAccessTokenLock(appId), 'a-dead-process', 'PX', ms),
  };
}
