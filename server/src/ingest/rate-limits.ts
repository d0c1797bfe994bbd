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
    await Promise.all(charges.map(([scope, key]) => charge(limiters.get(scope), scope, key)));
  };
}

/** Charges one point to `key`; RATE_LIMITED with the wait when its budget is spent. */
async function charge(limiter: RateLimiterRedis | undefined, scope: string, key: string | undefined) {
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
}

/** The window of the read and socket limits: short, so a flood meets them within a second. */
const READ_WINDOW_SECONDS = 10;

/** The limits on what anyone may read without a token, over HTTP or a socket. */
export interface ReadLimits {
  /** Charges a public HTTP read to its client address. */
  read(ip: string): Promise<void>;
  /** Charges a socket event to its client address and to the socket. */
  socketEvent(ip: string, socketId: string): Promise<void>;
}

export interface ReadLimitDeps {
  config: Pick<Config, 'rateLimits'>;
  redis: Redis;
  keys: KeyBuilder;
}

/**
 * Public reads and socket events, per 10 s by client IP and by socket, counted in Redis as the
 * ingest limits are (every process shares them). The budgets are sized for a venue crowd behind
 * one NAT address (see .env.example); 0 turns one off.
 */
export function createReadLimits(deps: ReadLimitDeps): ReadLimits {
  const limiter = (scope: string, points: number) =>
    points === 0
      ? undefined
      : new RateLimiterRedis({
          storeClient: deps.redis,
          keyPrefix: deps.keys.rateLimit(scope),
          points,
          duration: READ_WINDOW_SECONDS,
        });
  const { readsPerIp, socketEventsPerIp, eventsPerSocket } = deps.config.rateLimits;
  const reads = limiter('read-ip', readsPerIp);
  const socketIps = limiter('socket-ip', socketEventsPerIp);
  const sockets = limiter('socket', eventsPerSocket);
  return {
    read: (ip) => charge(reads, 'ip', ip),
    async socketEvent(ip, socketId) {
      // The socket first: one client's flood spends its own budget, not its neighbours' on the NAT.
      await charge(sockets, 'socket', socketId);
      await charge(socketIps, 'ip', ip);
    },
  };
}
