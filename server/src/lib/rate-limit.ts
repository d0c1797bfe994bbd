import type { Config } from '@rallyboard/core/config';
import { AppError } from '@rallyboard/core/protocol';
import type { KeyBuilder, RedisClient } from '@rallyboard/core/redis';
import { networksOf } from '@rallyboard/core/risk';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

/** What every rate limit is counted with: Redis, shared by every server process. */
export interface RateLimitDeps {
  config: Pick<Config, 'rateLimits'>;
  redis: RedisClient;
  keys: KeyBuilder;
}

/**
 * What a client address is limited as: an IPv4 address itself (an IPv4-mapped IPv6 one too), an
 * IPv6 address's /64. A home or a phone is given a /64 of its own, so one client holds 2^64
 * addresses, and each would start a budget of its own (until 2026-12-07 each did: the sign-in
 * limits were no limit to an IPv6 client). An office or a venue on one IPv6 network shares its
 * /64 as a NAT's crowd shares an IPv4 address, and the per-address budgets are sized for that.
 */
export function limitedAddress(ip: string): string {
  try {
    const { ip: address, net24 } = networksOf(ip);
    return address.includes(':') ? net24 : address;
  } catch {
    return ip;
  }
}

/**
 * A budget of `points` per `durationSeconds` for each key, counted in Redis under
 * `keys.rateLimit(name)` (rate-limiter-flexible: atomic INCR + TTL in one script); undefined for
 * 0, which turns the limit off.
 */
export function redisLimiter(
  deps: Pick<RateLimitDeps, 'redis' | 'keys'>,
  name: string,
  points: number,
  durationSeconds: number,
): RateLimiterRedis | undefined {
  if (points === 0) return undefined;
  return new RateLimiterRedis({
    storeClient: deps.redis,
    keyPrefix: deps.keys.rateLimit(name),
    points,
    duration: durationSeconds,
  });
}

/** The 429 a spent budget answers: RATE_LIMITED naming `scope`, with the wait in whole seconds. */
function rateLimited(scope: string, msBeforeNext: number): AppError {
  return new AppError('RATE_LIMITED', {
    details: { scope, retryAfterSeconds: Math.max(1, Math.ceil(msBeforeNext / 1000)) },
  });
}

/**
 * Charges one point to `key`. When its budget is spent, throws 429 RATE_LIMITED naming `scope`
 * with `retryAfterSeconds`, which the error handler turns into a Retry-After header. A limit that
 * is off, or a request without that key, is not charged.
 */
export async function chargeLimit(
  limiter: RateLimiterRedis | undefined,
  scope: string,
  key: string | undefined,
): Promise<void> {
  if (!limiter || key === undefined) return;
  try {
    await limiter.consume(key);
  } catch (rejection) {
    if (!(rejection instanceof RateLimiterRes)) throw rejection;
    throw rateLimited(scope, rejection.msBeforeNext);
  }
}

/**
 * For a budget of outcomes known only afterwards (failed sign-ins): throws 429 RATE_LIMITED
 * naming `scope` when `key` has spent it, and charges nothing. The outcome is charged with
 * `addToLimit` once it is known.
 */
export async function assertWithinLimit(
  limiter: RateLimiterRedis | undefined,
  scope: string,
  key: string | undefined,
): Promise<void> {
  if (!limiter || key === undefined) return;
  const used = await limiter.get(key);
  if (used && used.consumedPoints >= limiter.points) throw rateLimited(scope, used.msBeforeNext);
}

/** Adds one point to `key`'s budget without refusing anything: what it counts has happened. */
export async function addToLimit(
  limiter: RateLimiterRedis | undefined,
  key: string | undefined,
): Promise<void> {
  if (!limiter || key === undefined) return;
  await limiter.penalty(key);
}
