import { describe, expect, it } from 'vitest';
import { configure } from '../../config.js';
import { readQuota } from '../../services/api.js';
import { currentSession, login, logout } from '../../services/auth.js';
import { liveCampaign, shim, user, useServicesStack } from '../support/services-fixture.js';

// Signing in: as a named fake user against the fake WeChat, and again when the token expires
// or is refused.
useServicesStack();

describe('the mini-program services against the real server', () => {
  it('signs in as a named fake user when pointed at the fake WeChat (DevTools against a local server)', async () => {
    const before = await currentSession();
    await logout();
    configure({ devLoginAs: `${user}-devtools` });
    try {
      const session = await login();
      expect(session.participantId).not.toBe(before.participantId);
      expect(shim.requests.at(-1)?.body).toEqual({
        code: expect.stringMatching(new RegExp(`^ok-${user}-devtools\\.\\d+$`)),
      });
      // With the install's id: the server budgets sign-ins per device.
      const sentDevice = shim.requests.at(-1)?.header?.['x-device-id'];
      expect(sentDevice).toMatch(/^d-/);
      expect(sentDevice).toBe(shim.storage.get('rallyboard.deviceId'));
      // The same fake user is the same participant the next time.
      expect((await login()).participantId).toBe(session.participantId);
    } finally {
      configure({ devLoginAs: '' });
      await logout();
    }
  });

  it('refreshes an expired token, and signs in again when the token is refused', async () => {
    const before = await currentSession();
    // The token's time is up: the next call refreshes first, with the one-use refresh token.
    shim.storage.set('rallyboard.session', {
      ...before,
      expiresAt: new Date(Date.now() - 1_000).toISOString(),
    });
    const campaignId = await liveCampaign();
    await readQuota(campaignId);
    const refreshes = shim.requests.filter((r) => r.url.endsWith('/api/auth/refresh'));
    expect(refreshes.at(-1)?.body).toEqual({ refreshToken: before.refreshToken });
    const after = await currentSession();
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.participantId).toBe(before.participantId);

    // Calls at once with an expired token share one refresh: a refresh token works only once.
    shim.storage.set('rallyboard.session', {
      ...after,
      expiresAt: new Date(Date.now() - 1_000).toISOString(),
    });
    const refreshesBefore = shim.requests.filter((r) => r.url.endsWith('/api/auth/refresh')).length;
    const answers = await Promise.all([readQuota(campaignId), readQuota(campaignId), readQuota(campaignId)]);
    expect(answers.map((a) => a.limits.perDay)).toEqual([3, 3, 3]);
    expect(shim.requests.filter((r) => r.url.endsWith('/api/auth/refresh'))).toHaveLength(
      refreshesBefore + 1,
    );

    // A token the server does not accept: one new sign-in, one retry, and the call succeeds.
    shim.storage.set('rallyboard.session', { ...(await currentSession()), token: 'not-a-token' });
    const loginsBefore = shim.requests.filter((r) => r.url.endsWith('/api/auth/wechat')).length;
    expect((await readQuota(campaignId)).limits.perDay).toBe(3);
    expect(shim.requests.filter((r) => r.url.endsWith('/api/auth/wechat'))).toHaveLength(loginsBefore + 1);
    expect((await currentSession()).participantId).toBe(before.participantId);
  });
});
