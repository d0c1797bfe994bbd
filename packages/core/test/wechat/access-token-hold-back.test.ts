import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  configFor,
  FAKE_PATHS,
  rejectionOf,
  startFake,
  type WeChatFake,
} from '../../../../test/support/wechat.js';
import { holdFor, msUntilQuotaReset } from '../../src/wechat/access-token/hold-back.js';
import { WeChatError, WeChatTransportError } from '../../src/wechat/errors.js';
import { closeConnectionsAfterEach, processes } from './token-fixture.js';

let fake: WeChatFake;

beforeAll(async () => {
  fake = await startFake();
});
afterEach(() => fake.state.clearFaults());
closeConnectionsAfterEach();
afterAll(() => fake.close());

const tokenFetches = () => fake.state.callCount(FAKE_PATHS.stableToken);

describe('after a failed fetch of the access token', () => {
  it('answers the same error without asking WeChat again, in every process, until its hold ends (45009)', async () => {
    const config = configFor(fake);
    const [a, b] = await processes(2, config, { quotaHoldMs: 400 });
    if (!a || !b) throw new Error('two managers');
    fake.state.failNext(FAKE_PATHS.stableToken, 45009, 1_000);
    const before = tokenFetches();
    for (let i = 0; i < 10; i++) {
      const error = await rejectionOf((i % 2 === 0 ? a : b).getToken());
      expect(error).toBeInstanceOf(WeChatError);
      expect(error).toMatchObject({
        code: 'WECHAT_RATE_LIMITED',
        errcode: 45009,
        api: 'getStableAccessToken',
      });
    }
    expect(tokenFetches() - before).toBe(1);
    // The quota is back (reset, or cleared by hand): once the hold ends, the next caller fetches.
    fake.state.clearFaults();
    await sleep(450);
    expect(await b.getToken()).toMatch(/^fake-at-/);
    expect(tokenFetches() - before).toBe(2);
  });

  it('hands a failure to the callers another process had waiting for it, without a second fetch', async () => {
    const config = configFor(fake);
    const [a, b] = await processes(2, config, { pollMs: 10 });
    if (!a || !b) throw new Error('two managers');
    fake.state.failNext(FAKE_PATHS.stableToken, 40164);
    fake.state.delayNext(FAKE_PATHS.stableToken, 200);
    const before = tokenFetches();
    const outcomes = await Promise.allSettled([a.getToken(), b.getToken(), a.getToken(), b.getToken()]);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      if (outcome.status === 'rejected') expect(outcome.reason).toMatchObject({ errcode: 40164 });
    }
    expect(tokenFetches() - before).toBe(1);
  });

  it('holds a busy WeChat (-1) back briefly, twice as long with each failure in a row, and forgets it on success', async () => {
    const config = configFor(fake);
    const [tokens] = await processes(1, config, { failureHoldMs: 300 });
    if (!tokens) throw new Error('a manager');
    const busy = async () => expect(await rejectionOf(tokens.getToken())).toMatchObject({ errcode: -1 });
    fake.state.failNext(FAKE_PATHS.stableToken, -1, 2);
    const before = tokenFetches();
    await busy(); // held 300 ms
    await busy();
    expect(tokenFetches() - before).toBe(1);
    await sleep(400);
    await busy(); // the second in a row: held 600 ms
    expect(tokenFetches() - before).toBe(2);
    await sleep(300);
    await busy();
    expect(tokenFetches() - before).toBe(2);
    await sleep(400);
    const token = await tokens.getToken();
    expect(tokenFetches() - before).toBe(3);

    // A success ends the streak: the next failure is held 300 ms again, not 1.2 s.
    await tokens.invalidate(token);
    fake.state.failNext(FAKE_PATHS.stableToken, -1);
    await busy();
    await sleep(400);
    expect(await tokens.getToken()).toMatch(/^fake-at-/);
    expect(tokenFetches() - before).toBe(5);
  });

  it('answers a transport failure (WeChat not answering as documented) the same way while it holds', async () => {
    const config = configFor(fake);
    const [tokens] = await processes(1, config, { failureHoldMs: 5_000 });
    fake.state.garbleNext(FAKE_PATHS.stableToken);
    const before = tokenFetches();
    for (let i = 0; i < 3; i++) {
      const error = await rejectionOf(tokens?.getToken() ?? Promise.resolve());
      expect(error).toBeInstanceOf(WeChatTransportError);
      expect(error).toMatchObject({
        code: 'WECHAT_UNAVAILABLE',
        api: 'getStableAccessToken',
        failure: 'http-status',
      });
    }
    expect(tokenFetches() - before).toBe(1);
  });
});

describe('how long a failure holds', () => {
  const policy = { firstMs: 1_000, maxMs: 60_000, quotaMs: 900_000 };
  const at = (isoUtc: string) => Date.parse(isoUtc);

  it('holds the daily limit (45009) until midnight China time, when WeChat resets it, at most quotaMs', () => {
    const limit = new WeChatError('getStableAccessToken', 45009, 'reach max api daily quota limit');
    // 23:50 in Beijing is 15:50 UTC.
    expect(msUntilQuotaReset(at('2026-12-07T15:50:00Z'))).toBe(600_000);
    expect(holdFor(limit, 1, policy, at('2026-12-07T15:50:00Z'))).toBe(600_000);
    expect(holdFor(limit, 1, policy, at('2026-12-07T04:00:00Z'))).toBe(900_000);
  });

  it('doubles from firstMs up to maxMs for anything else', () => {
    const busy = new WeChatError('getStableAccessToken', -1, 'system error');
    const holds = [1, 2, 3, 7, 8, 50].map((streak) => holdFor(busy, streak, policy, Date.now()));
    expect(holds).toEqual([1_000, 2_000, 4_000, 60_000, 60_000, 60_000]);
    const minute = new WeChatError('getStableAccessToken', 45011, 'api minute-quota reach limit');
    expect(holdFor(minute, 1, policy, Date.now())).toBe(60_000);
  });
});
