import { createHmac } from 'node:crypto';
import { type JWTPayload, type JWTVerifyOptions, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { keyRing, verifyNow, verifyWithRing } from '../../src/auth/key-ring.js';

const ring = keyRing(
  {
    jwtSecret: 'a-test-secret-of-at-least-32-characters',
    previousJwtSecrets: ['an-older-secret-of-at-least-32-chars'],
  },
  (s) => new TextEncoder().encode(s),
);
const other = keyRing({ jwtSecret: 'another-secret-of-at-least-32-characters' }, (s) =>
  new TextEncoder().encode(s),
);
const now = 1_800_000_000;
const options: JWTVerifyOptions = {
  issuer: 'rallyboard',
  audience: 'rallyboard:participant',
  algorithms: ['HS256'],
  requiredClaims: ['sub', 'exp'],
  currentDate: new Date(now * 1000),
};
const claims = { iss: 'rallyboard', aud: 'rallyboard:participant', sub: 'p1', iat: now - 10, exp: now + 600 };

async function sign(
  payload: Record<string, unknown>,
  {
    key = ring.signing,
    header = {},
  }: { key?: { kid: string; key: Uint8Array }; header?: Record<string, unknown> } = {},
) {
  const alg = (header.alg as string | undefined) ?? 'HS256';
  return new SignJWT(payload).setProtectedHeader({ alg, typ: 'JWT', kid: key.kid, ...header }).sign(key.key);
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** A token put together by hand: any header, signed with HS256 by `key`. */
function byHand(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  key = ring.signing.key,
): string {
  const signed = `${b64(header)}.${b64(payload)}`;
  return `${signed}.${createHmac('sha256', key).update(signed).digest('base64url')}`;
}

/** What jose alone answers for the token with the key its kid names (or each key). */
async function joseSays(token: string, opts: JWTVerifyOptions): Promise<JWTPayload | string> {
  for (const { key } of [...ring.all]) {
    try {
      return (await jwtVerify(token, key, opts)).payload;
    } catch (error) {
      if (!(error instanceof joseErrors.JWSSignatureVerificationFailed)) return (error as Error).name;
    }
  }
  return 'JWSSignatureVerificationFailed';
}

describe('a token verified without WebCrypto', () => {
  it('answers the payload of a good token signed with any secret of the ring, as jose does', async () => {
    // By hand too: the fast path reads what any HS256 signer writes, not only jose's layout.
    expect(verifyNow(byHand({ kid: ring.signing.kid, alg: 'HS256' }, claims), ring, options)).toEqual(claims);
    for (const key of ring.all) {
      const token = await sign(claims, { key });
      expect(verifyNow(token, ring, options)).toEqual(claims);
      expect(await joseSays(token, options)).toEqual(claims);
    }
    // An audience among several.
    const many = await sign({ ...claims, aud: ['elsewhere', 'rallyboard:participant'] });
    expect(verifyNow(many, ring, options)).toMatchObject({ sub: 'p1' });
  });

  it('leaves every token it cannot accept to jose, which refuses it as before', async () => {
    const [head, , signature] = (await sign(claims)).split('.');
    const forged = `${head}.${b64({ ...claims, sub: 'p2' })}.${signature}`;
    const kid = ring.signing.kid;
    const refused: [string, string, JWTVerifyOptions?][] = [
      ['expired at this second', await sign({ ...claims, exp: now })],
      ['not before a later second', await sign({ ...claims, nbf: now + 1 })],
      ['another audience', await sign({ ...claims, aud: 'rallyboard:host' })],
      ['another issuer', await sign({ ...claims, iss: 'someone' })],
      ['no subject', await sign({ iss: claims.iss, aud: claims.aud, exp: claims.exp })],
      ['an expiry that is no number', await sign({ ...claims, exp: String(now + 600) })],
      ['a tampered payload', forged],
      ["another secret's token", await sign(claims, { key: other.signing })],
      [
        "another secret's token naming our kid",
        await sign(claims, { key: { kid: ring.signing.kid, key: other.signing.key } }),
      ],
      ['HS512', await sign(claims, { header: { alg: 'HS512' } })],
      ['a critical header', byHand({ alg: 'HS256', kid, crit: ['x'], x: 1 }, claims)],
      ['an unencoded payload', byHand({ alg: 'HS256', kid, b64: false, crit: ['b64'] }, claims)],
      ['an array for claims', byHand({ alg: 'HS256', kid }, [claims] as never)],
      ['an unsigned token', `${b64({ alg: 'none', kid })}.${b64(claims)}.`],
      ['garbage', 'not-a-token'],
      // Signed, but not what jose decodes: bad UTF-8 in the claims, a segment of an impossible length.
      [
        'bad UTF-8 in its claims',
        (() => {
          const body = Buffer.concat([
            Buffer.from(JSON.stringify(claims).slice(0, -1)),
            Buffer.from(',"x":"\xff"}', 'latin1'),
          ]);
          const signed = `${b64({ alg: 'HS256', kid })}.${body.toString('base64url')}`;
          return `${signed}.${createHmac('sha256', ring.signing.key).update(signed).digest('base64url')}`;
        })(),
      ],
      [
        'a header of an impossible length',
        (() => {
          // A header whose encoding is a whole number of quads, and one character more: Buffer
          // reads the same header without it, jose refuses the segment.
          const pad = ['', 'x', 'xx', 'xxx'].find((p) => b64({ alg: 'HS256', kid, p }).length % 4 === 0);
          const signed = `${b64({ alg: 'HS256', kid, p: pad })}A.${b64(claims)}`;
          return `${signed}.${createHmac('sha256', ring.signing.key).update(signed).digest('base64url')}`;
        })(),
      ],
      ['an invalid clock', await sign(claims), { ...options, currentDate: new Date(Number.NaN) }],
    ];
    for (const [what, token, opts = options] of refused) {
      expect(verifyNow(token, ring, opts), what).toBeUndefined();
      const jose = await joseSays(token, opts);
      expect(typeof jose, what).toBe('string');
      await expect(verifyWithRing(token, ring, opts), what).rejects.toThrow();
    }
  });

  it('leaves to jose what it does not know, and jose still accepts it', async () => {
    // A token signed before tokens carried a kid, and an option the fast path does not read.
    const old = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .sign(ring.all[1]?.key as Uint8Array);
    expect(verifyNow(old, ring, options)).toBeUndefined();
    expect(await verifyWithRing(old, ring, options)).toEqual(claims);
    const token = await sign(claims);
    const tolerant = { ...options, clockTolerance: 5 };
    expect(verifyNow(token, ring, tolerant)).toBeUndefined();
    expect(await verifyWithRing(token, ring, tolerant)).toEqual(claims);
  });
});
