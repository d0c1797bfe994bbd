import type { Config } from '@rallyboard/core/config';
import { createTokenSigner, type HostClaims, type ParticipantClaims } from '../../../src/auth/tokens.js';
import type { AuthMode } from '../../../src/http/api.js';
import type { BadAuthorization } from './mutations.js';

/** The callers the examples sign in as: a participant, a host (role host) and an admin; real accounts. */
export interface Callers {
  participant: Omit<ParticipantClaims, 'kind'>;
  host: Omit<HostClaims, 'kind'>;
  admin: Omit<HostClaims, 'kind'>;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Authorization headers a route of `mode` must refuse: missing, malformed, expired, signed with
 * another secret, of the other kind, unsigned (alg none), tampered, cut, too large; and for an
 * admin route, a valid token of a host who is not an admin.
 */
export async function badAuthorizations(
  auth: Config['auth'],
  mode: AuthMode,
  callers: Callers,
): Promise<BadAuthorization[]> {
  if (mode === 'public') return [];
  const ttl = Math.max(auth.participantTokenTtlSeconds, auth.hostTokenTtlSeconds);
  const signers = {
    valid: createTokenSigner(auth),
    expired: createTokenSigner(auth, () => Date.now() - (ttl + 3_600) * 1_000),
    forged: createTokenSigner({ ...auth, jwtSecret: `${auth.jwtSecret}-not` }),
  };
  const sign = async (signer: keyof typeof signers, kind: 'participant' | 'host' | 'admin') =>
    kind === 'participant'
      ? (await signers[signer].participant(callers.participant)).token
      : (await signers[signer].host(callers[kind])).token;
  const own = mode;
  const other = mode === 'participant' ? 'host' : 'participant';
  const valid = await sign('valid', own);
  const [head, payload, signature] = valid.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  const refused = (what: string, header: string | undefined): BadAuthorization => ({
    what,
    header,
    expect: ['UNAUTHENTICATED'],
  });
  const bad: BadAuthorization[] = [
    refused('none', undefined),
    refused('empty', ''),
    refused('Bearer alone', 'Bearer'),
    refused('no scheme', valid),
    refused('Basic', 'Basic dXNlcjpwYXNz'),
    refused('two tokens', `Bearer ${valid} ${valid}`),
    { what: 'expired', header: `Bearer ${await sign('expired', own)}`, expect: ['TOKEN_EXPIRED'] },
    refused(`${other} token`, `Bearer ${await sign('valid', other)}`),
    refused('another secret', `Bearer ${await sign('forged', own)}`),
    refused('alg none', `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`),
    refused(
      'tampered claims',
      `Bearer ${head}.${b64({ ...claims, sub: 'p-someone-else', role: 'admin' })}.${signature}`,
    ),
    refused('signature cut', `Bearer ${valid.slice(0, -4)}`),
    { what: 'huge', header: `Bearer ${'a'.repeat(100_000)}`, expect: ['HEADERS_TOO_LARGE'] },
  ];
  if (mode !== 'participant') {
    // Signed right, but for an account that does not exist (or no longer does).
    const ghost = await signers.valid.host({ hostId: 'hNoSuchHost00', role: 'admin' });
    bad.push(refused('no such account', `Bearer ${ghost.token}`));
  }
  if (mode === 'admin') {
    const notAdmin = await sign('valid', 'host');
    bad.push({ what: 'a host, not an admin', header: `Bearer ${notAdmin}`, expect: ['FORBIDDEN'] });
  }
  return bad;
}
