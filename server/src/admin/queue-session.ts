import { createHmac } from 'node:crypto';
import { AppError } from '@rallyboard/core/protocol';
import { jwtVerify, SignJWT } from 'jose';

/** Where bull-board is mounted; the session cookie is sent to this path and nowhere else. */
export const QUEUES_PATH = '/admin/queues';
export const QUEUE_COOKIE = 'rb_queues';
/** How long one session opens bull-board before the console asks for another. */
export const QUEUE_SESSION_TTL_SECONDS = 30 * 60;

const ISSUER = 'rallyboard';
const AUDIENCE = 'rallyboard:queues';

export interface QueueSessions {
  /** A session for an admin host: the cookie's value and its expiry. */
  sign(hostId: string): Promise<{ value: string; expiresAt: Date }>;
  /** The host id of a valid session cookie; UNAUTHENTICATED otherwise. */
  verify(value: string): Promise<string>;
}

/**
 * bull-board's sessions. A browser navigation cannot send the console's bearer token, so an admin
 * trades it (POST /api/admin/queue-session) for a cookie: an HS256 JWT with an audience and a key
 * derived from JWT_SECRET of its own, so no host, participant or screen token passes for one, and
 * a session cookie opens bull-board and nothing else. HttpOnly (no script reads it), SameSite=Strict
 * (no other site's page or form sends it: bull-board's buttons change queues), Path=/admin/queues.
 */
export function createQueueSessions(jwtSecret: string, now: () => number = Date.now): QueueSessions {
  const key = createHmac('sha256', jwtSecret).update('rallyboard queue session').digest();
  return {
    async sign(hostId) {
      const issuedAt = Math.floor(now() / 1000);
      const exp = issuedAt + QUEUE_SESSION_TTL_SECONDS;
      const value = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject(hostId)
        .setIssuedAt(issuedAt)
        .setExpirationTime(exp)
        .sign(key);
      return { value, expiresAt: new Date(exp * 1000) };
    },
    async verify(value) {
      try {
        const { payload } = await jwtVerify(value, key, {
          issuer: ISSUER,
          audience: AUDIENCE,
          algorithms: ['HS256'],
          requiredClaims: ['sub', 'exp'],
          currentDate: new Date(now()),
        });
        return payload.sub as string;
      } catch {
        throw new AppError('UNAUTHENTICATED', {
          message: 'Open the queues from the console: the queue session is missing or has expired.',
        });
      }
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
