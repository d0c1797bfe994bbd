import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether an `Authorization` header sends `Bearer <token>` (METRICS_TOKEN, which the server's
 * /metrics and the workers' metrics port both take). Both sides are hashed first so that
 * timingSafeEqual compares equal lengths: neither the token's characters nor its length show in
 * the time a wrong guess takes.
 */
export function sendsBearerToken(authorization: string | undefined, token: string): boolean {
  const match = /^Bearer (.+)$/.exec(authorization ?? '');
  if (!match?.[1]) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(match[1]), digest(token));
}
