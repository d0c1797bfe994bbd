import type { Logger } from '../logger.js';
import type { KeyBuilder, RedisClient } from '../redis/index.js';
import { createTokenCache } from './access-token/cache.js';
import { fetchOrWait, type Refresh, refreshEarly } from './access-token/refresh.js';
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
   * A token with less than this left in the cache is refreshed by the first caller that takes
   * the lock; the others keep using it meanwhile. With the defaults that is 4 minutes before
   * WeChat's expiry, inside the 5 minutes in which stable_token hands out the next token.
   * @default 180_000
   */
  refreshAheadMs?: number;
  /** How long the refresh lock lives if its holder dies. @default 2 × timeout of a WeChat call + 1 s */
  lockTtlMs?: number;
  /** How long a caller waits for the token another process is fetching. @default 2 × lockTtlMs */
  waitMs?: number;
  /** How often a waiting caller looks for that token. @default 25 */
  pollMs?: number;
}

export interface AccessTokenManager {
  /** A valid access token: from the shared cache, or fetched once for everyone who is waiting. */
  getToken(): Promise<string>;
  /** Drops `token` from the cache if it is still the cached one (WeChat said 40001 or 42001). */
  invalidate(token: string): Promise<void>;
  /**
   * Runs `call` with a token. If WeChat answers 40001/42001 (invalid or expired token), drops that
   * token, gets a fresh one (single flight, like any refresh) and runs `call` once more; a second
   * such answer is the caller's error (WECHAT_UNAVAILABLE).
   */
  withToken<T>(call: (token: string) => Promise<T>): Promise<T>;
}

/**
 * The WeChat access token, shared by every process through Redis. A new token can invalidate the
 * previous one, so there is exactly one fetch at a time across all processes: in a process,
 * concurrent callers share one promise; across processes, the fetcher holds a lock (SET NX PX
 * with a random token) and the others poll the cache for its result instead of asking WeChat.
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
  };

  // One promise per process for each kind of refresh: concurrent callers share it.
  let fetching: Promise<string> | undefined;
  let refreshing: Promise<string> | undefined;

  async function getToken(): Promise<string> {
    const { cached } = await cache.read();
    if (cached && cached.remainingMs > refresh.refreshAheadMs) return cached.token;
    if (cached) {
      if (refreshing) return cached.token;
      refreshing = refreshEarly(refresh, cached.token).finally(() => {
        refreshing = undefined;
      });
      return refreshing;
    }
    fetching ??= fetchOrWait(refresh).finally(() => {
      fetching = undefined;
    });
    return fetching;
  }

  async function invalidate(token: string): Promise<void> {
    if (await cache.drop(token)) logger?.info('WeChat rejected the cached access token; dropped it');
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
        await invalidate(token);
        return call(await getToken());
      }
    },
  };
}
