import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import {
  decodeProtectedHeader,
  type JWTPayload,
  type JWTVerifyOptions,
  errors as joseErrors,
  jwtVerify,
} from 'jose';

/**
 * The token secrets as config gives them (`config.auth`): the newest signs, all verify. Rotating
 * is: JWT_SECRET=new, JWT_PREVIOUS_SECRETS=old (docs/security.md).
 */
export interface TokenSecrets {
  readonly jwtSecret: string;
  readonly previousJwtSecrets?: readonly string[];
}

export interface RingKey<K> {
  /** The secret's key id: a hash prefix, which tells nothing of the secret. */
  readonly kid: string;
  readonly key: K;
}

export interface KeyRing<K> {
  /** The newest secret's key: it signs. */
  readonly signing: RingKey<K>;
  /** Every key, newest first. */
  readonly all: readonly RingKey<K>[];
}

/** A secret's key id (the JWT header's `kid`): 8 base64url characters of a SHA-256 of it. */
const keyIdOf = (secret: string) =>
  createHash('sha256').update('rallyboard token key id\n').update(secret).digest('base64url').slice(0, 8);

/**
 * The keys of every configured secret, newest first, each derived by `derive` (the raw secret for
 * host and participant tokens, a key of its own for each scope) and named by its secret's kid.
 */
export function keyRing<K>(secrets: TokenSecrets, derive: (secret: string) => K): KeyRing<K> {
  const all = [secrets.jwtSecret, ...(secrets.previousJwtSecrets ?? [])].map((secret) => ({
    kid: keyIdOf(secret),
    key: derive(secret),
  }));
  return { signing: all[0] as RingKey<K>, all };
}

/** The options the synchronous path knows; with any other, jose verifies. */
const NOW_OPTIONS: ReadonlySet<string> = new Set([
  'issuer',
  'audience',
  'subject',
  'algorithms',
  'requiredClaims',
  'currentDate',
]);
const SEGMENT = /^[A-Za-z0-9_-]+$/;
/** jose decodes strictly: bad UTF-8 throws (Buffer would put U+FFFD in its place). */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A base64url segment whose length no encoding gives (1 mod 4): Buffer drops its last character, jose refuses it. */
const wellFormed = (segment: string) => SEGMENT.test(segment) && segment.length % 4 !== 1;

function jsonObject(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(UTF8.decode(Buffer.from(segment, 'base64url')));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const isNumericDate = (v: unknown) => v === undefined || typeof v === 'number';

/**
 * The common case of verifyWithRing without WebCrypto: an HS256 token whose `kid` names a key of
 * the ring, its signature checked with node's synchronous HMAC, its claims as jwtVerify checks
 * them for these options (issuer, audience, subject, required claims, `nbf`, `exp`, no clock
 * tolerance). Answers the payload only when every check passes, and undefined for anything else
 * (a bad signature, an expired or malformed token, a header or an option it does not know), for
 * jose to verify and to name the error: it accepts nothing jose would refuse, and refuses nothing
 * itself. WebCrypto's asynchronous dispatch cost most of an ingest request's CPU for a
 * participant new to the process (docs/benchmarks.md).
 */
export function verifyNow<K extends Uint8Array>(
  token: string,
  ring: KeyRing<K>,
  options: JWTVerifyOptions,
): JWTPayload | undefined {
  if (!Object.keys(options).every((o) => NOW_OPTIONS.has(o))) return undefined;
  if (!Array.isArray(options.algorithms) || !options.algorithms.includes('HS256')) return undefined;
  if (!(options.currentDate === undefined || options.currentDate instanceof Date)) return undefined;
  const parts = token.split('.');
  const [head = '', body = '', signature = ''] = parts;
  if (parts.length !== 3 || !wellFormed(head) || !wellFormed(body) || !wellFormed(signature))
    return undefined;
  const header = jsonObject(head);
  if (header?.alg !== 'HS256' || 'crit' in header || 'b64' in header) return undefined;
  const key = typeof header.kid === 'string' ? ring.all.find((k) => k.kid === header.kid) : undefined;
  if (!key) return undefined;
  const expected = createHmac('sha256', key.key).update(`${head}.${body}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const claims = jsonObject(body);
  if (!claims) return undefined;
  const { issuer, audience, subject, requiredClaims = [] } = options;
  const present = [
    ...requiredClaims,
    ...(issuer === undefined ? [] : ['iss']),
    ...(audience === undefined ? [] : ['aud']),
    ...(subject === undefined ? [] : ['sub']),
  ];
  if (!present.every((c) => Object.hasOwn(claims, c))) return undefined;
  if (issuer !== undefined && !(Array.isArray(issuer) ? issuer : [issuer]).includes(claims.iss as string))
    return undefined;
  if (subject !== undefined && claims.sub !== subject) return undefined;
  if (audience !== undefined) {
    const wanted = typeof audience === 'string' ? [audience] : audience;
    const aud = claims.aud;
    const ok =
      typeof aud === 'string'
        ? wanted.includes(aud)
        : Array.isArray(aud) && wanted.some((a) => aud.includes(a));
    if (!ok) return undefined;
  }
  const now = Math.floor((options.currentDate ?? new Date()).getTime() / 1000);
  if (!Number.isFinite(now)) return undefined;
  const { iat, nbf, exp } = claims;
  if (!isNumericDate(iat) || !isNumericDate(nbf) || !isNumericDate(exp)) return undefined;
  if (typeof nbf === 'number' && nbf > now) return undefined;
  if (typeof exp === 'number' && exp <= now) return undefined;
  return claims as JWTPayload;
}

/**
 * jose's jwtVerify with the key the token's `kid` names (verifyNow first, which answers the
 * common case synchronously, or leaves the token to jose). A token with an unknown kid is refused
 * without a try; one without a kid was signed before tokens carried one, and is tried against each
 * key, newest first (only a bad signature moves on: an expired token of the right key is expired).
 * @throws jose's errors as jwtVerify does; JWSSignatureVerificationFailed when no key fits
 */
export async function verifyWithRing<K extends Uint8Array>(
  token: string,
  ring: KeyRing<K>,
  options: JWTVerifyOptions,
): Promise<JWTPayload> {
  const now = verifyNow(token, ring, options);
  if (now) return now;
  let kid: unknown;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch {
    throw new joseErrors.JWSInvalid('malformed token');
  }
  const candidates = kid === undefined ? ring.all : ring.all.filter((k) => k.kid === kid);
  for (const { key } of candidates) {
    try {
      return (await jwtVerify(token, key, options)).payload;
    } catch (error) {
      if (!(error instanceof joseErrors.JWSSignatureVerificationFailed)) throw error;
    }
  }
  throw new joseErrors.JWSSignatureVerificationFailed();
}
