import { describe, expect, it } from 'vitest';
import { createScopedTokens } from '../../src/auth/scoped-tokens.js';
import { createTokenSigner } from '../../src/auth/tokens.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
const screen = { audience: 'rallyboard:screen', keyLabel: 'rallyboard screen token', ttlSeconds: 60 };
const queues = { audience: 'rallyboard:queues', keyLabel: 'rallyboard queue session', ttlSeconds: 60 };

describe('scoped tokens', () => {
  it('open their own subject, in their own scope, until they expire', async () => {
    let now = Date.parse('2026-12-04T10:00:00Z');
    const tokens = createScopedTokens({ jwtSecret: SECRET }, screen, () => now);
    const { token, expiresAt } = await tokens.sign('camp-1');
    expect(expiresAt.getTime()).toBe(now + 60_000);
    expect(await tokens.verify(token)).toBe('camp-1');
    expect(await tokens.verify(token, 'camp-1')).toBe('camp-1');
    expect(await tokens.verify(token, 'camp-2')).toBeUndefined();
    now += 61_000;
    expect(await tokens.verify(token, 'camp-1')).toBeUndefined();
  });

  it('refuse a token of another scope and a host token, though all share JWT_SECRET', async () => {
    const screens = createScopedTokens({ jwtSecret: SECRET }, screen);
    const { token: queueToken } = await createScopedTokens({ jwtSecret: SECRET }, queues).sign('h1');
    const { token: hostToken } = await createTokenSigner({
      jwtSecret: SECRET,
      hostTokenTtlSeconds: 60,
      participantTokenTtlSeconds: 60,
    }).host({ hostId: 'h1', role: 'admin' });
    expect(await screens.verify(queueToken)).toBeUndefined();
    expect(await screens.verify(hostToken)).toBeUndefined();
    expect(await screens.verify('not a token')).toBeUndefined();
  });
});
