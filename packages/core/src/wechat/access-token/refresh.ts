import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../logger.js';
import type { WeChatClient } from '../client.js';
import { WeChatTransportError } from '../errors.js';
import type { CachedToken, TokenCache } from './cache.js';

/*
 * How a token is fetched without two fetches at once across processes: whoever takes the lock
 * asks WeChat, and the others wait for its token or, when theirs is still valid, go on with it.
 * A process runs at most one of each at a time (access-token.ts shares the promise).
 */

/** What fetching and refreshing need; the times are the manager's options, defaults applied. */
export interface Refresh {
  cache: TokenCache;
  client: Pick<WeChatClient, 'getStableAccessToken'>;
  logger: Logger | undefined;
  safetyMarginMs: number;
  refreshAheadMs: number;
  waitMs: number;
  pollMs: number;
}

/** Asks WeChat (the lock held) and caches the answer for its life minus the safety margin. */
async function fetchAndStore({ cache, client, logger, safetyMarginMs }: Refresh): Promise<CachedToken> {
  const grant = await client.getStableAccessToken();
  const lifeMs = grant.expiresInSeconds * 1_000;
  const ttlMs = Math.max(Math.floor(lifeMs - safetyMarginMs), Math.floor(lifeMs / 2), 1);
  // If this holder outlived its lock, another may have stored a token meanwhile; overwriting
  // it is harmless, since stable tokens do not invalidate each other.
  await cache.store(grant.accessToken, ttlMs);
  logger?.info(
    { expiresInSeconds: grant.expiresInSeconds, cachedForMs: ttlMs },
    'WeChat access token fetched',
  );
  return { token: grant.accessToken, remainingMs: ttlMs };
}

/** No usable token in the cache: fetch one, or wait for the process that is fetching it. */
export async function fetchOrWait(refresh: Refresh): Promise<string> {
  const { cache, waitMs, pollMs } = refresh;
  const deadline = Date.now() + waitMs;
  for (;;) {
    const lockToken = await cache.tryLock();
    if (lockToken !== undefined) {
      try {
        // Another process may have stored a token between our read and our lock.
        const { cached } = await cache.read();
        return cached?.token ?? (await fetchAndStore(refresh)).token;
      } finally {
        await cache.unlock(lockToken);
      }
    }
    // Someone else is fetching: wait for its token rather than asking WeChat a second time. If
    // its lock goes away with no token (it failed, or died and the lock expired), try again.
    for (;;) {
      if (Date.now() >= deadline) {
        // WeChat was never asked: a transport failure of the token's call (WECHAT_UNAVAILABLE), so
        // a caller that must not repeat a call that may have reached WeChat knows it did not.
        throw new WeChatTransportError(
          'getStableAccessToken',
          'timeout',
          `no WeChat access token after waiting ${waitMs} ms for another process`,
        );
      }
      await sleep(pollMs);
      const { cached, locked } = await cache.read();
      if (cached) return cached.token;
      if (!locked) break;
    }
  }
}

/**
 * The cached token is valid but due for refresh: the caller that takes the lock refreshes; the
 * others, here and in other processes, go on with the current token. A failed early refresh
 * is only logged, since the current token still works, and keeps the lock until it expires: the
 * next try comes a lock's life later, not on the next call (until 2026-12-07 every call while
 * WeChat's token endpoint failed asked it again, against its daily limit, and waited for it).
 */
export async function refreshEarly(refresh: Refresh, current: string): Promise<string> {
  const { cache, logger, refreshAheadMs } = refresh;
  const lockToken = await cache.tryLock();
  if (lockToken === undefined) return current;
  let release = true;
  try {
    const { cached } = await cache.read();
    if (cached && cached.remainingMs > refreshAheadMs) return cached.token;
    const fresh = await fetchAndStore(refresh);
    // WeChat handed back a token no fresher than the threshold: keep the lock until it expires,
    // so callers do not ask again on every call meanwhile.
    if (fresh.remainingMs <= refreshAheadMs) release = false;
    return fresh.token;
  } catch (error) {
    release = false;
    logger?.warn(
      { err: error },
      'early refresh of the WeChat access token failed; still using the current one, trying again once its lock expires',
    );
    return current;
  } finally {
    if (release) await cache.unlock(lockToken);
  }
}
