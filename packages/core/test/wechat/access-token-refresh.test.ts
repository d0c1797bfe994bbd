import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../../test/support/stack.js';
import {
  captureLogs,
  configFor,
  FAKE_PATHS,
  startFake,
  type WeChatFake,
} from '../../../../test/support/wechat.js';
import { cacheState, closeConnectionsAfterEach, processes } from './token-fixture.js';

closeConnectionsAfterEach();

describe('refreshing before expiry', () => {
  // Tokens of 3 s; cached for 2.5 s; refreshed once less than 1.5 s is left (after ~1 s). A fake
  // of its own, which has never handed out a long-lived token.
  const tuning = { safetyMarginMs: 500, refreshAheadMs: 1_500, pollMs: 10 };
  let shortLived: WeChatFake;
  beforeAll(async () => {
    shortLived = await startFake({ tokenTtlSeconds: 3 });
  });
  afterAll(() => shortLived.close());
  afterEach(() => {
    shortLived.state.clearFaults();
    shortLived.state.tokenTtlSeconds = 3;
  });
  const tokenFetches = () => shortLived.state.callCount(FAKE_PATHS.stableToken);

  it('refreshes once a token nears its end, once for all callers, who meanwhile keep the current one', async () => {
    const config = configFor(shortLived);
    const [a, b] = await processes(2, config, tuning);
    if (!a || !b) throw new Error('two managers');
    const before = tokenFetches();
    const first = await a.getToken();
    expect(await b.getToken()).toBe(first);
    expect(tokenFetches() - before).toBe(1);

    await sleep(1_100);
    shortLived.state.delayNext(FAKE_PATHS.stableToken, 100);
    const during = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).getToken()));
    // The refresh runs behind the callers, who got the current token without waiting for it.
    for (const token of during) expect(token).toBe(first);
    const cache = await cacheState(config);
    await eventually(async () => ![null, first].includes(await cache.token()), 3_000, 'the refreshed token');
    expect(tokenFetches() - before).toBe(2);
    const second = await a.getToken();
    expect(second).not.toBe(first);
    expect(await b.getToken()).toBe(second);
    expect(tokenFetches() - before).toBe(2);
    const ttl = await cache.pttl();
    expect(ttl).toBeGreaterThan(2_000);
  });

  it('answers the cached token at once when it is due for refresh, however long the refresh takes', async () => {
    const config = configFor(shortLived);
    const [tokens] = await processes(1, config, tuning);
    const first = await tokens?.getToken();
    await sleep(1_100);
    shortLived.state.delayNext(FAKE_PATHS.stableToken, 1_000);
    const started = Date.now();
    expect(await tokens?.getToken()).toBe(first);
    expect(Date.now() - started).toBeLessThan(500);
    const cache = await cacheState(config);
    await eventually(async () => ![null, first].includes(await cache.token()), 3_000, 'the refreshed token');
  });

  it('keeps using the current token when the early refresh fails, logs it, and tries again once its hold ends', async () => {
    const config = configFor(shortLived);
    const { logger, lines } = captureLogs();
    const [tokens] = await processes(1, config, { ...tuning, logger, failureHoldMs: 300 });
    const first = await tokens?.getToken();
    await sleep(1_100);
    shortLived.state.failNext(FAKE_PATHS.stableToken, -1);
    expect(await tokens?.getToken()).toBe(first);
    await eventually(async () => lines.some((l) => l.includes('early refresh')), 2_000, 'the log');
    await sleep(350);
    // Due for refresh still: this caller gets the current token, and the refresh runs behind it.
    expect(await tokens?.getToken()).toBe(first);
    const cache = await cacheState(config);
    await eventually(async () => ![null, first].includes(await cache.token()), 2_000, 'the refreshed token');
    const second = await tokens?.getToken();
    expect(second).not.toBe(first);
    for (const line of lines) {
      expect(line).not.toContain(String(first));
      expect(line).not.toContain(String(second));
    }
  });

  it('asks WeChat again only once the hold after a failed early refresh ends, not on every call meanwhile', async () => {
    const config = configFor(shortLived);
    const [tokens] = await processes(1, config, tuning);
    const first = await tokens?.getToken();
    await sleep(1_100);
    shortLived.state.failNext(FAKE_PATHS.stableToken, -1, 1_000);
    const before = tokenFetches();
    for (let i = 0; i < 50; i++) expect(await tokens?.getToken()).toBe(first);
    expect(tokenFetches() - before).toBe(1);
  });

  it('fetches anew once the cached token has expired', async () => {
    shortLived.state.tokenTtlSeconds = 1;
    const config = configFor(shortLived);
    const [tokens] = await processes(1, config, { safetyMarginMs: 200, refreshAheadMs: 100 });
    const before = tokenFetches();
    await tokens?.getToken();
    await sleep(900);
    expect(await (await cacheState(config)).token()).toBeNull();
    await tokens?.getToken();
    expect(tokenFetches() - before).toBe(2);
  });
});
