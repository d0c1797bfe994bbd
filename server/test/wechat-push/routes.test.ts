import { connectMongo, wechatPushModels } from '@rallyboard/core/db';
import type { ErrorBody } from '@rallyboard/core/protocol';
import { pushSignature, sealEnvelope } from '@rallyboard/core/wechat';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../test/support/config.js';
import { startTestServer, type TestServer } from '../../../test/support/stack.js';
import {
  configFor,
  signedPushQuery,
  startFake,
  TEST_PUSH,
  type WeChatFake,
} from '../../../test/support/wechat.js';

let fake: WeChatFake;
let config: ReturnType<typeof configFor>;
let mongo: Connection;
let server: TestServer;

beforeAll(async () => {
  fake = await startFake();
  config = configFor(fake);
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
});
afterAll(async () => {
  await server.close();
  await mongo.close();
  await fake.close();
});

/** A media check's verdict as WeChat pushes it. */
const verdict = (traceId: string, suggest = 'risky') => ({
  ToUserName: 'gh_rallyboard',
  FromUserName: 'o-author',
  CreateTime: Math.floor(Date.now() / 1000),
  MsgType: 'event',
  Event: 'wxa_media_check',
  appid: config.wechat.appId,
  trace_id: traceId,
  version: 2,
  result: { suggest, label: 20_002 },
  detail: [{ strategy: 'content_model', errcode: 0, suggest, label: 20_002, prob: 90 }],
});

const push = (query: Record<string, string>, body: unknown) =>
  fetch(`${server.url}/api/wechat/push?${new URLSearchParams(query)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const checks = () => wechatPushModels(mongo).mediaChecks;
const codeOf = async (res: Response) => ((await res.json()) as ErrorBody).error.code;

describe('GET /api/wechat/push (the URL check)', () => {
  it('answers echostr as it came when the signature is ours, and refuses any other', async () => {
    const ok = await fetch(
      `${server.url}/api/wechat/push?${new URLSearchParams({ ...signedPushQuery(), echostr: 'e-123' })}`,
    );
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('e-123');
    const forged = await fetch(
      `${server.url}/api/wechat/push?${new URLSearchParams({ ...signedPushQuery('notOurToken'), echostr: 'e-123' })}`,
    );
    expect(forged.status).toBe(401);
    expect(await codeOf(forged)).toBe('WECHAT_PUSH_REFUSED');
  });
});

describe('POST /api/wechat/push', () => {
  it("keeps an image check's verdict, once, however often WeChat pushes it", async () => {
    const traceId = randomId('trace');
    for (let i = 0; i < 3; i++) {
      const res = await push(signedPushQuery(), verdict(traceId));
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('success');
    }
    expect(await checks().find({ _id: traceId }).lean()).toMatchObject([
      { _id: traceId, openid: 'o-author', suggest: 'risky', label: 20_002 },
    ]);
    expect(await wechatPushModels(mongo).pushes.countDocuments({ _id: traceId })).toBe(1);
  });

  it('opens a safe-mode push sealed with our EncodingAESKey for our AppID', async () => {
    const traceId = randomId('trace');
    const query = signedPushQuery();
    const Encrypt = sealEnvelope(
      JSON.stringify(verdict(traceId, 'pass')),
      config.wechat.appId ?? '',
      TEST_PUSH.aesKey,
    );
    const msg_signature = pushSignature([TEST_PUSH.token, query.timestamp ?? '', query.nonce ?? '', Encrypt]);
    const res = await push(
      { ...query, encrypt_type: 'aes', msg_signature },
      { ToUserName: 'gh_rallyboard', Encrypt },
    );
    expect(res.status).toBe(200);
    expect(await checks().findById(traceId).lean()).toMatchObject({ suggest: 'pass' });
  });

  it('refuses, keeping nothing, a push not signed with our Token, a stale one, and a bad safe-mode envelope', async () => {
    const traceId = randomId('trace');
    const stale = signedPushQuery(TEST_PUSH.token, Date.now() - 10 * 60_000);
    const query = signedPushQuery();
    const sealed = (appId: string) => sealEnvelope(JSON.stringify(verdict(traceId)), appId, TEST_PUSH.aesKey);
    const msgSignature = (Encrypt: string) =>
      pushSignature([TEST_PUSH.token, query.timestamp ?? '', query.nonce ?? '', Encrypt]);
    const otherApp = sealed('wxsomeoneelse0000');
    const ours = sealed(config.wechat.appId ?? '');
    for (const [what, res] of [
      ['forged', await push(signedPushQuery('notOurToken'), verdict(traceId))],
      ['tampered signature', await push({ ...query, signature: '0'.repeat(40) }, verdict(traceId))],
      ['stale (a replay)', await push(stale, verdict(traceId))],
      [
        'another AppID',
        await push(
          { ...query, encrypt_type: 'aes', msg_signature: msgSignature(otherApp) },
          { ToUserName: 'g', Encrypt: otherApp },
        ),
      ],
      [
        'msg_signature not over this Encrypt',
        await push(
          { ...query, encrypt_type: 'aes', msg_signature: msgSignature(otherApp) },
          { ToUserName: 'g', Encrypt: ours },
        ),
      ],
      [
        'not an envelope',
        await push(
          { ...query, encrypt_type: 'aes', msg_signature: msgSignature('AAAA') },
          { ToUserName: 'g', Encrypt: 'AAAA' },
        ),
      ],
    ] as const) {
      expect(res.status, what).toBe(401);
      expect(await codeOf(res), what).toBe('WECHAT_PUSH_REFUSED');
    }
    expect(await checks().countDocuments({ _id: traceId })).toBe(0);
  });

  it('answers 503 WECHAT_NOT_CONFIGURED while no Token is set', async () => {
    const bare = await startTestServer(testConfig(), mongo);
    try {
      const res = await fetch(`${bare.url}/api/wechat/push?${new URLSearchParams(signedPushQuery())}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(verdict(randomId('trace'))),
      });
      expect(res.status).toBe(503);
      expect(await codeOf(res)).toBe('WECHAT_NOT_CONFIGURED');
    } finally {
      await bare.close();
    }
  });
});
