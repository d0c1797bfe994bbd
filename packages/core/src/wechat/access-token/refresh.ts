import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../logger.js';
import type { AccessTokenGrant, WeChatClient } from '../client.js';
import { WeChatError, WeChatTransportError } from '../errors.js';
import type { CachedToken, TokenCache } from './cache.js';
import {
  encodeFailure,
  type HoldBackPolicy,
  holdFor,
  isTokenFetchError,
  type TokenFailure,
  throwIfHeldBack,
} from './hold-back.js';

/*
 * How a token is fetched without two fetches at once across processes: whoever takes the lock
 * asks WeChat, and the others wait for its token or, when theirs is still valid, go on with it.
 * A failed fetch is remembered (hold-back.ts) before the lock is released, so the waiters, and
 * every caller until its hold ends, get its error instead of asking WeChat again.
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
  holdBack: HoldBackPolicy;
  /** The least time between two forced refreshes (WeChat's, 30 s). */
  forceIntervalMs: number;
}

/**
 * Remembers a failed fetch for every process, with the hold its error earns. A forced refresh
 * that WeChat refuses for the forced mode's own limits (`45009`: 20 a day; `45011`: too soon)
 * holds back forced refreshes only: a normal fetch still works. Never throws: a Redis that does
 * not answer must not hide WeChat's error.
 */
async function remember(
  refresh: Refresh,
  error: unknown,
  previous: TokenFailure | undefined,
  forced: boolean,
): Promise<void> {
  if (!isTokenFetchError(error)) return;
  const { cache, logger, holdBack } = refresh;
  const cause =
    error instanceof WeChatError
      ? { api: error.api, errcode: error.errcode }
      : { api: error.api, failure: error.failure };
  try {
    if (forced && error instanceof WeChatError && (error.errcode === 45009 || error.errcode === 45011)) {
      const holdMs = holdFor(error, 1, holdBack, Date.now());
      await cache.refuseForcing(holdMs);
      logger?.warn(
        { ...cause, holdMs },
        'WeChat refused a forced refresh of the access token; none is asked meanwhile',
      );
      return;
    }
    const streak = (previous?.streak ?? 0) + 1;
    const holdMs = holdFor(error, streak, holdBack, Date.now());
    const { value, ttlMs } = encodeFailure(error, streak, holdMs, holdBack.maxMs);
    await cache.recordFailure(value, ttlMs);
    logger?.warn(
      { ...cause, streak, holdMs },
      'fetching the WeChat access token failed; no process asks WeChat again until the hold ends',
    );
  } catch (recordError) {
    logger?.warn({ err: recordError }, 'could not remember a failed fetch of the WeChat access token');
  }
}

/**
 * Asks WeChat (the lock held) and caches the answer for its life minus the safety margin; a
 * failure is remembered before the caller releases the lock.
 * @param previous the last failure, still remembered: this one's streak follows it.
 * @param forced a forced refresh (`force_refresh: true`): replaces the token WeChat hands out.
 */
async function fetchAndStore(
  refresh: Refresh,
  previous: TokenFailure | undefined,
  forced = false,
): Promise<CachedToken> {
  const { cache, client, logger, safetyMarginMs } = refresh;
  let grant: AccessTokenGrant;
  try {
    grant = await client.getStableAccessToken(forced ? { forceRefresh: true } : {});
  } catch (error) {
    await remember(refresh, error, previous, forced);
    throw error;
  }
  const lifeMs = grant.expiresInSeconds * 1_000;
  const ttlMs = Math.max(Math.floor(lifeMs - safetyMarginMs), Math.floor(lifeMs / 2), 1);
  // If this holder outlived its lock, another may have stored a token meanwhile; overwriting
  // it is harmless, since stable tokens do not invalidate each other.
  await cache.store(grant.accessToken, ttlMs, forced ? refresh.forceIntervalMs : undefined);
  logger?.info(
    { expiresInSeconds: grant.expiresInSeconds, cachedForMs: ttlMs, forced },
    forced ? 'WeChat access token replaced by a forced refresh' : 'WeChat access token fetched',
  );
  return { token: grant.accessToken, remainingMs: ttlMs };
}

/**
 * One fetch for all processes: the caller that takes the lock runs `fetch` unless the cache has
 * a token it can `use` by then; the others wait for such a token. Rejects with the error of a
 * failed fetch while its hold lasts, without asking WeChat.
 */
async function singleFlight<R extends string | undefined>(
  refresh: Refresh,
  use: (cached: CachedToken) => boolean,
  fetch: (previous: TokenFailure | undefined) => Promise<R>,
): Promise<string | R> {
  const { cache, waitMs, pollMs } = refresh;
  const deadline = Date.now() + waitMs;
  for (;;) {
    const lockToken = await cache.tryLock();
    if (lockToken !== undefined) {
      try {
        // Another process may have stored a token, or failed, between our read and our lock.
        const { cached, failure } = await cache.read();
        if (cached && use(cached)) return cached.token;
        throwIfHeldBack(failure);
        return await fetch(failure);
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
      const { cached, locked, failure } = await cache.read();
      if (cached && use(cached)) return cached.token;
      // The fetcher failed: its error is ours too (it was remembered before its lock was released).
      throwIfHeldBack(failure);
      if (!locked) break;
    }
  }
}

/** No usable token in the cache: fetch one, or wait for the process that is fetching it. */
export function fetchOrWait(refresh: Refresh): Promise<string> {
  return singleFlight(
    refresh,
    () => true,
    async (previous) => (await fetchAndStore(refresh, previous)).token,
  );
}

/**
 * WeChat rejected `rejected` (40001 invalid or 42001 expired). In normal mode stable_token keeps
 * handing out its current token until it expires, the rejected one included, so only a forced
 * refresh replaces it; one for all callers and processes, since each invalidates the token
 * before it, and WeChat allows one every 30 s (and 20 a day). Resolves to the token to retry
 * with: one cached since (another caller replaced it), or a forced refresh's. Resolves undefined
 * when there is none to try: a forced refresh within the interval gave the very token rejected,
 * or WeChat refused the last one.
 */
export function replaceRejected(refresh: Refresh, rejected: string): Promise<string | undefined> {
  return singleFlight(
    refresh,
    (cached) => cached.token !== rejected,
    async (previous) => {
      const forced = await refresh.cache.lastForced();
      if (forced !== undefined) return forced === '' || forced === rejected ? undefined : forced;
      return (await fetchAndStore(refresh, previous, true)).token;
    },
  );
}

/**
 * The cached token is valid but due for refresh: runs in the background of the caller that saw
 * it, who goes on with the current token, as do the others, here and in other processes. The
 * caller that takes the lock refreshes. A failed early refresh is only logged, since the current
 * token still works; it is remembered like any failed fetch, so the next try comes after its
 * hold, not on the next call (until 2026-12-07 every call while WeChat's token endpoint failed
 * asked it again, against its daily limit, and waited for it).
 */
export async function refreshEarly(refresh: Refresh): Promise<void> {
  const { cache, logger, refreshAheadMs } = refresh;
  const lockToken = await cache.tryLock();
  if (lockToken === undefined) return;
  let release = true;
  try {
    const { cached, failure } = await cache.read();
    if (cached && cached.remainingMs > refreshAheadMs) return;
    if (failure && failure.heldForMs > 0) return;
    const fresh = await fetchAndStore(refresh, failure);
    // WeChat handed back a token no fresher than the threshold: keep the lock until it expires,
    // so callers do not ask again on every call meanwhile.
    if (fresh.remainingMs <= refreshAheadMs) release = false;
  } catch (error) {
    logger?.warn(
      { err: error },
      'early refresh of the WeChat access token failed; still using the current one, trying again once its hold ends',
    );
  } finally {
    if (release) await cache.unlock(lockToken);
  }
}
