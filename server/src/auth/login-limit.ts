import { AppError } from '@rallyboard/core/protocol';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimitDeps } from '../ingest/rate-limits.js';

/** Charges one login to the client's address; throws 429 RATE_LIMITED with the wait. */
export type LoginLimit = (ip: string) => Promise<void>;

/**
 * Logins per minute by client IP (`RATE_LIMIT_LOGIN_PER_IP`, 0 for none), counted in Redis like
 * ingest's limits so every server process shares them. Each login costs a code2Session call,
 * and WeChat limits those per app: one address must not spend them for everyone.
 */
export function createLoginLimit(deps: RateLimitDeps): LoginLimit {
  const perMinute = deps.config.rateLimits.loginPerIp;
  if (perMinute === 0) return async () => {};
  const limiter = new RateLimiterRedis({
    storeClient: deps.redis,
    keyPrefix: deps.keys.rateLimit('login-ip'),
    points: perMinute,
    duration: 60,
  });
  return async (ip) => {
    try {
      await limiter.consume(ip);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      throw new AppError('RATE_LIMITED', {
        details: { scope: 'ip', retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) },
      });
    }
  };
}
