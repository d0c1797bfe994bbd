import { wechatPushModels } from '@rallyboard/core/db';
import type { ErrorBody } from '@rallyboard/core/protocol';
import { pushSignature, sealEnvelope } from '@rallyboard/core/wechat';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../test/support/config.js';
import { startTestServer, type TestServer } from '../../../test/support/stack.js';
import { configFor, signedPushQuery, TEST_PUSH } from '../../../test/support/wechat.js';
import { useWeChatServer } from '../../../test/support/wechat-server.js';

// The plain-mode deployment (a Token, no EncodingAESKey); a safe-mode server is started below.
const env = useWeChatServer();

/** A media check's verdict as WeChat pushes it. */
const verdict = (traceId: string, suggest = 'risky') => ({
  ToUserName: 'gh_rallyboard',
  FromUserName: 'o-author',
  CreateTime: Math.floor(Date.now() / 1000),
  MsgType: 'event',
  Event: 'wxa_media_check',
  appid: env.config.wechat.appId,
  trace_id: traceId,
  version: 2,
  result: { suggest, label: 20_002 },
  detail: [{ strategy: 'content_model', errcode: 0, suggest, label: 20_002, prob: 90 }],
});

const pushTo = (url: string, query: Record<string, string>, body: unknown) =>
  fetch(`${url}/api/wechat/push?${new URLSearchParams(query)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const push = (query: Record<string, string>, body: unknown) => pushTo(env.server.url, query, body);
const checks = () => wechatPushModels(env.mongo).mediaChecks;
const codeOf = async (res: Response) => ((await res.json()) as ErrorBody).error.code;

/** A push sealed for safe mode, and its query (signature and msg_signature over it). */
function sealed(body: unknown, appId = env.config.wechat.appId ?? '') {
  const query = signedPushQuery();
  const Encrypt = sealEnvelope(JSON.stringify(body), appId, TEST_PUSH.aesKey);
  const msg_signature = pushSignature([TEST_PUSH.token, query.timestamp ?? '', query.nonce ?? '', Encrypt]);
  return {
    query: { ...query, encrypt_type: 'aes', msg_signature },
    body: { ToUserName: 'gh_rallyboard', Encrypt },
  };
}

describe('GET /api/wechat/push (the URL check)', () => {
  it('answers echostr as it came when the signature is ours, and refuses any other', async () => {
    const url = (query: Record<string, string>) =>
      `${env.server.url}/api/wechat/push?${new URLSearchParams({ ...query, echostr: 'e-123' })}`;
    const ok = await fetch(url(signedPushQuery()));
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('e-123');
    const forged = await fetch(url(signedPushQuery('notOurToken')));
    expect(forged.status).toBe(401);
    expect(await codeOf(forged)).toBe('WECHAT_PUSH_REFUSED');
  });
});

describe('POST /api/wechat/push, plain mode', () => {
  it("keeps an image check's first verdict, acting once however often WeChat pushes it", async () => {
    const traceId = randomId('trace');
    const query = signedPushQuery();
    // WeChat's retry is the same request again, byte for byte (verdict() stamps the current second).
    const body = verdict(traceId);
    for (let i = 0; i < 3; i++) {
      const res = await push(query, body);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('success');
    }
    // A later push of the same check, newly signed, with another verdict: the first stands.
    expect((await push(signedPushQuery(), verdict(traceId, 'pass'))).status).toBe(200);
    expect(await checks().find({ _id: traceId }).lean()).toMatchObject([
      { _id: traceId, openid: 'o-author', suggest: 'risky', label: 20_002 },
    ]);
  });

  it('refuses, keeping nothing, a push not signed with our Token, a stale one, and a seen signature with another body', async () => {
    const traceId = randomId('trace');
    const seen = signedPushQuery();
    expect((await push(seen, verdict(randomId('trace')))).status).toBe(200);
    for (const [what, query] of [
      ['forged', signedPushQuery('notOurToken')],
      ['tampered signature', { ...signedPushQuery(), signature: '0'.repeat(40) }],
      ['stale (an old replay)', signedPushQuery(TEST_PUSH.token, Date.now() - 10 * 60_000)],
      ['a seen signature carrying another body', seen],
    ] as const) {
      const res = await push(query, verdict(traceId, 'pass'));
      expect(res.status, what).toBe(401);
      expect(await codeOf(res), what).toBe('WECHAT_PUSH_REFUSED');
    }
    expect(await checks().countDocuments({ _id: traceId })).toBe(0);
  });

  it('answers 503 WECHAT_NOT_CONFIGURED while no Token is set', async () => {
    const bare = await startTestServer(testConfig(), env.mongo);
    try {
      const res = await pushTo(bare.url, signedPushQuery(), verdict(randomId('trace')));
      expect(res.status).toBe(503);
      expect(await codeOf(res)).toBe('WECHAT_NOT_CONFIGURED');
    } finally {
      await bare.close();
    }
  });
});

describe('POST /api/wechat/push, safe mode (an EncodingAESKey set)', () => {
  let safe: TestServer;
  beforeAll(async () => {
    safe = await startTestServer(configFor(env.fake, { WECHAT_PUSH_AES_KEY: TEST_PUSH.aesKey }), env.mongo);
  });
  afterAll(() => safe.close());

  it('opens a push sealed with our EncodingAESKey for our AppID', async () => {
    const traceId = randomId('trace');
    const { query, body } = sealed(verdict(traceId, 'pass'));
    const res = await pushTo(safe.url, query, body);
    expect(res.status).toBe(200);
    expect(await checks().findById(traceId).lean()).toMatchObject({ suggest: 'pass' });
  });

  it('refuses a plain push, however well signed, and a bad envelope, keeping nothing', async () => {
    const traceId = randomId('trace');
    const ours = sealed(verdict(traceId));
    const otherApp = sealed(verdict(traceId), 'wxsomeoneelse0000');
    for (const [what, query, body] of [
      ['a plain push (no proof of its body)', signedPushQuery(), verdict(traceId)],
      ['another AppID', otherApp.query, otherApp.body],
      ['msg_signature not over this Encrypt', otherApp.query, ours.body],
      [
        'not an envelope',
        { ...ours.query, msg_signature: pushSignature(['x']) },
        { ToUserName: 'g', Encrypt: 'AAAA' },
      ],
    ] as const) {
      const res = await pushTo(safe.url, query, body);
      expect(res.status, what).toBe(401);
      expect(await codeOf(res), what).toBe('WECHAT_PUSH_REFUSED');
    }
    expect(await checks().countDocuments({ _id: traceId })).toBe(0);
  });
});
