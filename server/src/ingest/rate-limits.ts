import type { RateLimiterRedis } from 'rate-limiter-flexible';
import { chargeLimit, limitedAddress, type RateLimitDeps, redisLimiter } from '../lib/rate-limit.js';

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

/**
 * Per-minute limits by client IP, device id and voter, counted in Redis (lib/rate-limit.ts), so
 * every server process shares them. A request is charged to each limit that applies, all at once
 * (one round trip); when one is exhausted it answers RATE_LIMITED with `retryAfterSeconds`, and
 * the others it was charged to are given their point back. A refused request spends nobody
 * else's budget: one account's flood from a venue's address never spends the address's minute
 * for the crowd behind it (until 2026-12-07 every limit kept the charge of a refused request).
 */
export function createRateLimits(deps: RateLimitDeps): RateLimitCheck {
  const perMinute: Record<Scope, number> = {
    ip: deps.config.rateLimits.perIp,
    device: deps.config.rateLimits.perDevice,
    voter: deps.config.rateLimits.perVoter,
  };
  const limiters = new Map<Scope, RateLimiterRedis | undefined>(
    SCOPES.map((scope) => [scope, redisLimiter(deps, scope, perMinute[scope], 60)]),
  );

  return async (origin) => {
    const charges: [Scope, string | undefined][] = [
      ['voter', origin.voterId],
      ['device', origin.deviceId],
      ['ip', limitedAddress(origin.ip)],
    ];
    const answers = await Promise.allSettled(
      charges.map(([scope, key]) => chargeLimit(limiters.get(scope), scope, key)),
    );
    const refused = answers.find((a) => a.status === 'rejected');
    if (!refused) return;
    // Given back as well as it can be: a point not given back (Redis gone meanwhile) is spent
    // until the minute ends, as before.
    await Promise.allSettled(
      charges.flatMap(([scope, key], i) => {
        const limiter = limiters.get(scope);
        return answers[i]?.status === 'fulfilled' && limiter && key !== undefined
          ? [limiter.reward(key, 1)]
          : [];
      }),
    );
    throw refused.reason;
  };
}

/** The window of the read and socket limits: short, so a flood meets them within a second. */
const READ_WINDOW_SECONDS = 10;

/** The limits on what anyone may read without a token, over HTTP or a socket. */
export interface ReadLimits {
  /** Charges a public HTTP read to its client address. */
  read(ip: string): Promise<void>;
  /** Charges an entry picture's download to its client address. */
  media(ip: string): Promise<void>;
  /** Charges a socket event to its client address and to the socket. */
  socketEvent(ip: string, socketId: string): Promise<void>;
}

/**
 * Public reads and socket events, per 10 s by client IP and by socket, counted in Redis as the
 * ingest limits are (every process shares them). The budgets are sized for a venue crowd behind
 * one NAT address (see .env.example); 0 turns one off.
 */
export function createReadLimits(deps: RateLimitDeps): ReadLimits {
  const limiter = (name: string, points: number) => redisLimiter(deps, name, points, READ_WINDOW_SECONDS);
  const { readsPerIp, mediaPerIp, socketEventsPerIp, eventsPerSocket } = deps.config.rateLimits;
  const reads = limiter('read-ip', readsPerIp);
  const media = limiter('media-ip', mediaPerIp);
  const socketIps = limiter('socket-ip', socketEventsPerIp);
  const sockets = limiter('socket', eventsPerSocket);
  return {
    read: (ip) => chargeLimit(reads, 'ip', limitedAddress(ip)),
    media: (ip) => chargeLimit(media, 'ip', limitedAddress(ip)),
    async socketEvent(ip, socketId) {
      // The socket first: one client's flood spends its own budget, not its neighbours' on the NAT.
      await chargeLimit(sockets, 'socket', socketId);
      await chargeLimit(socketIps, 'ip', limitedAddress(ip));
    },
  };
}
