import { createHmac } from 'node:crypto';
import { SignJWT } from 'jose';
import { keyRing, type TokenSecrets, verifyWithRing } from './key-ring.js';

const ISSUER = 'rallyboard';

export interface ScopedTokens {
  /**
   * A token for one subject (a campaign, a host), good for the scope's TTL; with a version (the
   * `ver` claim) when the subject's tokens can be revoked by raising it.
   */
  sign(subject: string, version?: number): Promise<{ token: string; expiresAt: Date }>;
  /**
   * The subject of a live token of this scope (and of exactly `subject` when given), or
   * undefined; when `version` is given, only a token of that version (a token without one is 0).
   */
  verify(token: string, subject?: string, version?: number): Promise<string | undefined>;
}

/**
 * Tokens that open one thing and nothing else (a campaign's big screen, bull-board): HS256 JWTs
 * with an audience of their own and a key derived from JWT_SECRET for that scope alone, so no
 * host or participant token, nor one of another scope, passes for one. Like every token they name
 * their secret by `kid`, and those signed with a previous secret open until they expire.
 *
 * @param scope the audience, the label the key is derived with, and how long a token lasts
 */
export function createScopedTokens(
  secrets: TokenSecrets,
  scope: { audience: string; keyLabel: string; ttlSeconds: number },
  now: () => number = Date.now,
): ScopedTokens {
  const ring = keyRing(secrets, (secret) => createHmac('sha256', secret).update(scope.keyLabel).digest());
  const { audience, ttlSeconds } = scope;
  return {
    async sign(subject, version) {
      const issuedAt = Math.floor(now() / 1000);
      const exp = issuedAt + ttlSeconds;
      const token = await new SignJWT(version === undefined ? {} : { ver: version })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: ring.signing.kid })
        .setIssuer(ISSUER)
        .setAudience(audience)
        .setSubject(subject)
        .setIssuedAt(issuedAt)
        .setExpirationTime(exp)
        .sign(ring.signing.key);
      return { token, expiresAt: new Date(exp * 1000) };
    },
    async verify(token, subject, version) {
      try {
        const payload = await verifyWithRing(token, ring, {
          issuer: ISSUER,
          audience,
          ...(subject === undefined ? {} : { subject }),
          algorithms: ['HS256'],
          requiredClaims: ['sub', 'exp'],
          currentDate: new Date(now()),
        });
        if (version !== undefined && (payload.ver ?? 0) !== version) return undefined;
        return payload.sub;
      } catch {
        return undefined;
      }
    },
  };
}
