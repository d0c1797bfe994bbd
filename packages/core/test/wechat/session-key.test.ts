import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  ANY_PATH,
  captureLogs,
  configFor,
  FAKE_PATHS,
  rejectionOf,
  startFake,
  type WeChatFake,
} from '../../../../test/support/wechat.js';
import { createWeChatClient } from '../../src/wechat/client.js';
import { WeChatTransportError } from '../../src/wechat/errors.js';

let fake: WeChatFake;

beforeAll(async () => {
  fake = await startFake({ unionIds: true });
});
afterAll(() => fake.close());

describe('the session key', () => {
  it('is kept for the server but absent from every serialized form of the session', async () => {
    const client = createWeChatClient(configFor(fake).wechat);
    const session = await client.code2Session('ok-sam');
    const sessionKey = fake.state.sessionKeys.get('o-sam');
    expect(sessionKey).toBeDefined();
    expect(session.revealSessionKey()).toBe(sessionKey);

    const forms = [
      JSON.stringify(session),
      JSON.stringify({ user: session }),
      JSON.stringify({ ...session }),
      inspect(session, { showHidden: true, depth: 5 }),
      String(Object.keys(session)),
      String(Object.values(session)),
      `${session}`,
    ];
    for (const form of forms) expect(form).not.toContain(sessionKey);
    expect(JSON.parse(JSON.stringify(session))).toEqual({ openid: 'o-sam', unionid: 'u-o-sam' });
  });

  it('never reaches a log: not when the session is logged, nor when calls fail', async () => {
    const { logger, lines } = captureLogs();
    const client = createWeChatClient(configFor(fake, { WECHAT_TIMEOUT_MS: '200' }).wechat, { logger });
    const session = await client.code2Session('ok-tess');
    logger.info({ session }, 'signed in');
    logger.info(session, 'signed in, flat');

    // Failures of every kind, including an answer whose shape we reject after WeChat sent a key.
    fake.state.failNext(ANY_PATH, -1);
    await rejectionOf(client.code2Session('ok-tess.2'));
    fake.state.delayNext(FAKE_PATHS.code2Session, 1_000);
    await rejectionOf(client.code2Session('ok-tess.3'));
    await rejectionOf(client.code2Session('ok-tess'));

    const sessionKeys = [...fake.state.sessionKeys.values()];
    const logged = lines.join('\n');
    expect(lines.length).toBeGreaterThanOrEqual(5);
    expect(logged).toContain('o-tess');
    for (const key of sessionKeys) expect(logged).not.toContain(key);
    expect(logged).not.toContain(fake.state.appSecret);
    expect(logged).not.toContain('session_key');
  });

  it('is not in the error nor the log when an answer carrying it fails validation', async () => {
    // An answer off the contract (openid not a string) that still carries a session key.
    const sessionKey = 'SESSION-KEY-that-must-stay-put==';
    const offContract = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ openid: 42, session_key: sessionKey }));
    });
    await new Promise<void>((resolve) => offContract.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = offContract.address() as AddressInfo;
      const { logger, lines } = captureLogs();
      const config = configFor(fake, { WECHAT_API_BASE: `http://127.0.0.1:${port}` });
      const error = await rejectionOf(createWeChatClient(config.wechat, { logger }).code2Session('ok-uma'));
      expect(error).toBeInstanceOf(WeChatTransportError);
      expect((error as WeChatTransportError).failure).toBe('invalid-response');
      const seen = [JSON.stringify(error), inspect(error, { depth: 10 }), String(error), lines.join('\n')];
      for (const text of seen) expect(text).not.toContain(sessionKey);
      expect(lines.join('\n')).toContain('openid');
    } finally {
      offContract.closeAllConnections();
      await new Promise<void>((resolve) => offContract.close(() => resolve()));
    }
  });
});
