import { AppError } from '@rallyboard/core/protocol';
import type { TokenSecrets } from '../auth/key-ring.js';
import { createScopedTokens } from '../auth/scoped-tokens.js';

/** Where bull-board is mounted; the session cookie is sent to this path and nowhere else. */
export const QUEUES_PATH = '/admin/queues';
export const QUEUE_COOKIE = 'rb_queues';
/** How long one session opens bull-board before the console asks for another. */
export const QUEUE_SESSION_TTL_SECONDS = 30 * 60;

export interface QueueSessions {
  /**
   * A session for an admin host, at the version of the sign-in that opened it: the cookie's
   * value and its expiry.
   */
  sign(hostId: string, tokenVersion: number): Promise<{ value: string; expiresAt: Date }>;
  /**
   * The host id of a valid session cookie, of the account's sign-ins at `tokenVersion` when
   * given; UNAUTHENTICATED otherwise.
   */
  verify(value: string, tokenVersion?: number): Promise<string>;
}

/**
 * bull-board's sessions. A browser navigation cannot send the console's bearer token, so an admin
 * trades it (POST /api/admin/queue-session) for a cookie: a scoped token (auth/scoped-tokens.ts)
 * whose subject is the host, so no host, participant or screen token passes for one, and a
 * session cookie opens bull-board and nothing else. HttpOnly (no script reads it), SameSite=Strict
 * (no other site's page sends it, though bull-board is read-only: admin/routes.ts), Path=/admin/queues,
 * and Secure whenever the request came over TLS (directly, or through a proxy TRUST_PROXY trusts).
 */
export function createQueueSessions(secrets: TokenSecrets, now: () => number = Date.now): QueueSessions {
  const tokens = createScopedTokens(
    secrets,
    {
      audience: 'rallyboard:queues',
      keyLabel: 'rallyboard queue session',
      ttlSeconds: QUEUE_SESSION_TTL_SECONDS,
    },
    now,
  );
  return {
    async sign(hostId, tokenVersion) {
      const { token, expiresAt } = await tokens.sign(hostId, tokenVersion);
      return { value: token, expiresAt };
    },
    async verify(value, tokenVersion) {
      const hostId = await tokens.verify(value, undefined, tokenVersion);
      if (hostId === undefined) {
        throw new AppError('UNAUTHENTICATED', {
          message: 'Open the queues from the console: the queue session is missing or has expired.',
        });
      }
      return hostId;
    },
  };
}

/** The value of one cookie in a Cookie header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
