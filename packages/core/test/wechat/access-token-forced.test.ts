import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  configFor,
  FAKE_PATHS,
  rejectionOf,
  startFake,
  type WeChatFake,
} from '../../../../test/support/wechat.js';
import type { Config } from '../../src/config/index.js';
import { createWeChatClient } from '../../src/wechat/client.js';
import { WeChatError } from '../../src/wechat/errors.js';
import { cacheState, closeConnectionsAfterEach, processes, type Tuning } from './token-fixture.js';

// A fake of its own per test: WeChat allows one forced refresh every 30 s per app, and each test
// here makes one.
let fake: WeChatFake;
beforeEach(async () => {
  fake = await startFake();
  fake.state.visit('o-pat');
});
afterEach(() => fake.close());
closeConnectionsAfterEach();

/** A process of a deployment (`config`'s key prefix) that checks text, as createWeChatApi does. */
async function api(config: Config, tuning: Tuning = {}) {
  const [tokens] = await processes(1, config, tuning);
  if (!tokens) throw new Error('a manager');
  const client = createWeChatClient(config.wechat);
  return { tokens, msgSecCheck: () => tokens.withToken((token) => client.msgSecCheck(token, check)) };
}
const check = { openid: 'o-pat', scene: 2, content: 'hello' } as const;
const forced = () => fake.state.forcedRefreshes.length;
const tokenFetches = () => fake.state.callCount(FAKE_PATHS.stableToken);

describe('when WeChat rejects a token that stable_token still hands out (40001)', () => {
  it('replaces it by one forced refresh for all the calls of all the processes that met it', async () => {
    const config = configFor(fake);
    const [a, b] = [await api(config), await api(config)];
    const stale = await a.tokens.getToken();
    fake.state.revokeTokens();
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).msgSecCheck()),
    );
    expect(results.every((r) => r.suggest === 'pass')).toBe(true);
    expect(forced()).toBe(1);
    expect(tokenFetches()).toBe(2);
    expect(await (await cacheState(config)).token()).not.toBe(stale);
  });

  it('does not force again within WeChat’s 30 s when the new token is rejected too: the call fails', async () => {
    const config = configFor(fake);
    const wechat = await api(config);
    await wechat.tokens.getToken();
    fake.state.revokeTokens();
    await wechat.msgSecCheck();
    fake.state.revokeTokens();
    const fetches = tokenFetches();
    const error = await rejectionOf(wechat.msgSecCheck());
    expect(error).toBeInstanceOf(WeChatError);
    expect(error).toMatchObject({ code: 'WECHAT_UNAVAILABLE', errcode: 40001, api: 'msgSecCheck' });
    expect(tokenFetches()).toBe(fetches);
    expect(forced()).toBe(1);
  });

  it('remembers WeChat refusing a forced refresh (45011), and asks it no more meanwhile', async () => {
    const config = configFor(fake);
    const wechat = await api(config);
    await wechat.tokens.getToken();
    fake.state.revokeTokens();
    await wechat.msgSecCheck();
    // A second deployment on the app, within WeChat's 30 s of the first one's forced refresh.
    const other = await api(configFor(fake));
    await other.tokens.getToken();
    fake.state.revokeTokens();
    const refused = await rejectionOf(other.msgSecCheck());
    expect(refused).toMatchObject({
      code: 'WECHAT_RATE_LIMITED',
      errcode: 45011,
      api: 'getStableAccessToken',
    });
    const fetches = tokenFetches();
    expect(await rejectionOf(other.msgSecCheck())).toMatchObject({ errcode: 40001 });
    expect(tokenFetches()).toBe(fetches);
  });
});
