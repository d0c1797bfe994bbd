import { AppError } from '@rallyboard/core/protocol';
import { errors as joseErrors, SignJWT } from 'jose';
import { keyRing, type TokenSecrets, verifyWithRing } from './key-ring.js';

/** Hosts run campaigns from the console; participants vote from the mini-program. */
export type HostRole = 'admin' | 'host';

export interface HostClaims {
  kind: 'host';
  hostId: string;
  role: HostRole;
  /**
   * The account's token version when the token was signed (claim `ver`; absent in tokens signed
   * before versions existed: 0). Host routes refuse a token whose version is not the account's.
   */
  tokenVersion?: number;
}

export interface ParticipantClaims {
  kind: 'participant';
  participantId: string;
}

export type TokenClaims = HostClaims | ParticipantClaims;

const ISSUER = 'rallyboard';
/** A host token is never a participant token and back: each kind has its own audience. */
const AUDIENCE = { host: 'rallyboard:host', participant: 'rallyboard:participant' } as const;

export interface TokenSigner {
  /** Signs a host token for the configured host TTL. */
  host(claims: Omit<HostClaims, 'kind'>): Promise<{ token: string; expiresAt: Date }>;
  /** Signs a short-lived participant token for the configured participant TTL. */
  participant(claims: Omit<ParticipantClaims, 'kind'>): Promise<{ token: string; expiresAt: Date }>;
  /** Verifies a token of the given kind: UNAUTHENTICATED, or TOKEN_EXPIRED when only its time is up. */
  verify<K extends TokenClaims['kind']>(token: string, kind: K): Promise<Extract<TokenClaims, { kind: K }>>;
}

export interface TokenConfig extends TokenSecrets {
  hostTokenTtlSeconds: number;
  participantTokenTtlSeconds: number;
}

/** Most verified tokens a process remembers; past this, the oldest are forgotten. */
const VERIFIED_CACHE_MAX = 50_000;

/**
 * HS256 JWTs (jose), with the issuer, an audience per kind, and an expiry always set, signed with
 * the newest secret and naming it by `kid`, verified with the secret their kid names (key-ring.ts).
 *
 * A verified token is remembered until it expires: a participant sends many votes with one
 * token, and a full verification (an HMAC and the claims, key-ring.ts's verifyNow; jose's
 * WebCrypto for anything unusual) costs more than reading a map. Only successes are remembered,
 * with their expiry checked on every use.
 */
export function createTokenSigner(config: TokenConfig, now: () => number = Date.now): TokenSigner {
  const ring = keyRing(config, (secret) => new TextEncoder().encode(secret));
  const verified = new Map<string, { claims: TokenClaims; expiresAtMs: number }>();

  async function sign(
    kind: TokenClaims['kind'],
    subject: string,
    extra: Record<string, string | number>,
    ttl: number,
  ) {
    const issuedAt = Math.floor(now() / 1000);
    const exp = issuedAt + ttl;
    const token = await new SignJWT(extra)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: ring.signing.kid })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE[kind])
      .setSubject(subject)
      .setIssuedAt(issuedAt)
      .setExpirationTime(exp)
      .sign(ring.signing.key);
    return { token, expiresAt: new Date(exp * 1000) };
  }

  return {
    host: ({ hostId, role, tokenVersion }) =>
      sign('host', hostId, { role, ver: tokenVersion ?? 0 }, config.hostTokenTtlSeconds),
    participant: ({ participantId }) =>
      sign('participant', participantId, {}, config.participantTokenTtlSeconds),
    async verify(token, kind) {
      const cacheKey = `${kind}\n${token}`;
      const hit = verified.get(cacheKey);
      if (hit && now() < hit.expiresAtMs) return hit.claims as Extract<TokenClaims, { kind: typeof kind }>;
      if (hit) verified.delete(cacheKey);
      const claims = await verifyFully(token, kind);
      if (verified.size >= VERIFIED_CACHE_MAX) verified.delete(verified.keys().next().value as string);
      verified.set(cacheKey, { claims: claims.claims, expiresAtMs: claims.expiresAtMs });
      return claims.claims as Extract<TokenClaims, { kind: typeof kind }>;
    },
  };

  async function verifyFully(
    token: string,
    kind: TokenClaims['kind'],
  ): Promise<{ claims: TokenClaims; expiresAtMs: number }> {
    try {
      const payload = await verifyWithRing(token, ring, {
        issuer: ISSUER,
        audience: AUDIENCE[kind],
        algorithms: ['HS256'],
        requiredClaims: ['sub', 'exp'],
        currentDate: new Date(now()),
      });
      const subject = payload.sub as string;
      const expiresAtMs = (payload.exp as number) * 1000;
      if (kind === 'participant') {
        return { claims: { kind: 'participant', participantId: subject }, expiresAtMs };
      }
      const role = payload.role;
      if (role !== 'admin' && role !== 'host') throw new AppError('UNAUTHENTICATED');
      const tokenVersion = payload.ver ?? 0;
      if (!Number.isSafeInteger(tokenVersion) || (tokenVersion as number) < 0)
        throw new AppError('UNAUTHENTICATED');
      return {
        claims: { kind: 'host', hostId: subject, role, tokenVersion: tokenVersion as number },
        expiresAtMs,
      };
    } catch (error) {
      if (error instanceof AppError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw new AppError('TOKEN_EXPIRED');
      throw new AppError('UNAUTHENTICATED');
    }
  }
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer ([A-Za-z0-9_.~+/-]+=*)$/i.exec(header.trim());
  return match?.[1];
}
