import type { ErrorBody, HostLogin } from '@rallyboard/core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../test/support/config.js';
import { startTestServer, type TestServer } from '../../../test/support/stack.js';
import { type Answer, codeOf, createTestHost, TEST_PASSWORD } from '../support/hosts.js';

/**
 * What stops one address from trying many usernames (the per-username limit alone does not), and
 * what stops a burst of logins from taking the thread pool. The server trusts the loopback proxy,
 * so X-Forwarded-For stands for the client's address.
 */

const config = testConfig({
  TRUST_PROXY: 'loopback',
  RATE_LIMIT_HOST_LOGIN: '100',
  RATE_LIMIT_HOST_LOGIN_PER_IP: '5',
});
const busy = testConfig({ PASSWORD_HASH_CONCURRENCY: '1', PASSWORD_HASH_QUEUE: '0' });
let server: TestServer;
let busyServer: TestServer;

beforeAll(async () => {
  [server, busyServer] = await Promise.all([startTestServer(config), startTestServer(busy)]);
});
afterAll(async () => {
  await Promise.all([server.close(), busyServer.close()]);
});

async function login(
  on: TestServer,
  username: string,
  password: string,
  from = '192.0.2.1',
): Promise<Answer> {
  const res = await fetch(`${on.url}/api/host/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
    body: JSON.stringify({ username, password }),
  });
  return { status: res.status, body: (await res.json()) as HostLogin | ErrorBody, headers: res.headers };
}

describe('POST /api/host/login from one address', () => {
  it('is limited per address whatever the username, and another address still signs in', async () => {
    const host = await createTestHost(server);
    const from = `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
    for (let i = 0; i < 5; i++) {
      expect(codeOf(await login(server, randomId('nobody'), 'a guess', from))).toBe('INVALID_CREDENTIALS');
    }
    const limited = await login(server, host.username, TEST_PASSWORD, from);
    expect(limited.status).toBe(429);
    expect(codeOf(limited)).toBe('RATE_LIMITED');
    expect((limited.body as ErrorBody).error.details).toMatchObject({ scope: 'host-login-ip' });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await login(server, host.username, TEST_PASSWORD, '203.0.113.9')).status).toBe(200);
  });

  it('counts an IPv6 client by its /64, which one home or phone holds: a new address in it is no new budget', async () => {
    const host = await createTestHost(server);
    const block = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:1`;
    for (let i = 1; i <= 5; i++) {
      expect(codeOf(await login(server, host.username, 'a guess', `${block}::${i}`))).toBe(
        'INVALID_CREDENTIALS',
      );
    }
    const limited = await login(server, host.username, TEST_PASSWORD, `${block}:abcd::6`);
    expect(limited.status).toBe(429);
    expect((limited.body as ErrorBody).error.details).toMatchObject({ scope: 'host-login-ip' });
    // The next /64 is someone else.
    expect(
      (await login(server, host.username, TEST_PASSWORD, `${block.replace(/:1$/, ':2')}::1`)).status,
    ).toBe(200);
  });

  it('answers 429 RATE_LIMITED with Retry-After, at once, when every password hashing turn is taken', async () => {
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => login(busyServer, randomId('nobody'), 'a guess')),
    );
    const statuses = answers.map((a) => a.status).sort();
    // One hash at a time and none waiting: the first login in is checked, those arriving during
    // its hash are turned away.
    expect(statuses).toContain(401);
    expect(statuses).toContain(429);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    for (const answer of answers.filter((a) => a.status === 429)) {
      expect((answer.body as ErrorBody).error.details).toEqual({
        scope: 'password-work',
        retryAfterSeconds: 1,
      });
      expect(answer.headers.get('retry-after')).toBe('1');
    }
  });
});
