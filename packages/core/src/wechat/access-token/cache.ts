import { randomUUID } from 'node:crypto';
import { AppError } from '../../protocol/index.js';
import { type KeyBuilder, type RedisClient, runScript } from '../../redis/index.js';
import type { WeChatClient } from '../client.js';

/** A token in the shared cache. */
export interface CachedToken {
  token: string;
  /** What is left of the cache entry's TTL. */
  remainingMs: number;
}

/**
 * The access token's two Redis keys, shared by every process of the app: the cached token, and
 * the lock its one fetcher holds.
 */
export interface TokenCache {
  /** The cached token and its remaining life, read at one instant, and whether a refresh holds the lock. */
  read(): Promise<{ cached: CachedToken | undefined; locked: boolean }>;
  /** Takes the refresh lock if it is free; the token to release it with, or undefined. */
  tryLock(): Promise<string | undefined>;
  /** Releases the lock only if it is still ours (it may have expired and been taken since). */
  unlock(lockToken: string): Promise<void>;
  /** Caches `token` for `ttlMs`, over whatever is cached. */
  store(token: string, ttlMs: number): Promise<void>;
  /** Drops `token` if it is still the cached one; whether it was. */
  drop(token: string): Promise<boolean>;
}

export interface TokenCacheOptions {
  redis: RedisClient;
  keys: KeyBuilder;
  /** Whose token: the keys are the AppID's, read on every use. */
  client: Pick<WeChatClient, 'appId'>;
  /** How long the refresh lock lives if its holder dies. */
  lockTtlMs: number;
}

/** The token cache of `client`'s app on `redis`; WECHAT_NOT_CONFIGURED on use without an AppID. */
export function createTokenCache({ redis, keys, client, lockTtlMs }: TokenCacheOptions): TokenCache {
  function keysOfApp(): { token: string; lock: string } {
    if (client.appId === undefined) throw new AppError('WECHAT_NOT_CONFIGURED');
    return { token: keys.wechatAccessToken(client.appId), lock: keys.wechatAccessTokenLock(client.appId) };
  }

  return {
    async read() {
      const k = keysOfApp();
      const replies = (await redis.multi().get(k.token).pttl(k.token).exists(k.lock).exec()) ?? [];
      for (const [error] of replies) if (error) throw error;
      const [token, remainingMs, locked] = replies.map(([, value]) => value);
      const cached =
        typeof token === 'string' && typeof remainingMs === 'number' && remainingMs > 0
          ? { token, remainingMs }
          : undefined;
      return { cached, locked: locked === 1 };
    },

    async tryLock() {
      const lockToken = randomUUID();
      const taken = await redis.set(keysOfApp().lock, lockToken, 'PX', lockTtlMs, 'NX');
      return taken === 'OK' ? lockToken : undefined;
    },

    async unlock(lockToken) {
      await runScript(redis, 'releaseLock', [keysOfApp().lock], [lockToken]);
    },

    async store(token, ttlMs) {
      await redis.set(keysOfApp().token, token, 'PX', ttlMs);
    },

    async drop(token) {
      // Compare-and-delete, the same script as a lock release: a token some other caller has
      // already replaced stays replaced.
      return (await runScript(redis, 'releaseLock', [keysOfApp().token], [token])) === 1;
    },
  };
}
