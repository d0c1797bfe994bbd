import { int } from './fields.js';

/**
 * The rate limits' variables, each documented in `.env.example` and docs/security.md. 0 turns a
 * limit off. The per-address budgets let a venue crowd behind one NAT address through (600 phones
 * signing in, holding a socket, reading the board and voting up to 3 times within about 90 s:
 * server/test/ingest/crowd-limits.test.ts, server/test/auth/login-limit.test.ts), and carrier-grade
 * NAT, where thousands of phones share an address.
 */
export const rateLimitEnv = {
  RATE_LIMIT_PER_IP: int(0, 1_000_000, 6_000),
  RATE_LIMIT_PER_DEVICE: int(0, 1_000_000, 120),
  RATE_LIMIT_PER_VOTER: int(0, 1_000_000, 120),
  RATE_LIMIT_LOGIN_PER_IP: int(0, 1_000_000, 60),
  RATE_LIMIT_LOGIN_PER_DEVICE: int(0, 1_000_000, 10),
  RATE_LIMIT_LOGIN_CEILING_PER_IP: int(0, 1_000_000, 3_000),
  RATE_LIMIT_HOST_LOGIN: int(0, 1_000_000, 10),
  RATE_LIMIT_HOST_LOGIN_PER_IP: int(0, 1_000_000, 30),
  RATE_LIMIT_READS_PER_IP: int(0, 1_000_000, 6_000),
  RATE_LIMIT_MEDIA_PER_IP: int(0, 1_000_000, 12_000),
  RATE_LIMIT_SOCKET_EVENTS_PER_IP: int(0, 1_000_000, 1_200),
  RATE_LIMIT_EVENTS_PER_SOCKET: int(0, 1_000_000, 30),
};

type RateLimitEnv = { [K in keyof typeof rateLimitEnv]: number };

/**
 * Ingest requests allowed per minute by client IP, by device id and by voter; 0 turns a limit
 * off. The IP limit is generous: a venue, a school or a carrier's NAT puts many on one address.
 */
export interface RateLimits {
  readonly perIp: number;
  readonly perDevice: number;
  readonly perVoter: number;
  /**
   * Failed WeChat sign-ins (a bad or used code, a refusal that is the caller's) per minute by
   * client IP. Once spent, every sign-in from the address is refused before WeChat is asked.
   */
  readonly loginPerIp: number;
  /** WeChat sign-ins per minute by device id (X-Device-Id), right or wrong. */
  readonly loginPerDevice: number;
  /** Every WeChat sign-in per minute by client IP, right or wrong: sized for a carrier's NAT. */
  readonly loginCeilingPerIp: number;
  /** Host login attempts per minute by client IP and username (password guessing). */
  readonly hostLogin: number;
  /** Host login attempts per minute by client IP, whatever the username (credential stuffing). */
  readonly hostLoginPerIp: number;
  /** Public HTTP reads (boards, public campaigns, screens) per 10 s by client IP. */
  readonly readsPerIp: number;
  /** Entry pictures (candidates' photos) per 10 s by client IP: a budget of their own. */
  readonly mediaPerIp: number;
  /** Socket events (board:subscribe, board:query, screen:subscribe) per 10 s by client IP. */
  readonly socketEventsPerIp: number;
  /** The same events per 10 s by socket. */
  readonly eventsPerSocket: number;
}

/** The rate limits of the validated environment. */
export function rateLimitsOf(e: RateLimitEnv): RateLimits {
  return {
    perIp: e.RATE_LIMIT_PER_IP,
    perDevice: e.RATE_LIMIT_PER_DEVICE,
    perVoter: e.RATE_LIMIT_PER_VOTER,
    loginPerIp: e.RATE_LIMIT_LOGIN_PER_IP,
    loginPerDevice: e.RATE_LIMIT_LOGIN_PER_DEVICE,
    loginCeilingPerIp: e.RATE_LIMIT_LOGIN_CEILING_PER_IP,
    hostLogin: e.RATE_LIMIT_HOST_LOGIN,
    hostLoginPerIp: e.RATE_LIMIT_HOST_LOGIN_PER_IP,
    readsPerIp: e.RATE_LIMIT_READS_PER_IP,
    mediaPerIp: e.RATE_LIMIT_MEDIA_PER_IP,
    socketEventsPerIp: e.RATE_LIMIT_SOCKET_EVENTS_PER_IP,
    eventsPerSocket: e.RATE_LIMIT_EVENTS_PER_SOCKET,
  };
}
