import type { Logger } from '../logger.js';
import type { KeyBuilder, RedisClient } from '../redis/index.js';
import { createTokenCache } from './access-token/cache.js';
import { throwIfHeldBack } from './access-token/hold-back.js';
import { fetchOrWait, type Refresh, refreshEarly, replaceRejected } from './access-token/refresh.js';
import type { WeChatClient } from './client.js';
import { isAccessTokenError } from './errors.js';

export interface AccessTokenManagerOptions {
  /** A command connection; the cache and the lock are shared by every process on this Redis. */
  redis: RedisClient;
  keys: KeyBuilder;
  client: Pick<WeChatClient, 'appId' | 'getStableAccessToken'>;
  logger?: Logger;
  /** The timeout of one WeChat call (config `wechat.timeoutMs`), to size the lock. */
  timeoutMs: number;
  /**
   * The cached token expires this long before WeChat's expiry, so a token read from the cache
   * never dies on its way to WeChat. Never more than half the token's life. @default 60_000
   */
  safetyMarginMs?: number;
  /**
   * A token with less than this left in the cache is refreshed in the background by the first
   * caller that takes the lock; every caller keeps using it meanwhile. With the defaults that is
   * 4 minutes before WeChat's expiry, inside the 5 minutes in which stable_token hands out the
   * next token.
   * @default 180_000
   */
  refreshAheadMs?: number;
  /** How long the refresh lock lives if its holder dies. @default 2 × timeout of a WeChat call + 1 s */
  lockTtlMs?: number;
  /** How long a caller waits for the token another process is fetching. @default 2 × lockTtlMs */
  waitMs?: number;
  /** How often a waiting caller looks for that token. @default 25 */
  pollMs?: number;
  /**
   * After a failed fetch, how long every process goes without asking WeChat again (callers
   * without a token get the same error meanwhile); doubled with each failure in a row.
   * @default 1_000
   */
  failureHoldMs?: number;
  /** The longest such hold, but after `45009`. @default 60_000 */
  maxFailureHoldMs?: number;
  /**
   * After `45009` (the day's quota of token fetches used up): held until WeChat's day ends at
   * midnight China time, but at most this long, in case the quota is restored earlier.
   * @default 900_000
   */
  quotaHoldMs?: number;
  /** The least time between two forced refreshes, as WeChat allows them. @default 30_000 */
  forceIntervalMs?: number;
}

export interface AccessTokenManager {
  /** A valid access token: from the shared cache, or fetched once for everyone who is waiting. */
  getToken(): Promise<string>;
  /** Drops `token` from the cache if it is still the cached one. */
  invalidate(token: string): Promise<void>;
  /**
   * Runs `call` with a token. If WeChat answers 40001/42001 (invalid or expired token), replaces
   * that token by a forced refresh (single flight across processes, at most one every
   * `forceIntervalMs`) and runs `call` once more with the new one. A second such answer, or no
   * new token to try, is the caller's error (WECHAT_UNAVAILABLE).
   */
  withToken<T>(call: (token: string) => Promise<T>): Promise<T>;
}

/**
 * The WeChat access token, shared by every process through Redis. A new token can invalidate the
 * previous one, so there is exactly one fetch at a time across all processes: in a process,
 * concurrent callers share one promise; across processes, the fetcher holds a lock (SET NX PX
 * with a random token) and the others poll the cache for its result instead of asking WeChat.
 *
 * A failed fetch holds every process back for a while (access-token/hold-back.ts): callers
 * without a token get its error at once instead of asking WeChat again.
 *
 * The cache and its lock are in access-token/cache.ts, fetching and refreshing under the lock in
 * access-token/refresh.ts; this keeps the promises a process shares, and the retry.
 */
export function createAccessTokenManager(options: AccessTokenManagerOptions): AccessTokenManager {
  const { redis, keys, client, logger, timeoutMs } = options;
  const lockTtlMs = options.lockTtlMs ?? 2 * timeoutMs + 1_000;
  const cache = createTokenCache({ redis, keys, client, lockTtlMs });
  const refresh: Refresh = {
    cache,
    client,
    logger,
    safetyMarginMs: options.safetyMarginMs ?? 60_000,
    refreshAheadMs: options.refreshAheadMs ?? 180_000,
    waitMs: options.waitMs ?? 2 * lockTtlMs,
    pollMs: options.pollMs ?? 25,
    holdBack: {
      firstMs: options.failureHoldMs ?? 1_000,
      maxMs: options.maxFailureHoldMs ?? 60_000,
      quotaMs: options.quotaHoldMs ?? 900_000,
    },
    forceIntervalMs: options.forceIntervalMs ?? 30_000,
  };

  // One promise per process for each kind of refresh: concurrent callers share it.
  let fetching: Promise<string> | undefined;
  let refreshing: Promise<void> | undefined;
  const replacing = new Map<string, Promise<string | undefined>>();

  async function getToken(): Promise<string> {
    const { cached, failure } = await cache.read();
    if (cached && cached.remainingMs > refresh.refreshAheadMs) return cached.token;
    if (cached) {
      // Due for refresh but still valid: the caller goes on with it, the refresh runs behind.
      if (refreshing === undefined) {
        refreshing = refreshEarly(refresh)
          .catch((error: unknown) =>
            logger?.warn({ err: error }, 'early refresh of the WeChat access token failed'),
          )
          .finally(() => {
            refreshing = undefined;
          });
      }
      return cached.token;
    }
    throwIfHeldBack(failure);
    fetching ??= fetchOrWait(refresh).finally(() => {
      fetching = undefined;
    });
    return fetching;
  }

  /** A token to use instead of `rejected`, shared by this process's callers that met it. */
  function replace(rejected: string): Promise<string | undefined> {
    let pending = replacing.get(rejected);
    if (!pending) {
      pending = replaceRejected(refresh, rejected).finally(() => replacing.delete(rejected));
      replacing.set(rejected, pending);
    }
    return pending;
  }

  async function invalidate(token: string): Promise<void> {
    if (await cache.drop(token)) logger?.info('dropped the cached WeChat access token');
  }

  return {
    getToken,
    invalidate,
    async withToken(call) {
      const token = await getToken();
      try {
        return await call(token);
      } catch (error) {
        if (!isAccessTokenError(error)) throw error;
        const fresh = await replace(token);
        if (fresh === undefined) throw error;
        return call(fresh);
      }
    },
  };
}
