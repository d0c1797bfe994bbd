import { z } from 'zod';
import { WeChatError, WeChatTransportError } from '../errors.js';

/*
 * What a failed fetch of the access token leaves behind. Every API call needs the token, so
 * without it each sign-in, content check and notification would ask stable_token again at once,
 * against its daily limit (until 2026-12-07 they did: a `45009` answer was then asked again on
 * every call). The failure is kept in Redis next to the token, for every process: until its
 * hold ends, callers without a token get the same error without asking WeChat.
 */

/** How long a failed fetch holds callers back; the manager's options, defaults applied. */
export interface HoldBackPolicy {
  /** After the first failure in a row; doubles with each failure in a row. */
  firstMs: number;
  /** The longest hold, but after `45009`. */
  maxMs: number;
  /** After `45009` (the daily limit): until WeChat's day ends, but at most this. */
  quotaMs: number;
}

/** A failure the token's call can end in: what WeChat answered, or that it could not be heard. */
export type TokenFetchError = WeChatError | WeChatTransportError;

/** The last failed fetch, as the cache holds it. */
export interface TokenFailure {
  error: TokenFetchError;
  /** How many fetches failed in a row, this one included. */
  streak: number;
  /** What is left of its hold: 0 or less once callers may ask WeChat again. */
  heldForMs: number;
}

/** The errors worth remembering: WeChat's answers and transport failures, not ours. */
export function isTokenFetchError(error: unknown): error is TokenFetchError {
  return error instanceof WeChatError || error instanceof WeChatTransportError;
}

/** Throws the failure's error while its hold lasts. */
export function throwIfHeldBack(failure: TokenFailure | undefined): void {
  if (failure !== undefined && failure.heldForMs > 0) throw failure.error;
}

/** WeChat's daily quotas start again at midnight, China Standard Time (UTC+8, no summer time). */
const CHINA_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

/** Milliseconds from `now` to the next midnight in China. */
export function msUntilQuotaReset(now: number): number {
  return DAY_MS - ((now + CHINA_OFFSET_MS) % DAY_MS);
}

/**
 * How long the `streak`-th failure in a row holds callers back:
 * - `45009`, the day's quota used up: nothing succeeds before it is reset at midnight (China
 *   time), so until then, but at most `quotaMs`, in case the quota is restored by hand earlier;
 * - `45011`, the minute's quota: a minute;
 * - anything else (`-1` busy, no answer, a credential or IP whitelist error an operator may fix
 *   at any moment): `firstMs`, doubling with each failure in a row, up to `maxMs`.
 */
export function holdFor(error: TokenFetchError, streak: number, policy: HoldBackPolicy, now: number): number {
  if (error instanceof WeChatError && error.errcode === 45009) {
    return Math.min(msUntilQuotaReset(now), policy.quotaMs);
  }
  if (error instanceof WeChatError && error.errcode === 45011) return 60_000;
  return Math.min(policy.firstMs * 2 ** Math.min(streak - 1, 30), policy.maxMs);
}

const storedFailureSchema = z.object({
  streak: z.number().int().positive(),
  /** The failure is kept this long after its hold ends, so the next failure knows the streak. */
  memoryMs: z.number().int().nonnegative(),
  error: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('wechat'), errcode: z.number().int(), errmsg: z.string() }),
    z.object({
      kind: z.literal('transport'),
      failure: z.enum(['timeout', 'network', 'http-status', 'invalid-response']),
      detail: z.string(),
    }),
  ]),
});

/** The failure as stored, and the TTL to store it with: its hold, then its memory. */
export function encodeFailure(
  error: TokenFetchError,
  streak: number,
  holdMs: number,
  memoryMs: number,
): { value: string; ttlMs: number } {
  const stored: z.input<typeof storedFailureSchema> = {
    streak,
    memoryMs,
    error:
      error instanceof WeChatError
        ? { kind: 'wechat', errcode: error.errcode, errmsg: error.errmsg }
        : { kind: 'transport', failure: error.failure, detail: error.detail },
  };
  return { value: JSON.stringify(stored), ttlMs: Math.max(1, Math.ceil(holdMs + memoryMs)) };
}

/**
 * The failure stored as `value` with `remainingMs` left of its TTL, rebuilt as the error its
 * fetch threw; undefined for anything else (an older deploy's value is ignored, not thrown).
 * The TTL is measured by Redis, so processes with clocks apart agree on the hold.
 */
export function decodeFailure(value: string, remainingMs: number): TokenFailure | undefined {
  let parsed: z.output<typeof storedFailureSchema>;
  try {
    const result = storedFailureSchema.safeParse(JSON.parse(value));
    if (!result.success) return undefined;
    parsed = result.data;
  } catch {
    return undefined;
  }
  const { error, streak, memoryMs } = parsed;
  return {
    error:
      error.kind === 'wechat'
        ? new WeChatError('getStableAccessToken', error.errcode, error.errmsg)
        : new WeChatTransportError('getStableAccessToken', error.failure, error.detail),
    streak,
    heldForMs: remainingMs - memoryMs,
  };
}
