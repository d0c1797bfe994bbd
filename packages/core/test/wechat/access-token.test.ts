import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  configFor,
  FAKE_PATHS,
  rejectionOf,
  startFake,
  type WeChatFake,
} from '../../../../test/support/wechat.js';
import type { Config } from '../../src/config/index.js';
import { AppError } from '../../src/protocol/index.js';
import { createKeys } from '../../src/redis/index.js';
import { createWeChatApi } from '../../src/wechat/api.js';
import { WeChatError, WeChatTransportError } from '../../src/wechat/errors.js';
import { cacheState, closeConnectionsAfterEach, connection, processes } from './token-fixture.js';

let fake: WeChatFake;

beforeAll(async () => {
  fake = await startFake();
  fake.state.visit('o-pat');
  // Each test is a deployment of its own (its own key prefix) on one fake app: WeChat's 30 s
  // between two forced refreshes is tested on its own, in access-token-forced.test.ts.
  fake.state.forceRefreshIntervalSeconds = 0;
});
afterEach(async () => {
  fake.state.clearFaults();
  fake.state.tokenTtlSeconds = 7200;
});
closeConnectionsAfterEach();
afterAll(() => fake.close());

const tokenFetches = () => fake.state.callCount(FAKE_PATHS.stableToken);

describe('the access token cache', () => {
  it('fetches once, then serves the cached token until shortly before WeChat’s expiry', async () => {
    const config = configFor(fake);
    const [tokens] = await processes(1, config);
    const before = tokenFetches();
    const first = await tokens?.getToken();
    expect(await tokens?.getToken()).toBe(first);
    expect(tokenFetches() - before).toBe(1);
    const cache = await cacheState(config);
    expect(await cache.token()).toBe(first);
    // 7200 s less the 60 s safety margin.
    const ttl = await cache.pttl();
    expect(ttl).toBeGreaterThan(7_130_000);
    expect(ttl).toBeLessThanOrEqual(7_140_000);
  });

  it('fetches exactly once for 50 concurrent callers in two processes', async () => {
    const config = configFor(fake);
    const [a, b] = await processes(2, config);
    if (!a || !b) throw new Error('two managers');
    fake.state.delayNext(FAKE_PATHS.stableToken, 300);
    const before = tokenFetches();
    const got = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? a : b).getToken()));
    expect(tokenFetches() - before).toBe(1);
    expect(new Set(got).size).toBe(1);
    expect(await (await cacheState(config)).locked()).toBe(false);
  });

  it('waits out a refresh lock left by a dead process, then fetches itself', async () => {
    const config = configFor(fake);
    const [tokens] = await processes(1, config, { pollMs: 10 });
    const cache = await cacheState(config);
    await cache.holdLock(300);
    const before = tokenFetches();
    const started = Date.now();
    const token = await tokens?.getToken();
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(token).toMatch(/^fake-at-/);
    expect(tokenFetches() - before).toBe(1);
  });

  it('gives up with WECHAT_UNAVAILABLE when another process holds the lock too long', async () => {
    const config = configFor(fake);
    const [tokens] = await processes(1, config, { waitMs: 200 });
    await (await cacheState(config)).holdLock(10_000);
    const error = await rejectionOf(tokens?.getToken() ?? Promise.resolve());
    expect(error).toMatchObject({ code: 'WECHAT_UNAVAILABLE' });
    // A transport failure of the token's call: whoever called knows WeChat was never asked, so a
    // subscribe message is tried again and a content check waits (not given up on).
    expect(error).toBeInstanceOf(WeChatTransportError);
    expect(error).toMatchObject({ api: 'getStableAccessToken', failure: 'timeout' });
  });

  it('hands a failed fetch to every caller waiting in the process and leaves no lock behind', async () => {
    const config = configFor(fake);
    const [tokens] = await processes(1, config, { failureHoldMs: 100 });
    fake.state.failNext(FAKE_PATHS.stableToken, -1);
    fake.state.delayNext(FAKE_PATHS.stableToken, 100);
    const before = tokenFetches();
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => tokens?.getToken()));
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
    for (const o of outcomes)
      if (o.status === 'rejected') expect(o.reason).toMatchObject({ code: 'WECHAT_UNAVAILABLE' });
    expect(tokenFetches() - before).toBe(1);
    expect(await (await cacheState(config)).locked()).toBe(false);
    // Once the failure's hold ends (access-token-hold-back.test.ts), the next caller asks again.
    await sleep(150);
    expect(await tokens?.getToken()).toMatch(/^fake-at-/);
  });

  it('answers WECHAT_NOT_CONFIGURED when credentials are wrong or missing', async () => {
    const wrong = configFor(fake, { WECHAT_APP_SECRET: 'wrong' });
    const [tokens] = await processes(1, wrong);
    expect(await rejectionOf(tokens?.getToken() ?? Promise.resolve())).toMatchObject({
      code: 'WECHAT_NOT_CONFIGURED',
      errcode: 40125,
    });
    const missing = configFor(fake, { WECHAT_APP_ID: '' });
    const [none] = await processes(1, missing);
    expect(await rejectionOf(none?.getToken() ?? Promise.resolve())).toMatchObject({
      code: 'WECHAT_NOT_CONFIGURED',
    });
  });
});

describe('when WeChat rejects the token of an API call', () => {
  async function api(config: Config) {
    const redis = await connection(config);
    return createWeChatApi({ config, keys: createKeys(config.keyPrefix), redis });
  }
  const check = { openid: 'o-pat', scene: 2, content: 'hello' } as const;

  it('refreshes once and retries once on 42001 (expired)', async () => {
    const wechat = await api(configFor(fake));
    const stale = await wechat.tokens.getToken();
    fake.state.expireTokens();
    const [fetches, checks] = [tokenFetches(), fake.state.callCount(FAKE_PATHS.msgSecCheck)];
    expect(await wechat.msgSecCheck(check)).toMatchObject({ suggest: 'pass' });
    expect(tokenFetches() - fetches).toBe(1);
    expect(fake.state.callCount(FAKE_PATHS.msgSecCheck) - checks).toBe(2);
    expect(await wechat.tokens.getToken()).not.toBe(stale);
  });

  it('refreshes once and retries once on 40001 (invalid)', async () => {
    const wechat = await api(configFor(fake));
    await wechat.tokens.getToken();
    fake.state.revokeTokens();
    const fetches = tokenFetches();
    const { image } = await wechat.getUnlimitedQRCode({ scene: 'c=1' });
    expect(image.length).toBeGreaterThan(50);
    expect(tokenFetches() - fetches).toBe(1);
  });

  it('gives up with WECHAT_UNAVAILABLE when the retry meets 42001 again', async () => {
    const wechat = await api(configFor(fake));
    await wechat.tokens.getToken();
    fake.state.failNext(FAKE_PATHS.msgSecCheck, 42001, 2);
    const [fetches, checks] = [tokenFetches(), fake.state.callCount(FAKE_PATHS.msgSecCheck)];
    const error = await rejectionOf(wechat.msgSecCheck(check));
    expect(error).toBeInstanceOf(WeChatError);
    expect(error).toMatchObject({ code: 'WECHAT_UNAVAILABLE', status: 503, errcode: 42001 });
    expect(tokenFetches() - fetches).toBe(1);
    expect(fake.state.callCount(FAKE_PATHS.msgSecCheck) - checks).toBe(2);
  });

  it('refreshes once for 50 concurrent calls that all met the expired token', async () => {
    const wechat = await api(configFor(fake));
    await wechat.tokens.getToken();
    fake.state.expireTokens();
    const fetches = tokenFetches();
    const results = await Promise.all(Array.from({ length: 50 }, () => wechat.msgSecCheck(check)));
    expect(results.every((r) => r.suggest === 'pass')).toBe(true);
    expect(tokenFetches() - fetches).toBe(1);
  });

  it('does not retry other errors', async () => {
    const wechat = await api(configFor(fake));
    await wechat.tokens.getToken();
    fake.state.failNext(FAKE_PATHS.msgSecCheck, -1);
    const [fetches, checks] = [tokenFetches(), fake.state.callCount(FAKE_PATHS.msgSecCheck)];
    const error = await rejectionOf(wechat.msgSecCheck(check));
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'WECHAT_UNAVAILABLE', errcode: -1 });
    expect(tokenFetches() - fetches).toBe(0);
    expect(fake.state.callCount(FAKE_PATHS.msgSecCheck) - checks).toBe(1);
  });

  it('drops a rejected token only if it is still the cached one', async () => {
    const config = configFor(fake);
    const [tokens] = await processes(1, config);
    const current = await tokens?.getToken();
    const cache = await cacheState(config);
    await tokens?.invalidate('some-older-token');
    expect(await cache.token()).toBe(current);
    await tokens?.invalidate(String(current));
    expect(await cache.token()).toBeNull();
  });
});
