import { connectMongo, participantIdOf, participantModel } from '@rallyboard/core/db';
import type { ErrorBody, ParticipantLogin } from '@rallyboard/core/protocol';
import { createKeys } from '@rallyboard/core/redis';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WeChatFake } from '../../../scripts/wechat-fake/server.js';
import { randomId, testConfig } from '../../../test/support/config.js';
import { seedBoard, startTestServer, type TestServer } from '../../../test/support/stack.js';
import { captureLogs, configFor, FAKE_PATHS, startFake } from '../../../test/support/wechat.js';
import { createTokenSigner } from '../../src/auth/tokens.js';
import { listenApp, type RunningApp } from '../support/app.js';

let fake: WeChatFake;
let mongo: Connection;
let server: TestServer;
/** The app under test: the test server's connections, a logger that keeps every line. */
let app: RunningApp;
const logs = captureLogs();

beforeAll(async () => {
  fake = await startFake();
  const config = configFor(fake);
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
  app = await listenApp({ ...server.deps, logger: logs.logger });
});
afterAll(async () => {
  await app.close();
  await server.close();
  await mongo.close();
  await fake.close();
});

const login = (body: unknown, url = app.url) =>
  fetch(`${url}/api/auth/wechat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

async function signedIn(res: Response): Promise<ParticipantLogin> {
  expect(res.status).toBe(200);
  return (await res.json()) as ParticipantLogin;
}

describe('POST /api/auth/wechat', () => {
  it('signs a new WeChat user in: a participant token, a refresh token and the participant', async () => {
    const before = Date.now();
    const res = await login({ code: 'ok-alice' });
    expect(res.headers.get('cache-control')).toBe('no-store');
    const answer = await signedIn(res);
    const id = participantIdOf(fake.state.appId, 'o-alice');
    expect(answer).toEqual({
      token: expect.any(String),
      expiresAt: expect.any(String),
      refreshToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      refreshExpiresAt: expect.any(String),
      participant: { id, firstSeenAt: expect.any(String) },
    });
    const { auth } = server.deps.config;
    // Signed between `before` and now, to the second (a token's exp is in seconds).
    const ttl = auth.participantTokenTtlSeconds * 1_000;
    expect(Date.parse(answer.expiresAt)).toBeLessThanOrEqual(Date.now() + ttl);
    expect(Date.parse(answer.expiresAt)).toBeGreaterThan(before - 1_000 + ttl);
    expect(Date.parse(answer.refreshExpiresAt)).toBeGreaterThan(Date.parse(answer.expiresAt));
    expect(await createTokenSigner(auth).verify(answer.token, 'participant')).toEqual({
      kind: 'participant',
      participantId: id,
    });

    const record = await participantModel(mongo).findById(id).lean();
    expect(record).toMatchObject({ appId: fake.state.appId, openid: 'o-alice' });
    expect(record?.firstSeenAt.toISOString()).toBe(answer.participant.firstSeenAt);
  });

  it("keeps WeChat's risk rank of the user for risk control, asked at sign-in", async () => {
    fake.state.setRiskRank('o-rank-3', 3);
    const answer = await signedIn(await login({ code: 'ok-rank-3' }));
    const keys = createKeys(server.deps.config.keyPrefix);
    expect(await server.deps.redis.get(keys.wechatRiskRank(answer.participant.id))).toBe('3');
    expect(await server.deps.redis.ttl(keys.wechatRiskRank(answer.participant.id))).toBeGreaterThan(3_600);
  });

  it('signs the user in all the same when WeChat cannot give the risk rank (it fails open)', async () => {
    fake.state.setRiskRank('o-rank-down', 4);
    fake.state.failNext(FAKE_PATHS.riskRank, 61010);
    const refused = await signedIn(await login({ code: 'ok-rank-down' }));
    const keys = createKeys(server.deps.config.keyPrefix);
    expect(await server.deps.redis.get(keys.wechatRiskRank(refused.participant.id))).toBeNull();
    fake.state.setRiskRank('o-rank-slow', 4);
    fake.state.delayNext(FAKE_PATHS.riskRank, 3_000);
    // The sign-in does not wait for the late answer (it would have kept the rank 4).
    const slow = await signedIn(await login({ code: 'ok-rank-slow' }));
    expect(await server.deps.redis.get(keys.wechatRiskRank(slow.participant.id))).toBeNull();
  });

  it('signs a returning user in as the same participant, first seen when first signed in', async () => {
    const first = await signedIn(await login({ code: 'ok-bruno' }));
    const again = await signedIn(await login({ code: 'ok-bruno.2' }));
    expect(again.participant).toEqual(first.participant);
    expect(again.refreshToken).not.toBe(first.refreshToken);
    const record = await participantModel(mongo).findById(first.participant.id).lean();
    expect(record?.lastLoginAt.getTime()).toBeGreaterThan(record?.firstSeenAt.getTime() ?? Infinity);
  });

  it('gives a token that votes, as the participant', async () => {
    const boardId = await seedBoard(server.deps.config, server.deps.redis, mongo, ['c1']);
    const { token, participant } = await signedIn(await login({ code: 'ok-carla' }));
    const res = await fetch(`${app.url}/api/boards/${boardId}/votes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: '{"candidateId":"c1"}',
    });
    expect(res.status).toBe(202);
    const [job] = await server.deps.voteQueue.getJobs(['waiting']);
    expect(job?.data.votes.find((v) => v.candidateId === 'c1')?.voterId).toBe(participant.id);
  });

  it('never answers nor logs the session key or the openid', async () => {
    logs.lines.length = 0;
    const answer = await (await login({ code: 'ok-dana' })).text();
    await login({ code: 'ok-dana' }); // used: WECHAT_LOGIN_CODE_INVALID, logged
    fake.state.failNext(FAKE_PATHS.code2Session, -1);
    await login({ code: 'ok-dana.2' }); // WECHAT_UNAVAILABLE, a 5xx: logged with its error

    const sessionKey = fake.state.sessionKeys.get('o-dana');
    expect(sessionKey).toBeDefined();
    const logged = logs.lines.join('\n');
    expect(logs.lines.length).toBeGreaterThanOrEqual(3);
    for (const text of [answer, logged]) {
      expect(text).not.toContain(sessionKey);
      expect(text).not.toContain('session_key');
      expect(text).not.toContain(fake.state.appSecret);
    }
    expect(answer).not.toContain('o-dana');
    expect(logged).not.toContain('o-dana');
  });

  describe("answers WeChat's refusals with their catalogue codes, never WeChat's message", () => {
    it.each([
      {
        name: 'an unknown code (40029)',
        code: 'not-a-code',
        status: 401,
        error: 'WECHAT_LOGIN_CODE_INVALID',
      },
      { name: 'a blocked user (40226)', code: 'ok-blocked', status: 403, error: 'WECHAT_USER_BLOCKED' },
      { name: "the user's limit (45011)", errcode: 45011, status: 429, error: 'WECHAT_RATE_LIMITED' },
      { name: "the app's limit (45009)", errcode: 45009, status: 429, error: 'WECHAT_RATE_LIMITED' },
      { name: 'system busy (-1)', errcode: -1, status: 503, error: 'WECHAT_UNAVAILABLE' },
      { name: 'a wrong AppSecret (40125)', errcode: 40125, status: 503, error: 'WECHAT_NOT_CONFIGURED' },
      { name: 'another refusal (40097)', errcode: 40097, status: 502, error: 'WECHAT_REQUEST_REJECTED' },
    ])('$name: $status $error', async ({ code, errcode, status, error }) => {
      fake.state.blockUser('o-blocked');
      if (errcode !== undefined) fake.state.failNext(FAKE_PATHS.code2Session, errcode);
      const res = await login({ code: code ?? `ok-${randomId('u')}` });
      expect(res.status).toBe(status);
      const body = (await res.json()) as ErrorBody;
      expect(body.error.code).toBe(error);
      expect(JSON.stringify(body)).not.toContain('rid:');
      if (error === 'WECHAT_RATE_LIMITED') expect(res.headers.get('retry-after')).toBe('60');
    });

    it('a code used before: 401 WECHAT_LOGIN_CODE_INVALID', async () => {
      const code = fake.state.issueCode();
      await signedIn(await login({ code }));
      const again = await login({ code });
      expect(again.status).toBe(401);
      expect(((await again.json()) as ErrorBody).error.code).toBe('WECHAT_LOGIN_CODE_INVALID');
    });

    it('WeChat answering garbage: 503 WECHAT_UNAVAILABLE', async () => {
      fake.state.garbleNext(FAKE_PATHS.code2Session);
      const res = await login({ code: 'ok-erin' });
      expect(res.status).toBe(503);
      expect(((await res.json()) as ErrorBody).error.code).toBe('WECHAT_UNAVAILABLE');
    });
  });

  it.each([
    { name: 'no code', body: {}, path: 'body.code' },
    { name: 'an empty code', body: { code: '' }, path: 'body.code' },
    { name: 'a code with spaces', body: { code: 'ok alice' }, path: 'body.code' },
    { name: 'an openid offered by the client', body: { code: 'ok-x', openid: 'o-x' }, path: 'body' },
  ])('refuses $name with 400 INVALID_INPUT, without asking WeChat', async ({ body, path }) => {
    const calls = fake.state.callCount(FAKE_PATHS.code2Session);
    const res = await login(body);
    expect(res.status).toBe(400);
    const answer = (await res.json()) as ErrorBody;
    expect(answer.error.code).toBe('INVALID_INPUT');
    expect((answer.error.details as { path: string }[]).map((d) => d.path)).toContain(path);
    expect(fake.state.callCount(FAKE_PATHS.code2Session)).toBe(calls);
  });

  it('answers 503 WECHAT_NOT_CONFIGURED when the server has no AppID', async () => {
    const unconfigured = await listenApp({
      ...server.deps,
      config: testConfig({ WECHAT_API_BASE: fake.url }),
    });
    try {
      const res = await login({ code: 'ok-frank' }, unconfigured.url);
      expect(res.status).toBe(503);
      expect(((await res.json()) as ErrorBody).error.code).toBe('WECHAT_NOT_CONFIGURED');
    } finally {
      await unconfigured.close();
    }
  });
});
