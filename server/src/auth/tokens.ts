import { AppError } from '@rallyboard/core/protocol';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';

/** Hosts run campaigns from the console; participants vote from the mini-program. */
export type HostRole = 'admin' | 'host';

export interface HostClaims {
  kind: 'host';
  hostId: string;
  role: HostRole;
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

export interface TokenConfig {
  jwtSecret: string;
  hostTokenTtlSeconds: number;
  participantTokenTtlSeconds: number;
}

/** HS256 JWTs (jose), with the issuer, an audience per kind, and an expiry always set. */
export function createTokenSigner(config: TokenConfig, now: () => number = Date.now): TokenSigner {
  const key = new TextEncoder().encode(config.jwtSecret);

  async function sign(
    kind: TokenClaims['kind'],
    subject: string,
    extra: Record<string, string>,
    ttl: number,
  ) {
    const issuedAt = Math.floor(now() / 1000);
    const exp = issuedAt + ttl;
    const token = await new SignJWT(extra)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE[kind])
      .setSubject(subject)
      .setIssuedAt(issuedAt)
      .setExpirationTime(exp)
      .sign(key);
    return { token, expiresAt: new Date(exp * 1000) };
  }

  return {
    host: ({ hostId, role }) => sign('host', hostId, { role }, config.hostTokenTtlSeconds),
    participant: ({ participantId }) =>
      sign('participant', participantId, {}, config.participantTokenTtlSeconds),
    async verify(token, kind) {
      try {
        const { payload } = await jwtVerify(token, key, {
          issuer: ISSUER,
          audience: AUDIENCE[kind],
          algorithms: ['HS256'],
          requiredClaims: ['sub', 'exp'],
          currentDate: new Date(now()),
        });
        const subject = payload.sub as string;
        if (kind === 'participant') {
          return { kind: 'participant', participantId: subject } as Extract<
            TokenClaims,
            { kind: typeof kind }
          >;
        }
        const role = payload.role;
        if (role !== 'admin' && role !== 'host') throw new AppError('UNAUTHENTICATED');
        return { kind: 'host', hostId: subject, role } as Extract<TokenClaims, { kind: typeof kind }>;
      } catch (error) {
        if (error instanceof AppError) throw error;
        if (error instanceof joseErrors.JWTExpired) throw new AppError('TOKEN_EXPIRED');
        throw new AppError('UNAUTHENTICATED');
      }
    },
  };
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer ([A-Za-z0-9_.~+/-]+=*)$/i.exec(header.trim());
  return match?.[1];
}
