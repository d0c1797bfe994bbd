import { randomUUID } from 'node:crypto';
import { AppError } from '../../protocol/index.js';
import { type KeyBuilder, type RedisClient, runScript } from '../../redis/index.js';
import type { WeChatClient } from '../client.js';
import { decodeFailure, type TokenFailure } from './hold-back.js';

/** A token in the shared cache. */
export interface CachedToken {
  token: string;
  /** What is left of the cache entry's TTL. */
  remainingMs: number;
}

/**
 * The access token's Redis keys, shared by every process of the app: the cached token, the lock
 * its one fetcher holds, the last failed fetch (hold-back.ts) and the last forced refresh.
 */
export interface TokenCache {
  /**
   * Read at one instant: the cached token and its remaining life, whether a refresh holds the
   * lock, and the last failed fetch, if it is still remembered.
   */
  read(): Promise<{ cached: CachedToken | undefined; locked: boolean; failure: TokenFailure | undefined }>;
  /** Takes the refresh lock if it is free; the token to release it with, or undefined. */
  tryLock(): Promise<string | undefined>;
  /** Releases the lock only if it is still ours (it may have expired and been taken since). */
  unlock(lockToken: string): Promise<void>;
  /**
   * Caches `token` for `ttlMs`, over whatever is cached, and forgets the last failure. With
   * `forcedForMs`, the token came from a forced refresh: remembered as such for that long.
   */
  store(token: string, ttlMs: number, forcedForMs?: number): Promise<void>;
  /** Remembers a failed fetch (encoded by hold-back.ts) for `ttlMs`. */
  recordFailure(value: string, ttlMs: number): Promise<void>;
  /** The token of a forced refresh in the last interval, '' if WeChat refused one, else undefined. */
  lastForced(): Promise<string | undefined>;
  /** WeChat refused a forced refresh (its own limits): none is asked for `ttlMs`. */
  refuseForcing(ttlMs: number): Promise<void>;
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
  function keysOfApp(): { token: string; lock: string; failure: string; forced: string } {
    const appId = client.appId;
    if (appId === undefined) throw new AppError('WECHAT_NOT_CONFIGURED');
    return {
      token: keys.wechatAccessToken(appId),
      lock: keys.wechatAccessTokenLock(appId),
      failure: keys.wechatAccessTokenFailure(appId),
      forced: keys.wechatAccessTokenForced(appId),
    };
  }

  return {
    async read() {
      const k = keysOfApp();
      const replies =
        (await redis
          .multi()
          .get(k.token)
          .pttl(k.token)
          .exists(k.lock)
          .get(k.failure)
          .pttl(k.failure)
          .exec()) ?? [];
      for (const [error] of replies) if (error) throw error;
      const [token, remainingMs, locked, failure, failureMs] = replies.map(([, value]) => value);
      const cached =
        typeof token === 'string' && typeof remainingMs === 'number' && remainingMs > 0
          ? { token, remainingMs }
          : undefined;
      return {
        cached,
        locked: locked === 1,
        failure:
          typeof failure === 'string' && typeof failureMs === 'number' && failureMs > 0
            ? decodeFailure(failure, failureMs)
            : undefined,
      };
    },

    async tryLock() {
      const lockToken = randomUUID();
      const taken = await redis.set(keysOfApp().lock, lockToken, 'PX', lockTtlMs, 'NX');
      return taken === 'OK' ? lockToken : undefined;
    },

    async unlock(lockToken) {
      await runScript(redis, 'releaseLock', [keysOfApp().lock], [lockToken]);
    },

    async store(token, ttlMs, forcedForMs) {
      const k = keysOfApp();
      const tx = redis.multi().set(k.token, token, 'PX', ttlMs).del(k.failure);
      if (forcedForMs !== undefined) tx.set(k.forced, token, 'PX', Math.max(1, forcedForMs));
      for (const [error] of (await tx.exec()) ?? []) if (error) throw error;
    },

    async recordFailure(value, ttlMs) {
      await redis.set(keysOfApp().failure, value, 'PX', ttlMs);
    },

    async lastForced() {
      return (await redis.get(keysOfApp().forced)) ?? undefined;
    },

    async refuseForcing(ttlMs) {
      await redis.set(keysOfApp().forced, '', 'PX', Math.max(1, ttlMs));
    },

    async drop(token) {
      // Compare-and-delete, the same script as a lock release: a token some other caller has
      // already replaced stays replaced.
      return (await runScript(redis, 'releaseLock', [keysOfApp().token], [token])) === 1;
    },
  };
}
