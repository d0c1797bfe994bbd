import { AppError } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { bearerToken, createTokenSigner } from '../../src/auth/tokens.js';

const config = {
  jwtSecret: 'a-test-secret-of-at-least-32-characters',
  hostTokenTtlSeconds: 3_600,
  participantTokenTtlSeconds: 600,
};

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('tokens', () => {
  it('verify what they signed, each kind only as its own kind', async () => {
    const tokens = createTokenSigner(config);
    const participant = (await tokens.participant({ participantId: 'p1' })).token;
    const host = (await tokens.host({ hostId: 'h1', role: 'admin' })).token;
    expect(await tokens.verify(participant, 'participant')).toEqual({
      kind: 'participant',
      participantId: 'p1',
    });
    expect(await tokens.verify(host, 'host')).toEqual({
      kind: 'host',
      hostId: 'h1',
      role: 'admin',
      tokenVersion: 0,
    });
    expect(await codeOf(tokens.verify(participant, 'host'))).toBe('UNAUTHENTICATED');
    expect(await codeOf(tokens.verify(host, 'participant'))).toBe('UNAUTHENTICATED');
  });

  it("refuse another secret's token, a tampered one and garbage", async () => {
    const tokens = createTokenSigner(config);
    const theirs = (
      await createTokenSigner({ ...config, jwtSecret: `${config.jwtSecret}!` }).participant({
        participantId: 'p1',
      })
    ).token;
    const [head, body, signature] = (await tokens.participant({ participantId: 'p1' })).token.split('.');
    const tampered = `${head}.${Buffer.from(JSON.stringify({ sub: 'p2' })).toString('base64url')}.${signature}`;
    for (const token of [theirs, tampered, `${head}.${body}.`, 'not-a-token']) {
      expect(await codeOf(tokens.verify(token, 'participant'))).toBe('UNAUTHENTICATED');
    }
  });

  it('remember a verified token only until it expires, then answer TOKEN_EXPIRED', async () => {
    let clock = Date.now();
    const tokens = createTokenSigner(config, () => clock);
    const { token, expiresAt } = await tokens.participant({ participantId: 'p1' });
    expect(await tokens.verify(token, 'participant')).toMatchObject({ participantId: 'p1' });
    clock = expiresAt.getTime() - 1_000;
    expect(await tokens.verify(token, 'participant')).toMatchObject({ participantId: 'p1' });
    clock = expiresAt.getTime();
    expect(await codeOf(tokens.verify(token, 'participant'))).toBe('TOKEN_EXPIRED');
    // A token refused once is refused again: failures are never remembered as successes.
    expect(await codeOf(tokens.verify(token, 'participant'))).toBe('TOKEN_EXPIRED');
  });

  it('read a bearer header, and nothing else', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer abc.def.ghi')).toBe('abc.def.ghi');
    for (const header of [undefined, '', 'Basic abc', 'Bearer', 'Bearer a b', 'Bearer <script>']) {
      expect(bearerToken(header)).toBeUndefined();
    }
  });
});
