import { createHash } from 'node:crypto';
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

/**
 * jose's jwtVerify with the key the token's `kid` names. A token with an unknown kid is refused
 * without a try; one without a kid was signed before tokens carried one, and is tried against each
 * key, newest first (only a bad signature moves on: an expired token of the right key is expired).
 * @throws jose's errors as jwtVerify does; JWSSignatureVerificationFailed when no key fits
 */
export async function verifyWithRing<K extends Uint8Array>(
  token: string,
  ring: KeyRing<K>,
  options: JWTVerifyOptions,
): Promise<JWTPayload> {
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
