import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@rallyboard/core/logger';
import { AppError } from '@rallyboard/core/protocol';
import { type KeyBuilder, runScript } from '@rallyboard/core/redis';
import type { Redis } from 'ioredis';
import type { WeChatClient } from './client.js';
import { isAccessTokenError } from './errors.js';

export interface AccessTokenManagerOptions {
  /** A command connection; the cache and the lock are shared by every process on this Redis. */
  redis: Redis;
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

interface Cached {
  token: string;
  /** What is left of the cache entry's TTL. */
  remainingMs: number;
}

/**
 * The WeChat access token, shared by every process through Redis. A new token can invalidate the
 * previous one, so there is exactly one fetch at a time across all processes: in a process,
 * concurrent callers share one promise; across processes, the fetcher holds a lock (SET NX PX
 * with a random token) and the others poll the cache for its result instead of asking WeChat.
 */
export function createAccessTokenManager(options: AccessTokenManagerOptions): AccessTokenManager {
  const { redis, keys, client, logger, timeoutMs } = options;
  const safetyMarginMs = options.safetyMarginMs ?? 60_000;
  const refreshAheadMs = options.refreshAheadMs ?? 180_000;
  const lockTtlMs = options.lockTtlMs ?? 2 * timeoutMs + 1_000;
  const waitMs = options.waitMs ?? 2 * lockTtlMs;
  const pollMs = options.pollMs ?? 25;

  function keysOfApp(): { token: string; lock: string } {
    if (client.appId === undefined) throw new AppError('WECHAT_NOT_CONFIGURED');
    return { token: keys.wechatAccessToken(client.appId), lock: keys.wechatAccessTokenLock(client.appId) };
  }

  /** The cached token and its remaining life, read at one instant, and whether a refresh holds the lock. */
  async function read(): Promise<{ cached: Cached | undefined; locked: boolean }> {
    const k = keysOfApp();
    const replies = (await redis.multi().get(k.token).pttl(k.token).exists(k.lock).exec()) ?? [];
    for (const [error] of replies) if (error) throw error;
    const [token, remainingMs, locked] = replies.map(([, value]) => value);
    const cached =
      typeof token === 'string' && typeof remainingMs === 'number' && remainingMs > 0
        ? { token, remainingMs }
        : undefined;
    return { cached, locked: locked === 1 };
  }

  /** Takes the refresh lock if it is free; the token to release it with, or undefined. */
  async function tryLock(): Promise<string | undefined> {
    const lockToken = randomUUID();
    const taken = await redis.set(keysOfApp().lock, lockToken, 'PX', lockTtlMs, 'NX');
    return taken === 'OK' ? lockToken : undefined;
  }

  /** Releases the lock only if it is still ours (it may have expired and been taken since). */
  async function unlock(lockToken: string): Promise<void> {
    await runScript(redis, 'releaseLock', [keysOfApp().lock], [lockToken]);
  }

  /** Asks WeChat (the lock held) and caches the answer for its life minus the safety margin. */
  async function fetchAndStore(): Promise<Cached> {
    const grant = await client.getStableAccessToken();
    const lifeMs = grant.expiresInSeconds * 1_000;
    const ttlMs = Math.max(Math.floor(lifeMs - safetyMarginMs), Math.floor(lifeMs / 2), 1);
    // If this holder outlived its lock, another may have stored a token meanwhile; overwriting
    // it is harmless, since stable tokens do not invalidate each other.
    await redis.set(keysOfApp().token, grant.accessToken, 'PX', ttlMs);
    logger?.info(
      { expiresInSeconds: grant.expiresInSeconds, cachedForMs: ttlMs },
      'WeChat access token fetched',
    );
    return { token: grant.accessToken, remainingMs: ttlMs };
  }

  /** No usable token in the cache: fetch one, or wait for the process that is fetching it. */
  async function fetchOrWait(): Promise<string> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const lockToken = await tryLock();
      if (lockToken !== undefined) {
        try {
          // Another process may have stored a token between our read and our lock.
          const { cached } = await read();
          return cached?.token ?? (await fetchAndStore()).token;
        } finally {
          await unlock(lockToken);
        }
      }
      // Someone else is fetching: wait for its token rather than asking WeChat a second time. If
      // its lock goes away with no token (it failed, or died and the lock expired), try again.
      for (;;) {
        if (Date.now() >= deadline) {
          throw new AppError('WECHAT_UNAVAILABLE', {
            cause: new Error(`no WeChat access token after waiting ${waitMs} ms for another process`),
          });
        }
        await sleep(pollMs);
        const { cached, locked } = await read();
        if (cached) return cached.token;
        if (!locked) break;
      }
    }
  }

  /**
   * The cached token is valid but due for refresh: the caller that takes the lock refreshes; the
   * others, here and in other processes, go on with the current token. A failed early refresh
   * is only logged, since the current token still works.
   */
  async function refreshEarly(current: string): Promise<string> {
    const lockToken = await tryLock();
    if (lockToken === undefined) return current;
    let release = true;
    try {
      const { cached } = await read();
      if (cached && cached.remainingMs > refreshAheadMs) return cached.token;
      const fresh = await fetchAndStore();
      // WeChat handed back a token no fresher than the threshold: keep the lock until it expires,
      // so callers do not ask again on every call meanwhile.
      if (fresh.remainingMs <= refreshAheadMs) release = false;
      return fresh.token;
    } catch (error) {
      logger?.warn(
        { err: error },
        'early refresh of the WeChat access token failed; still using the current one',
      );
      return current;
    } finally {
      if (release) await unlock(lockToken);
    }
  }

  // One promise per process for each kind of refresh: concurrent callers share it.
  let fetching: Promise<string> | undefined;
  let refreshing: Promise<string> | undefined;

  async function getToken(): Promise<string> {
    const { cached } = await read();
    if (cached && cached.remainingMs > refreshAheadMs) return cached.token;
    if (cached) {
      if (refreshing) return cached.token;
      refreshing = refreshEarly(cached.token).finally(() => {
        refreshing = undefined;
      });
      return refreshing;
    }
    fetching ??= fetchOrWait().finally(() => {
      fetching = undefined;
    });
    return fetching;
  }

  async function invalidate(token: string): Promise<void> {
    // Compare-and-delete, the same script as a lock release: a token some other caller has
    // already replaced stays replaced.
    const dropped = await runScript(redis, 'releaseLock', [keysOfApp().token], [token]);
    if (dropped === 1) logger?.info('WeChat rejected the cached access token; dropped it');
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
