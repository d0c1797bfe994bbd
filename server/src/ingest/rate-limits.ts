import type { Config } from '@rallyboard/core/config';
import { AppError } from '@rallyboard/core/protocol';
import type { KeyBuilder } from '@rallyboard/core/redis';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

/** Who a request comes from, as far as ingest can tell. */
export interface RequestOrigin {
  ip: string;
  deviceId?: string | undefined;
  voterId?: string | undefined;
}

/** Charges one request to each of its origins; throws 429 RATE_LIMITED with the wait. */
export type RateLimitCheck = (origin: RequestOrigin) => Promise<void>;

const SCOPES = ['ip', 'device', 'voter'] as const;
type Scope = (typeof SCOPES)[number];

export interface RateLimitDeps {
  config: Pick<Config, 'rateLimits'>;
  redis: Redis;
  keys: KeyBuilder;
}

/**
 * Per-minute limits by client IP, device id and voter, counted in Redis (rate-limiter-flexible,
 * atomic INCR + TTL in one script), so every server process shares them. A request is charged to
 * each limit that applies; the first one exhausted answers RATE_LIMITED with `retryAfterSeconds`,
 * which the error handler turns into a Retry-After header.
 */
export function createRateLimits(deps: RateLimitDeps): RateLimitCheck {
  const perMinute: Record<Scope, number> = {
    ip: deps.config.rateLimits.perIp,
    device: deps.config.rateLimits.perDevice,
    voter: deps.config.rateLimits.perVoter,
  };
  const limiters = new Map<Scope, RateLimiterRedis>();
  for (const scope of SCOPES) {
    if (perMinute[scope] === 0) continue;
    limiters.set(
      scope,
      new RateLimiterRedis({
        storeClient: deps.redis,
        keyPrefix: deps.keys.rateLimit(scope),
        points: perMinute[scope],
        duration: 60,
      }),
    );
  }

  return async (origin) => {
    const charges: [Scope, string | undefined][] = [
      ['ip', origin.ip],
      ['device', origin.deviceId],
      ['voter', origin.voterId],
    ];
    await Promise.all(
      charges.map(async ([scope, key]) => {
        const limiter = limiters.get(scope);
        if (!limiter || key === undefined) return;
        try {
          await limiter.consume(key);
        } catch (rejection) {
          if (rejection instanceof RateLimiterRes) {
            throw new AppError('RATE_LIMITED', {
              details: { scope, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) },
            });
          }
          throw rejection;
        }
      }),
    );
  };
}
