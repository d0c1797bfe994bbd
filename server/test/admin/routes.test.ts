import { hostModel } from '@rallyboard/core/db';
import type { QueueSession } from '@rallyboard/core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { startTestServer, type TestServer } from '../../../test/support/stack.js';
import { createQueueSessions, QUEUE_COOKIE } from '../../src/admin/queue-session.js';
import type { AppDeps } from '../../src/deps.js';
import { listenApp } from '../support/app.js';
import { call, codeOf, createTestHost, type TestHost } from '../support/hosts.js';

const config = testConfig();
let server: TestServer;
let admin: TestHost;
let host: TestHost;

beforeAll(async () => {
  server = await startTestServer(config);
  [admin, host] = await Promise.all([createTestHost(server, 'admin'), createTestHost(server)]);
});
afterAll(async () => {
  await server.close();
});

/** Opens a queue session as `token` and answers the Set-Cookie header and the cookie pair. */
async function openSession(token: string, url = server.url, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/api/admin/queue-session`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, ...headers },
  });
  const setCookie = res.headers.get('set-cookie') ?? '';
  return { res, setCookie, cookie: setCookie.split(';')[0] ?? '' };
}

const get = (path: string, cookie?: string) =>
  fetch(`${server.url}${path}`, { headers: cookie ? { cookie } : {}, redirect: 'manual' });

describe('bull-board at /admin/queues', () => {
  it('opens for an admin with a session cookie: HttpOnly, SameSite=Strict, for /admin/queues only', async () => {
    const { res, setCookie, cookie } = await openSession(admin.token);
    expect(res.status).toBe(200);
    const body = (await res.json()) as QueueSession;
    expect(body.url).toBe('/admin/queues/');
    expect(Date.parse(body.expiresAt)).toBeGreaterThan(Date.now());
    expect(setCookie).toMatch(new RegExp(`^${QUEUE_COOKIE}=`));
    expect(setCookie).toMatch(/; Path=\/admin\/queues/);
    expect(setCookie).toMatch(/; HttpOnly/);
    expect(setCookie).toMatch(/; SameSite=Strict/);
    expect(setCookie).toMatch(/; Max-Age=1800/);

    const page = await get('/admin/queues/', cookie);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('Rallyboard 队列');

    const queues = await get('/admin/queues/api/queues', cookie);
    expect(queues.status).toBe(200);
    const listed = (await queues.json()) as { queues: { name: string; displayName?: string }[] };
    expect(listed.queues.map((q) => q.name).sort()).toEqual(['campaigns', 'review', 'votes']);
  });

  it('refuses a plain host: no session for them, and a session cookie of theirs is FORBIDDEN', async () => {
    const { res, setCookie } = await openSession(host.token);
    expect(res.status).toBe(403);
    expect(setCookie).toBe('');
    // Even a validly signed session (say, of an admin since demoted) checks the account as it is now.
    const { value } = await createQueueSessions(config.auth).sign(host.id, 0);
    for (const path of ['/admin/queues/', '/admin/queues/api/queues']) {
      const refused = await get(path, `${QUEUE_COOKIE}=${value}`);
      expect(refused.status, path).toBe(403);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
    }
  });

  it('answers 401 without a cookie, with a forged one, and once the admin is disabled', async () => {
    for (const cookie of [undefined, `${QUEUE_COOKIE}=not-a-session`, `${QUEUE_COOKIE}=${admin.token}`]) {
      const refused = await get('/admin/queues/api/queues', cookie);
      expect(refused.status, String(cookie)).toBe(401);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
    }
    const other = await createTestHost(server, 'admin');
    const { cookie } = await openSession(other.token);
    expect((await get('/admin/queues/api/queues', cookie)).status).toBe(200);
    await hostModel(server.deps.mongo).updateOne({ _id: other.id }, { $set: { disabled: true } });
    expect((await get('/admin/queues/api/queues', cookie)).status).toBe(401);
  });

  it("ends with the sign-in that opened it: the host's logout, or an admin's revocation of their sign-ins", async () => {
    const leaving = await createTestHost(server, 'admin');
    const { cookie } = await openSession(leaving.token);
    expect((await get('/admin/queues/api/queues', cookie)).status).toBe(200);
    expect((await call(server, leaving.token, 'POST', '/api/host/logout')).status).toBe(204);
    const ended = await get('/admin/queues/api/queues', cookie);
    expect(ended.status).toBe(401);
    expect(((await ended.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');

    const revoked = await createTestHost(server, 'admin');
    const session = await openSession(revoked.token);
    expect((await get('/admin/queues/', session.cookie)).status).toBe(200);
    const patch = await call(server, admin.token, 'PATCH', `/api/hosts/${revoked.id}`, {
      revokeTokens: true,
    });
    expect(patch.status).toBe(200);
    expect((await get('/admin/queues/', session.cookie)).status).toBe(401);
  });

  it('needs a bearer token to open a session', async () => {
    const answer = await call(server, undefined, 'POST', '/api/admin/queue-session');
    expect(answer.status).toBe(401);
    expect(codeOf(answer)).toBe('UNAUTHENTICATED');
  });
});

describe('the queue session cookie', () => {
  /** The Set-Cookie of a session opened on a server with `http` config, sent `headers`. */
  async function setCookieVia(http: Partial<AppDeps['config']['http']>, headers: Record<string, string>) {
    const app = await listenApp({ ...server.deps, config: { ...config, http: { ...config.http, ...http } } });
    try {
      const { res, setCookie } = await openSession(admin.token, app.url, headers);
      expect(res.status).toBe(200);
      return setCookie;
    } finally {
      await app.close();
    }
  }
  const TLS = { 'x-forwarded-proto': 'https' };

  it('is Secure when the request came over TLS through a trusted proxy (X-Forwarded-Proto, TRUST_PROXY)', async () => {
    expect(await setCookieVia({ trustProxy: ['loopback'] }, TLS)).toMatch(/; Secure/);
    expect(await setCookieVia({ trustProxy: ['loopback'] }, {})).not.toMatch(/; Secure/);
  });

  it('is Secure whenever PUBLIC_URL is https, whatever an untrusted proxy says', async () => {
    const https = { publicUrl: 'https://rallyboard.example' };
    expect(await setCookieVia(https, {})).toMatch(/; Secure/);
    expect(
      await setCookieVia({ ...https, trustProxy: ['loopback'] }, { 'x-forwarded-proto': 'http' }),
    ).toMatch(/; Secure/);
    // Plain HTTP with no trusted proxy (npm start): a Secure cookie would never be sent back.
    expect(await setCookieVia({ trustProxy: false }, TLS)).not.toMatch(/; Secure/);
  });
});
