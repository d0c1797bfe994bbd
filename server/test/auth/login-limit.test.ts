import type { Env } from '@rallyboard/core/config';
import { connectMongo } from '@rallyboard/core/db';
import type { ErrorBody } from '@rallyboard/core/protocol';
import { createKeys } from '@rallyboard/core/redis';
import type { Connection } from 'mongoose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WeChatFake } from '../../../scripts/wechat-fake/server.js';
import { randomId } from '../../../test/support/config.js';
import { startTestServer, type TestServer } from '../../../test/support/stack.js';
import { configFor, FAKE_PATHS, startFake } from '../../../test/support/wechat.js';
import { LOGIN_CALLS_IN_FLIGHT_PER_IP } from '../../src/auth/login-limit.js';
import { listenApp } from '../support/app.js';

// Every request of this file comes from 127.0.0.1: one venue, one public address.
let fake: WeChatFake;
let mongo: Connection;
let server: TestServer;

beforeAll(async () => {
  fake = await startFake();
  const config = configFor(fake);
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
});
afterAll(async () => {
  await server.close();
  await mongo.close();
  await fake.close();
});
// A fault a refused sign-in never reached must not answer the next test's.
afterEach(() => fake.state.clearFaults());

/**
 * Runs `test` against a server of its own keys (so its limits start whole) with the sign-in
 * limits at their defaults, or as `overrides` sets them.
 */
async function withServer(overrides: Env, test: (url: string) => Promise<void>): Promise<void> {
  const app = await listenApp({
    ...server.deps,
    keys: createKeys(randomId('t')),
    config: configFor(fake, overrides),
  });
  try {
    await test(app.url);
  } finally {
    await app.close();
  }
}

const login = (url: string, code: string, deviceId?: string) =>
  fetch(`${url}/api/auth/wechat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(deviceId ? { 'x-device-id': deviceId } : {}) },
    body: JSON.stringify({ code }),
  });

/** The status of each answer, and the scope of each 429 (its body read, so no socket is left open). */
async function outcomes(answers: Response[]): Promise<{ statuses: number[]; scopes: string[] }> {
  const bodies = (await Promise.all(answers.map((a) => a.json()))) as Partial<ErrorBody>[];
  const scopes = bodies.flatMap((b) =>
    b.error?.code === 'RATE_LIMITED' ? [(b.error.details as { scope: string }).scope] : [],
  );
  return { statuses: answers.map((a) => a.status), scopes };
}

const code2SessionCalls = () => fake.state.callCount(FAKE_PATHS.code2Session);

describe('WeChat sign-in limits, when a venue crowd shares one address', () => {
  it('signs in 600 distinct participants from one address at once, with the defaults', async () => {
    await withServer({}, async (url) => {
      const crowd = Array.from({ length: 600 }, (_, i) =>
        login(url, `ok-crowd-${randomId('a')}-${i}`, `dev-${i}`),
      );
      const { statuses } = await outcomes(await Promise.all(crowd));
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
    });
  }, 60_000);

  it('still signs the crowd in after a few honest mistakes (used codes), which are the only sign-ins charged to the address', async () => {
    await withServer({ RATE_LIMIT_LOGIN_PER_IP: '3' }, async (url) => {
      const code = fake.state.issueCode();
      const used = [await login(url, code), await login(url, code), await login(url, code)];
      const { statuses: mistakes } = await outcomes(used);
      expect(mistakes).toEqual([200, 401, 401]);
      const crowd = Array.from({ length: 50 }, (_, i) => login(url, `ok-after-${randomId('a')}-${i}`));
      const { statuses } = await outcomes(await Promise.all(crowd));
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
    });
  });

  it("charges nothing for WeChat's own failures (system busy), which are not the caller's fault", async () => {
    await withServer({ RATE_LIMIT_LOGIN_PER_IP: '2' }, async (url) => {
      const busy = [];
      for (let i = 0; i < 4; i++) {
        fake.state.failNext(FAKE_PATHS.code2Session, -1);
        busy.push(await login(url, `ok-busy-${randomId('a')}`));
      }
      expect((await outcomes(busy)).statuses).toEqual([503, 503, 503, 503]);
      expect((await login(url, `ok-busy-${randomId('a')}`)).status).toBe(200);
    });
  });

  it('keeps a ceiling on every sign-in from one address (RATE_LIMIT_LOGIN_CEILING_PER_IP), asking WeChat nothing past it', async () => {
    await withServer({ RATE_LIMIT_LOGIN_CEILING_PER_IP: '5' }, async (url) => {
      const first = [];
      for (let i = 0; i < 5; i++) first.push(await login(url, `ok-cgnat-${randomId('a')}`));
      expect((await outcomes(first)).statuses).toEqual([200, 200, 200, 200, 200]);
      const calls = code2SessionCalls();
      const over = await login(url, `ok-cgnat-${randomId('a')}`);
      expect(over.status).toBe(429);
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await outcomes([over])).toMatchObject({ scopes: ['ip-ceiling'] });
      expect(code2SessionCalls()).toBe(calls);
    });
  });
});

describe('WeChat sign-in limits, against floods', () => {
  it('limits invalid codes from one address at the tight budget (RATE_LIMIT_LOGIN_PER_IP, 60), then refuses every sign-in from it without asking WeChat', async () => {
    await withServer({}, async (url) => {
      const bad = [];
      for (let i = 0; i < 60; i++) bad.push(await login(url, `bad-${randomId('c')}`));
      expect(new Set((await outcomes(bad)).statuses)).toEqual(new Set([401]));
      const calls = code2SessionCalls();
      const over = [await login(url, `bad-${randomId('c')}`), await login(url, `ok-${randomId('u')}`)];
      const answers = await outcomes(over);
      expect(answers).toEqual({ statuses: [429, 429], scopes: ['ip', 'ip'] });
      expect(code2SessionCalls()).toBe(calls);
    });
  });

  it("counts an IPv6 client's failures by its /64, which one home or phone holds, not by each of its addresses", async () => {
    await withServer({ TRUST_PROXY: 'loopback', RATE_LIMIT_LOGIN_PER_IP: '5' }, async (url) => {
      const from = (ip: string, code: string) =>
        fetch(`${url}/api/auth/wechat`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
          body: JSON.stringify({ code }),
        });
      const bad = [];
      for (let i = 1; i <= 5; i++) bad.push(await from(`2001:db8:7:1::${i}`, `bad-${randomId('c')}`));
      expect((await outcomes(bad)).statuses).toEqual([401, 401, 401, 401, 401]);
      const calls = code2SessionCalls();
      const over = await from('2001:db8:7:1:ffff::6', `bad-${randomId('c')}`);
      expect(await outcomes([over])).toEqual({ statuses: [429], scopes: ['ip'] });
      expect(code2SessionCalls()).toBe(calls);
      // The next /64 is someone else.
      expect((await from('2001:db8:7:2::1', `ok-${randomId('u')}`)).status).toBe(200);
    });
  });

  it('asks WeChat at most the budget and the calls in flight when invalid codes arrive all at once', async () => {
    await withServer({ RATE_LIMIT_LOGIN_PER_IP: '10' }, async (url) => {
      // WeChat as far away as it is in production: every code of the burst could be in flight
      // before the first failure is counted.
      fake.state.delayNext(FAKE_PATHS.code2Session, 200, 300);
      const calls = code2SessionCalls();
      const flood = Array.from({ length: 300 }, () => login(url, `bad-${randomId('c')}`));
      const { statuses, scopes } = await outcomes(await Promise.all(flood));
      const asked = code2SessionCalls() - calls;
      expect(asked).toBeGreaterThanOrEqual(10);
      expect(asked).toBeLessThanOrEqual(10 + LOGIN_CALLS_IN_FLIGHT_PER_IP);
      expect(statuses.filter((s) => s === 401)).toHaveLength(asked);
      expect(statuses.filter((s) => s === 429)).toHaveLength(300 - asked);
      expect(new Set(scopes)).toEqual(new Set(['ip']));
    });
  });

  it('limits one device signing in as many accounts (RATE_LIMIT_LOGIN_PER_DEVICE, 10), not its neighbours', async () => {
    await withServer({}, async (url) => {
      const accounts = [];
      for (let i = 0; i < 10; i++) accounts.push(await login(url, `ok-farm-${randomId('a')}`, 'dev-farm'));
      expect(new Set((await outcomes(accounts)).statuses)).toEqual(new Set([200]));
      const calls = code2SessionCalls();
      const over = await login(url, `ok-farm-${randomId('a')}`, 'dev-farm');
      expect(over.status).toBe(429);
      expect(await outcomes([over])).toMatchObject({ scopes: ['device'] });
      expect(code2SessionCalls()).toBe(calls);
      expect((await login(url, `ok-next-${randomId('a')}`, 'dev-neighbour')).status).toBe(200);
    });
  });
});
