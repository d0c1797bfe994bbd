import { createHmac, randomBytes } from 'node:crypto';
import { AppError } from '@rallyboard/core/protocol';
import { decodeProtectedHeader, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createScopedTokens } from '../../src/auth/scoped-tokens.js';
import { createTokenSigner } from '../../src/auth/tokens.js';
import { createVoteIds } from '../../src/ingest/vote-ids.js';

const secret = () => randomBytes(48).toString('base64');
const ttls = { hostTokenTtlSeconds: 3_600, participantTokenTtlSeconds: 600 };
const screen = { audience: 'rallyboard:screen', keyLabel: 'rallyboard screen token', ttlSeconds: 600 };

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
  return 'accepted';
}

/** A participant token as this server signs one, with the header it is given (jose, by hand). */
async function participantToken(key: Uint8Array, header: Record<string, string>): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', ...header })
    .setIssuer('rallyboard')
    .setAudience('rallyboard:participant')
    .setSubject('p1')
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(key);
}

describe('when the token secret is rotated', () => {
  const [older, newer] = [secret(), secret()];
  const before = { jwtSecret: older, ...ttls };
  const after = { jwtSecret: newer, previousJwtSecrets: [older], ...ttls };

  it('signs with the newest secret, naming its key by an id that is not the secret', async () => {
    const { token } = await createTokenSigner(after).participant({ participantId: 'p1' });
    const { kid } = decodeProtectedHeader(token);
    expect(kid).toMatch(/^[A-Za-z0-9_-]{8,}$/);
    expect(newer).not.toContain(kid);
    const { token: old } = await createTokenSigner(before).participant({ participantId: 'p1' });
    expect(decodeProtectedHeader(old).kid).not.toBe(kid);
    // The newest secret alone verifies what the rotated signer signs.
    expect(await createTokenSigner({ jwtSecret: newer, ...ttls }).verify(token, 'participant')).toEqual({
      kind: 'participant',
      participantId: 'p1',
    });
  });

  it('still verifies host and participant tokens signed with the previous secret', async () => {
    const oldSigner = createTokenSigner(before);
    const participant = (await oldSigner.participant({ participantId: 'p1' })).token;
    const host = (await oldSigner.host({ hostId: 'h1', role: 'admin' })).token;
    const rotated = createTokenSigner(after);
    expect(await rotated.verify(participant, 'participant')).toEqual({
      kind: 'participant',
      participantId: 'p1',
    });
    expect(await rotated.verify(host, 'host')).toMatchObject({ kind: 'host', hostId: 'h1', role: 'admin' });
  });

  it('refuses a token of a secret it no longer lists, and one whose kid it does not know', async () => {
    const retired = createTokenSigner({ jwtSecret: newer, ...ttls });
    const old = (await createTokenSigner(before).participant({ participantId: 'p1' })).token;
    expect(await codeOf(retired.verify(old, 'participant'))).toBe('UNAUTHENTICATED');
    const key = new TextEncoder().encode(newer);
    const unknownKid = await participantToken(key, { kid: 'not-a-key-of-ours' });
    expect(await codeOf(createTokenSigner(after).verify(unknownKid, 'participant'))).toBe('UNAUTHENTICATED');
  });

  it('verifies a token signed before tokens carried a kid against each secret it lists', async () => {
    const legacy = await participantToken(new TextEncoder().encode(older), {});
    expect(await createTokenSigner(after).verify(legacy, 'participant')).toEqual({
      kind: 'participant',
      participantId: 'p1',
    });
    const forged = await participantToken(new TextEncoder().encode(secret()), {});
    expect(await codeOf(createTokenSigner(after).verify(forged, 'participant'))).toBe('UNAUTHENTICATED');
  });

  it('keeps screen tokens and queue sessions of the previous secret opening until they expire', async () => {
    const old = await createScopedTokens({ jwtSecret: older }, screen).sign('camp-1');
    const rotated = createScopedTokens({ jwtSecret: newer, previousJwtSecrets: [older] }, screen);
    expect(await rotated.verify(old.token, 'camp-1')).toBe('camp-1');
    const fresh = await rotated.sign('camp-1');
    expect(decodeProtectedHeader(fresh.token).kid).toBe(
      decodeProtectedHeader((await createTokenSigner(after).participant({ participantId: 'p1' })).token).kid,
    );
    expect(await createScopedTokens({ jwtSecret: newer }, screen).verify(old.token)).toBeUndefined();
    const scopedKey = createHmac('sha256', newer).update(screen.keyLabel).digest();
    const unknownKid = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', kid: 'not-a-key-of-ours' })
      .setIssuer('rallyboard')
      .setAudience(screen.audience)
      .setSubject('camp-1')
      .setExpirationTime('10m')
      .sign(scopedKey);
    expect(await rotated.verify(unknownKid, 'camp-1')).toBeUndefined();
  });

  it('keeps vote ids the same, and those issued before verifying', () => {
    const beforeIds = createVoteIds({ jwtSecret: older });
    const afterIds = createVoteIds({ jwtSecret: newer, previousJwtSecrets: [older] });
    // A retry across the rotation names the same vote, so it is never counted twice.
    expect(afterIds.issue('b1', 'p1', 'key-0001')).toBe(beforeIds.issue('b1', 'p1', 'key-0001'));
    const id = beforeIds.issue('b1', 'p1');
    expect(afterIds.owns(id, 'b1', 'p1')).toBe(true);
    expect(afterIds.owns(id, 'b1', 'p2')).toBe(false);
    expect(createVoteIds({ jwtSecret: newer }).owns(id, 'b1', 'p1')).toBe(false);
  });
});
