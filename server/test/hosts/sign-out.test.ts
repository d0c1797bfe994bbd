import { auditModel } from '@rallyboard/core/db';
import type { AuditAction, ErrorBody, HostLogin } from '@rallyboard/core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { startTestServer, type TestServer } from '../../../test/support/stack.js';
import { call, codeOf, createTestHost, TEST_PASSWORD, type TestHost } from '../support/hosts.js';

/**
 * A host token lives for hours (HOST_TOKEN_TTL_SECONDS) and verifying it reads nothing, so
 * ending a sign-in needs the account: each token carries the account's token version, host
 * routes compare it with the account's, and logout, a password change and an admin's revocation
 * raise it.
 */

const config = testConfig({ RATE_LIMIT_HOST_LOGIN: '100', RATE_LIMIT_HOST_LOGIN_PER_IP: '0' });
let server: TestServer;
let admin: TestHost;

beforeAll(async () => {
  server = await startTestServer(config);
  admin = await createTestHost(server, 'admin');
});
afterAll(async () => {
  await server.close();
});

async function signIn(username: string, password = TEST_PASSWORD): Promise<string> {
  const answer = await call<HostLogin>(server, undefined, 'POST', '/api/host/login', { username, password });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body.token;
}
const me = (token: string) => call(server, token, 'GET', '/api/host/me');
const auditOf = (hostId: string, action: AuditAction) =>
  auditModel(server.deps.mongo).find({ 'target.id': hostId, action }).lean();

describe('POST /api/host/logout', () => {
  it("ends every sign-in of the host's, in every browser, until it signs in again", async () => {
    const host = await createTestHost(server);
    const [here, elsewhere] = [await signIn(host.username), await signIn(host.username)];
    expect((await me(here)).status).toBe(200);
    const out = await call(server, here, 'POST', '/api/host/logout');
    expect(out.status).toBe(204);
    for (const token of [here, elsewhere, host.token]) {
      const refused = await me(token);
      expect(refused.status).toBe(401);
      expect(codeOf(refused)).toBe('UNAUTHENTICATED');
    }
    // A token it held is refused on any host route, not only /me.
    expect((await call(server, here, 'GET', '/api/campaigns')).status).toBe(401);
    expect((await me(await signIn(host.username))).status).toBe(200);
    expect(await auditOf(host.id, 'host.logout')).toEqual([
      expect.objectContaining({
        actor: { hostId: host.id, username: host.username, role: 'host' },
        before: { tokenVersion: 0 },
        after: { tokenVersion: 1 },
      }),
    ]);
  });

  it('needs a host token', async () => {
    const answer = await call(server, undefined, 'POST', '/api/host/logout');
    expect(codeOf(answer)).toBe('UNAUTHENTICATED');
  });
});

describe('POST /api/host/password', () => {
  const change = (token: string, currentPassword: string, newPassword: string) =>
    call<HostLogin>(server, token, 'POST', '/api/host/password', { currentPassword, newPassword });

  it('changes the password, signs every other browser out and answers a new token for this one', async () => {
    const host = await createTestHost(server);
    const [here, elsewhere] = [await signIn(host.username), await signIn(host.username)];
    const answer = await change(here, TEST_PASSWORD, 'a brand new password');
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.body.host).toEqual({ id: host.id, username: host.username, role: 'host' });
    expect((await me(answer.body.token)).status).toBe(200);
    for (const token of [here, elsewhere]) expect(codeOf(await me(token))).toBe('UNAUTHENTICATED');
    const old = await call(server, undefined, 'POST', '/api/host/login', {
      username: host.username,
      password: TEST_PASSWORD,
    });
    expect(codeOf(old)).toBe('INVALID_CREDENTIALS');
    expect((await me(await signIn(host.username, 'a brand new password'))).status).toBe(200);
    const entries = await auditOf(host.id, 'host.password');
    expect(entries).toEqual([
      expect.objectContaining({ before: { tokenVersion: 0 }, after: { tokenVersion: 1 } }),
    ]);
    expect(JSON.stringify(entries)).not.toMatch(/brand new|battery|scrypt/);
  });

  it('refuses a wrong current password with PASSWORD_INCORRECT, and the token keeps working', async () => {
    const host = await createTestHost(server);
    const token = await signIn(host.username);
    const answer = await change(token, 'not my password', 'a brand new password');
    expect(answer.status).toBe(403);
    expect(codeOf(answer)).toBe('PASSWORD_INCORRECT');
    expect((await me(token)).status).toBe(200);
    expect((await me(await signIn(host.username))).status).toBe(200);
  });

  it('refuses a new password that is short or the same as the current one, naming the field', async () => {
    const host = await createTestHost(server);
    for (const newPassword of ['short', TEST_PASSWORD]) {
      const answer = await change(host.token, TEST_PASSWORD, newPassword);
      expect(answer.status).toBe(400);
      const issues = (answer.body as unknown as ErrorBody).error.details as { path: string }[];
      expect(issues.map((issue) => issue.path)).toEqual(['body.newPassword']);
    }
    expect((await me(host.token)).status).toBe(200);
  });
});

describe('PATCH /api/hosts/:hostId { revokeTokens: true }', () => {
  it("lets an admin end a host's sign-ins; the host may sign in again, and the audit log says so", async () => {
    const host = await createTestHost(server);
    const token = await signIn(host.username);
    const answer = await call(server, admin.token, 'PATCH', `/api/hosts/${host.id}`, { revokeTokens: true });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ id: host.id, disabled: false });
    expect(codeOf(await me(token))).toBe('UNAUTHENTICATED');
    expect((await me(await signIn(host.username))).status).toBe(200);
    expect(await auditOf(host.id, 'host.update')).toEqual([
      expect.objectContaining({
        actor: { hostId: admin.id, username: admin.username, role: 'admin' },
        before: { tokenVersion: 0 },
        after: { tokenVersion: 1 },
      }),
    ]);
  });

  it('is an admin route, and takes a body that changes something', async () => {
    const host = await createTestHost(server);
    const asHost = await call(server, host.token, 'PATCH', `/api/hosts/${host.id}`, { revokeTokens: true });
    expect(codeOf(asHost)).toBe('FORBIDDEN');
    const empty = await call(server, admin.token, 'PATCH', `/api/hosts/${host.id}`, {});
    expect(empty.status).toBe(400);
    expect(codeOf(empty)).toBe('INVALID_INPUT');
    expect((await me(host.token)).status).toBe(200);
  });
});
