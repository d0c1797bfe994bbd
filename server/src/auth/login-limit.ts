import { chargeLimit, type RateLimitDeps, redisLimiter } from '../lib/rate-limit.js';

/** Charges one login to the client's address; throws 429 RATE_LIMITED with the wait. */
export type LoginLimit = (ip: string) => Promise<void>;

/**
 * Logins per minute by client IP (`RATE_LIMIT_LOGIN_PER_IP`, 0 for none), counted in Redis like
 * ingest's limits so every server process shares them. Each login costs a code2Session call,
 * and WeChat limits those per app: one address must not spend them for everyone.
 */
export function createLoginLimit(deps: RateLimitDeps): LoginLimit {
  const limiter = redisLimiter(deps, 'login-ip', deps.config.rateLimits.loginPerIp, 60);
  return (ip) => chargeLimit(limiter, 'ip', ip);
}
