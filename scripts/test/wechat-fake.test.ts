import { inflateSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_PATHS, startFake } from '../../test/support/wechat.js';
import type { WeChatFake } from '../wechat-fake/server.js';

// The fake as a server of the documented contract, over raw HTTP: what the client is tested against
// must itself answer as ../shared/wechat-api.md says.
let fake: WeChatFake;

beforeAll(async () => {
  fake = await startFake();
});
afterAll(() => fake.close());

async function post(path: string, body: unknown, query = '') {
  const res = await fetch(`${fake.url}${path}${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return res;
}

const json = async (res: Response) => (await res.json()) as Record<string, unknown>;

async function token(): Promise<string> {
  const res = await post(FAKE_PATHS.stableToken, {
    grant_type: 'client_credential',
    appid: fake.state.appId,
    secret: fake.state.appSecret,
    force_refresh: false,
  });
  return String((await json(res)).access_token);
}

describe('the WeChat fake', () => {
  it('answers errors with HTTP 200, an errcode and an errmsg carrying a request id', async () => {
    const res = await fetch(
      `${fake.url}${FAKE_PATHS.code2Session}?appid=${fake.state.appId}&secret=${fake.state.appSecret}&js_code=bad&grant_type=authorization_code`,
    );
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.errcode).toBe(40029);
    expect(String(body.errmsg)).toMatch(/rid: /);
  });

  it('checks the AppID before the secret (40013, then 40125)', async () => {
    const ask = (appid: string, secret: string) =>
      fetch(
        `${fake.url}${FAKE_PATHS.token}?grant_type=client_credential&appid=${appid}&secret=${secret}`,
      ).then(json);
    expect((await ask('wx-nope', 'nope')).errcode).toBe(40013);
    expect((await ask(fake.state.appId, 'nope')).errcode).toBe(40125);
  });

  it('mints a new plain token per /cgi-bin/token call and invalidates the previous one', async () => {
    const ask = () =>
      fetch(
        `${fake.url}${FAKE_PATHS.token}?grant_type=client_credential&appid=${fake.state.appId}&secret=${fake.state.appSecret}`,
      ).then(json);
    const first = String((await ask()).access_token);
    const second = String((await ask()).access_token);
    expect(second).not.toBe(first);
    expect(fake.state.checkToken(first)).toBe(40001);
    expect(fake.state.checkToken(second)).toBeUndefined();
  });

  it('force_refresh on stable_token replaces the token and invalidates the old one', async () => {
    const old = await token();
    const res = await post(FAKE_PATHS.stableToken, {
      grant_type: 'client_credential',
      appid: fake.state.appId,
      secret: fake.state.appSecret,
      force_refresh: true,
    });
    const fresh = String((await json(res)).access_token);
    expect(fresh).not.toBe(old);
    expect(fake.state.checkToken(old)).toBe(40001);
    expect(await token()).toBe(fresh);
  });

  it('getwxacodeunlimit answers a valid PNG, and 40097 for a scene over 32 characters or with %', async () => {
    const at = await token();
    const res = await post(FAKE_PATHS.qrCode, { scene: 'a=1', width: 300 }, `?access_token=${at}`);
    expect(res.headers.get('content-type')).toBe('image/png');
    const png = Buffer.from(await res.arrayBuffer());
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([300, 300]);
    const idatLength = png.readUInt32BE(33);
    expect(png.subarray(37, 41).toString('latin1')).toBe('IDAT');
    expect(inflateSync(png.subarray(41, 41 + idatLength)).length).toBe(300 * 301);

    for (const scene of ['x'.repeat(33), '50%', '']) {
      const bad = await post(FAKE_PATHS.qrCode, { scene }, `?access_token=${at}`);
      expect(bad.headers.get('content-type')).toMatch(/^application\/json/);
      expect((await json(bad)).errcode).toBe(40097);
    }
  });

  it('answers 41001, 40001 and 42001 for a missing, unknown and expired token', async () => {
    expect((await json(await post(FAKE_PATHS.msgSecCheck, {}))).errcode).toBe(41001);
    expect((await json(await post(FAKE_PATHS.msgSecCheck, {}, '?access_token=nope'))).errcode).toBe(40001);
    const at = await token();
    fake.state.expireTokens();
    expect((await json(await post(FAKE_PATHS.msgSecCheck, {}, `?access_token=${at}`))).errcode).toBe(42001);
  });

  it("answers msgSecCheck 61010 for a user who has not used the mini-program in two hours, as the contract's openid says", async () => {
    const at = await token();
    const check = (openid: string) =>
      post(
        FAKE_PATHS.msgSecCheck,
        { version: 2, openid, scene: 1, content: 'hi' },
        `?access_token=${at}`,
      ).then(json);
    expect((await check('o-never-seen')).errcode).toBe(61010);
    fake.state.visit('o-just-seen');
    expect(await check('o-just-seen')).toMatchObject({ errcode: 0, result: { suggest: 'pass' } });
  });

  it('can be driven over HTTP, as the demo does, and counts the calls', async () => {
    const control = (name: string, args: object = {}) => post(`/__fake/${name}`, args).then(json);
    const { code } = await control('issueCode', { openid: 'o-http' });
    await control('failNext', { path: '*', errcode: -1, times: 1 });
    const login = () =>
      fetch(
        `${fake.url}${FAKE_PATHS.code2Session}?appid=${fake.state.appId}&secret=${fake.state.appSecret}&js_code=${code}&grant_type=authorization_code`,
      ).then(json);
    expect((await login()).errcode).toBe(-1);
    expect((await login()).openid).toBe('o-http');
    const { calls } = (await fetch(`${fake.url}/__fake/calls`).then(json)) as {
      calls: Record<string, number>;
    };
    expect(calls[FAKE_PATHS.code2Session]).toBeGreaterThanOrEqual(2);
    expect((await control('noSuchControl')).ok).toBe(false);
    expect((await control('blockUser', {})).ok).toBe(false);
  });
});

describe('the fake’s stable_token, as WeChat documents it', () => {
  let own: WeChatFake;
  beforeEach(async () => {
    own = await startFake();
  });
  afterEach(() => own.close());
  const ask = async (forceRefresh: boolean) => {
    const res = await fetch(`${own.url}${FAKE_PATHS.stableToken}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credential',
        appid: own.state.appId,
        secret: own.state.appSecret,
        force_refresh: forceRefresh,
      }),
    });
    return json(res);
  };

  it('hands out its current token in normal mode even once it is rejected (40001), until a forced refresh', async () => {
    const current = String((await ask(false)).access_token);
    own.state.revokeTokens();
    expect(own.state.checkToken(current)).toBe(40001);
    expect((await ask(false)).access_token).toBe(current);
    const forced = String((await ask(true)).access_token);
    expect(forced).not.toBe(current);
    expect((await ask(false)).access_token).toBe(forced);
  });

  it('refuses a forced refresh within 30 s of the last one (45011), and past 20 a day (45009)', async () => {
    await ask(true);
    expect(await ask(true)).toMatchObject({ errcode: 45011 });
    own.state.forceRefreshIntervalSeconds = 0;
    for (let i = 1; i < 20; i++) expect((await ask(true)).access_token).toEqual(expect.any(String));
    expect(await ask(true)).toMatchObject({ errcode: 45009 });
    expect(own.state.forcedRefreshes).toHaveLength(20);
  });
});
