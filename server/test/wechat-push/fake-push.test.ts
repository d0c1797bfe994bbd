import { wechatPushModels } from '@rallyboard/core/db';
import { closeRedis, createKeys, type RedisClient } from '@rallyboard/core/redis';
import { createWeChatApi, type WeChatApi } from '@rallyboard/core/wechat';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestServer, type TestServer, testRedis } from '../../../test/support/stack.js';
import { configFor, FAKE_PATHS, rejectionOf, TEST_PUSH } from '../../../test/support/wechat.js';
import { useWeChatServer } from '../../../test/support/wechat-server.js';

// An image check end to end: mediaCheckAsync through the real client, and its verdict pushed by
// the fake WeChat to the server's message-push URL, plain and in safe mode.
const env = useWeChatServer();
let redis: RedisClient;
let wechat: WeChatApi;

let safe: TestServer;

beforeAll(async () => {
  // A second server in safe mode: it takes only sealed pushes.
  safe = await startTestServer(configFor(env.fake, { WECHAT_PUSH_AES_KEY: TEST_PUSH.aesKey }), env.mongo);
  redis = await testRedis(env.config);
  wechat = createWeChatApi({ config: env.config, keys: createKeys(env.config.keyPrefix), redis });
});
afterAll(async () => {
  await closeRedis(redis);
  await safe.close();
});

const checkOf = (traceId: string) => wechatPushModels(env.mongo).mediaChecks.findById(traceId).lean();

describe('an image check', () => {
  it('comes back by message push, plain or sealed, and the server keeps each verdict by its trace id', async () => {
    env.fake.state.setMediaVerdict('/bad-', 'risky', 20_002);
    for (const [url, aesKey] of [
      [env.server.url, undefined],
      [safe.url, TEST_PUSH.aesKey],
    ] as const) {
      env.fake.state.push = { url: `${url}/api/wechat/push`, token: TEST_PUSH.token, aesKey };
      const good = await wechat.mediaCheckAsync({
        mediaUrl: 'https://media.example/entries/ok-1.jpg',
        mediaType: 2,
        scene: 1,
        openid: 'o-author',
      });
      const bad = await wechat.mediaCheckAsync({
        mediaUrl: 'https://media.example/entries/bad-1.jpg',
        mediaType: 2,
        scene: 1,
        openid: 'o-author',
      });
      await eventually(async () => (await checkOf(bad.traceId)) !== null, 5_000, 'the verdicts');
      expect(await checkOf(good.traceId)).toMatchObject({ suggest: 'pass', label: 100, openid: 'o-author' });
      expect(await checkOf(bad.traceId)).toMatchObject({ suggest: 'risky', label: 20_002 });
    }
    // The server answered every push as WeChat expects. The fake notes an answer only once it
    // has it, which can be after the server has stored the verdict.
    await eventually(async () => env.fake.state.pushes.length === 4, 5_000, 'the four answers');
    expect(env.fake.state.pushes.map((p) => [p.status, p.answer])).toEqual(Array(4).fill([200, 'success']));
  });

  it('is refused before it reaches WeChat for an address WeChat cannot download', async () => {
    const before = env.fake.state.callCount(FAKE_PATHS.mediaCheck);
    const error = await rejectionOf(
      wechat.mediaCheckAsync({
        mediaUrl: 'http://127.0.0.1/tmp/x.jpg',
        mediaType: 2,
        scene: 1,
        openid: 'o-a',
      }),
    );
    expect(error).toMatchObject({ code: 'INVALID_INPUT' });
    expect(env.fake.state.callCount(FAKE_PATHS.mediaCheck)).toBe(before);
  });
});
