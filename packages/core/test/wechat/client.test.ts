import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import {
  ANY_PATH,
  configFor,
  FAKE_PATHS,
  rejectionOf,
  startFake,
  type WeChatFake,
} from '../../../../test/support/wechat.js';
import { AppError } from '../../src/protocol/index.js';
import { createWeChatClient, type WeChatClient } from '../../src/wechat/client.js';
import { WeChatError, WeChatTransportError } from '../../src/wechat/errors.js';

let fake: WeChatFake;
let client: WeChatClient;

beforeAll(async () => {
  fake = await startFake();
  client = createWeChatClient(configFor(fake, { WECHAT_TIMEOUT_MS: '300' }).wechat);
  fake.state.visit('o-nora'); // msgSecCheck's user must have used the mini-program lately
});
afterAll(() => fake.close());
beforeEach(() => fake.state.clearFaults());

/** The catalogue code, HTTP status and (for WeChat answers) errcode a call rejected with. */
async function failure(promise: Promise<unknown>) {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(AppError);
  const e = error as AppError;
  return {
    code: e.code,
    status: e.status,
    errcode: e instanceof WeChatError ? e.errcode : undefined,
    failure: e instanceof WeChatTransportError ? e.failure : undefined,
    body: e.toBody(),
  };
}

describe('code2Session', () => {
  it('exchanges a login code for the openid', async () => {
    const session = await client.code2Session('ok-alice');
    expect(session.openid).toBe('o-alice');
    expect(session.unionid).toBeUndefined();
  });

  it('gives the unionid when the app has one', async () => {
    const withUnion = await startFake({ unionIds: true });
    try {
      const session = await createWeChatClient(configFor(withUnion).wechat).code2Session('ok-bob');
      expect(session).toMatchObject({ openid: 'o-bob', unionid: 'u-o-bob' });
    } finally {
      await withUnion.close();
    }
  });

  it('accepts a code the fake issued as wx.login() would', async () => {
    const code = fake.state.issueCode('o-issued');
    expect((await client.code2Session(code)).openid).toBe('o-issued');
  });

  it('answers WECHAT_LOGIN_CODE_INVALID (401) for an unknown code (40029)', async () => {
    expect(await failure(client.code2Session('nonsense'))).toMatchObject({
      code: 'WECHAT_LOGIN_CODE_INVALID',
      status: 401,
      errcode: 40029,
    });
  });

  it('answers WECHAT_LOGIN_CODE_INVALID for a code used before: codes are single use', async () => {
    await client.code2Session('ok-carol.1');
    expect(await failure(client.code2Session('ok-carol.1'))).toMatchObject({
      code: 'WECHAT_LOGIN_CODE_INVALID',
      errcode: 40029,
    });
  });

  it('answers WECHAT_RATE_LIMITED (429) with a retry hint past the per-user limit (45011)', async () => {
    fake.state.loginLimitPerMinute = 2;
    try {
      await client.code2Session('ok-dave.1');
      await client.code2Session('ok-dave.2');
      const limited = await failure(client.code2Session('ok-dave.3'));
      expect(limited).toMatchObject({ code: 'WECHAT_RATE_LIMITED', status: 429, errcode: 45011 });
      expect(limited.body.error.details).toEqual({ retryAfterSeconds: 60 });
      // Another user is not limited.
      expect((await client.code2Session('ok-erin')).openid).toBe('o-erin');
    } finally {
      fake.state.loginLimitPerMinute = 100;
    }
  });

  it('answers WECHAT_USER_BLOCKED (403) for a user WeChat blocks (40226)', async () => {
    fake.state.blockUser('o-mallory');
    expect(await failure(client.code2Session('ok-mallory'))).toMatchObject({
      code: 'WECHAT_USER_BLOCKED',
      status: 403,
      errcode: 40226,
    });
  });

  it('answers WECHAT_UNAVAILABLE (503) when WeChat is busy (-1)', async () => {
    fake.state.failNext(ANY_PATH, -1);
    expect(await failure(client.code2Session('ok-frank'))).toMatchObject({
      code: 'WECHAT_UNAVAILABLE',
      status: 503,
      errcode: -1,
    });
  });

  it('answers WECHAT_NOT_CONFIGURED for a wrong AppID (40013) or AppSecret (40125)', async () => {
    const config = configFor(fake);
    const wrongId = createWeChatClient({ ...config.wechat, appId: 'wx-other' });
    const wrongSecret = createWeChatClient({ ...config.wechat, appSecret: 'not-the-secret' });
    expect(await failure(wrongId.code2Session('ok-gina'))).toMatchObject({
      code: 'WECHAT_NOT_CONFIGURED',
      status: 503,
      errcode: 40013,
    });
    expect(await failure(wrongSecret.code2Session('ok-gina'))).toMatchObject({
      code: 'WECHAT_NOT_CONFIGURED',
      errcode: 40125,
    });
  });

  it('answers WECHAT_NOT_CONFIGURED without calling WeChat when AppID or AppSecret is missing', async () => {
    const before = fake.state.callCount(FAKE_PATHS.code2Session);
    const config = configFor(fake, { WECHAT_APP_SECRET: '' });
    const unconfigured = createWeChatClient(config.wechat);
    expect(await failure(unconfigured.code2Session('ok-hank'))).toMatchObject({
      code: 'WECHAT_NOT_CONFIGURED',
      status: 503,
    });
    expect(await failure(unconfigured.getStableAccessToken())).toMatchObject({
      code: 'WECHAT_NOT_CONFIGURED',
    });
    expect(fake.state.callCount(FAKE_PATHS.code2Session)).toBe(before);
  });

  it('refuses an empty or blank code as INVALID_INPUT without calling WeChat', async () => {
    expect(await failure(client.code2Session(''))).toMatchObject({ code: 'INVALID_INPUT' });
    expect(await failure(client.code2Session('a b'))).toMatchObject({ code: 'INVALID_INPUT' });
  });
});

describe('when WeChat cannot be heard', () => {
  it('answers WECHAT_UNAVAILABLE when WeChat does not answer within the timeout', async () => {
    fake.state.delayNext(FAKE_PATHS.code2Session, 1_500);
    const started = Date.now();
    expect(await failure(client.code2Session('ok-ivan'))).toMatchObject({
      code: 'WECHAT_UNAVAILABLE',
      status: 503,
      failure: 'timeout',
    });
    expect(Date.now() - started).toBeLessThan(1_200);
  });

  it('answers WECHAT_UNAVAILABLE for an answer that is not JSON', async () => {
    fake.state.garbleNext(FAKE_PATHS.code2Session);
    expect(await failure(client.code2Session('ok-judy'))).toMatchObject({
      code: 'WECHAT_UNAVAILABLE',
      failure: 'http-status',
    });
  });

  it('answers WECHAT_UNAVAILABLE when nothing listens at the base URL', async () => {
    const gone = await startFake();
    const config = configFor(gone);
    await gone.close();
    expect(await failure(createWeChatClient(config.wechat).code2Session('ok-kim'))).toMatchObject({
      code: 'WECHAT_UNAVAILABLE',
      failure: 'network',
    });
  });

  it('never shows WeChat’s errmsg or internals to the client', async () => {
    fake.state.failNext(ANY_PATH, -1);
    const { body } = await failure(client.code2Session('ok-leo'));
    expect(JSON.stringify(body)).not.toMatch(/rid|system error|127\.0\.0\.1|secret/);
  });
});

describe('getStableAccessToken', () => {
  it('returns the token and its life', async () => {
    const grant = await client.getStableAccessToken();
    expect(grant.accessToken).toMatch(/^fake-at-/);
    expect(grant.expiresInSeconds).toBeGreaterThan(7000);
  });

  it('returns the same token while it has long to live, as stable_token does', async () => {
    const [a, b] = [await client.getStableAccessToken(), await client.getStableAccessToken()];
    expect(b.accessToken).toBe(a.accessToken);
  });
});

describe('the calls that take an access token', () => {
  let token: string;
  beforeAll(async () => {
    token = (await client.getStableAccessToken()).accessToken;
    await client.code2Session('ok-nora'); // a recent visit, which getUserRiskRank needs
  });

  it('getUnlimitedQRCode returns PNG bytes and their content type', async () => {
    const { image, contentType } = await client.getUnlimitedQRCode(token, {
      scene: 'c=42&s=Ab-_.~',
      page: 'pages/campaign/index',
      width: 280,
    });
    expect(contentType).toBe('image/png');
    expect(image.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(image.readUInt32BE(16)).toBe(280);
  });

  it('getUnlimitedQRCode refuses a scene WeChat would refuse, before calling it', async () => {
    const before = fake.state.callCount(FAKE_PATHS.qrCode);
    expect(await failure(client.getUnlimitedQRCode(token, { scene: 'x'.repeat(33) }))).toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect(await failure(client.getUnlimitedQRCode(token, { scene: '100%' }))).toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect(await failure(client.getUnlimitedQRCode(token, { scene: 'ok', page: '/pages/a' }))).toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect(fake.state.callCount(FAKE_PATHS.qrCode)).toBe(before);
  });

  it('getUnlimitedQRCode reads the JSON error WeChat answers instead of an image (41030)', async () => {
    fake.state.pages = new Set(['pages/index/index']);
    try {
      expect(
        await failure(client.getUnlimitedQRCode(token, { scene: 'x1', page: 'pages/missing/index' })),
      ).toMatchObject({ code: 'WECHAT_REQUEST_REJECTED', status: 502, errcode: 41030 });
    } finally {
      fake.state.pages = undefined;
    }
  });

  it('getUnlimitedQRCode answers WECHAT_RATE_LIMITED over the per-minute limit (45009)', async () => {
    fake.state.failNext(FAKE_PATHS.qrCode, 45009);
    expect(await failure(client.getUnlimitedQRCode(token, { scene: 'x1' }))).toMatchObject({
      code: 'WECHAT_RATE_LIMITED',
      errcode: 45009,
    });
  });

  it('msgSecCheck passes ordinary text and flags blocklisted words', async () => {
    fake.state.blockWord('buy followers', 10001);
    const pass = await client.msgSecCheck(token, { openid: 'o-nora', scene: 2, content: 'Go team!' });
    expect(pass).toMatchObject({ suggest: 'pass', label: 100 });
    expect(pass.traceId).not.toBe('');
    const risky = await client.msgSecCheck(token, {
      openid: 'o-nora',
      scene: 1,
      content: 'cheap, buy followers here',
    });
    expect(risky).toMatchObject({ suggest: 'risky', label: 10001 });
  });

  it('msgSecCheck refuses content over 2500 characters before calling WeChat', async () => {
    expect(
      await failure(client.msgSecCheck(token, { openid: 'o-nora', scene: 2, content: 'x'.repeat(2501) })),
    ).toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('getUserRiskRank returns the rank, and 61010 for a user not seen lately', async () => {
    fake.state.setRiskRank('o-nora', 3);
    const rank = await client.getUserRiskRank(token, { openid: 'o-nora', scene: 1, clientIp: '203.0.113.9' });
    expect(rank.riskRank).toBe(3);
    expect(rank.unoinId).toMatch(/^\d+$/);
    expect(
      await failure(
        client.getUserRiskRank(token, { openid: 'o-stranger', scene: 1, clientIp: '203.0.113.9' }),
      ),
    ).toMatchObject({ code: 'WECHAT_REQUEST_REJECTED', errcode: 61010 });
  });

  it('sendSubscribeMessage sends once per acceptance, then 43101', async () => {
    fake.state.acceptSubscription('o-nora', 'tmpl-rank', 1);
    const message = { touser: 'o-nora', templateId: 'tmpl-rank', data: { thing1: { value: 'You are #1' } } };
    await client.sendSubscribeMessage(token, message);
    expect(await failure(client.sendSubscribeMessage(token, message))).toMatchObject({
      code: 'WECHAT_REQUEST_REJECTED',
      errcode: 43101,
    });
  });

  it('passes 40001 and 42001 through as WeChatError for the token manager to act on', async () => {
    expect(
      await failure(client.msgSecCheck('not-a-token', { openid: 'o-nora', scene: 2, content: 'hi' })),
    ).toMatchObject({ code: 'WECHAT_UNAVAILABLE', errcode: 40001 });
    fake.state.failNext(FAKE_PATHS.msgSecCheck, 42001);
    expect(
      await failure(client.msgSecCheck(token, { openid: 'o-nora', scene: 2, content: 'hi' })),
    ).toMatchObject({
      code: 'WECHAT_UNAVAILABLE',
      errcode: 42001,
    });
  });
});
