import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWeChatClient } from '@rallyboard/core/wechat';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WeChatFake } from '../../../scripts/wechat-fake/server.js';
import { ANY_PATH, captureLogs, configFor, FAKE_PATHS, startFake } from '../../../test/support/wechat.js';
import { errorHandler } from '../../src/http/error-handler.js';

// How WeChat's answers reach a mini-program through our one error middleware: a stand-in login
// route that answers the session as it is, to show what res.json makes of it.
let fake: WeChatFake;
let server: Server;
let base: string;
const { logger, lines } = captureLogs();

beforeAll(async () => {
  fake = await startFake();
  const client = createWeChatClient(configFor(fake, { WECHAT_TIMEOUT_MS: '300' }).wechat, { logger });
  const app = express();
  app.get('/login', async (req, res) => {
    res.json(await client.code2Session(String(req.query.code ?? '')));
  });
  app.use(errorHandler(logger));
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await fake.close();
});

const login = (code: string) => fetch(`${base}/login?code=${encodeURIComponent(code)}`);

describe('WeChat errors at the HTTP edge', () => {
  it('answers the identity without the session key', async () => {
    const res = await login('ok-vera');
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ openid: 'o-vera' });
    expect(text).not.toContain(String(fake.state.sessionKeys.get('o-vera')));
  });

  it.each([
    ['an invalid code (40029)', () => undefined, 'bad-code', 401, 'WECHAT_LOGIN_CODE_INVALID'],
    ['a blocked user (40226)', () => fake.state.blockUser('o-wade'), 'ok-wade', 403, 'WECHAT_USER_BLOCKED'],
    ['busy WeChat (-1)', () => fake.state.failNext(ANY_PATH, -1), 'ok-xena', 503, 'WECHAT_UNAVAILABLE'],
    [
      'a timeout',
      () => fake.state.delayNext(FAKE_PATHS.code2Session, 1_000),
      'ok-yuri',
      503,
      'WECHAT_UNAVAILABLE',
    ],
  ])(
    'answers %s with its catalogue code and no internals',
    async (_case, arrange, code, status, errorCode) => {
      arrange();
      const res = await login(code);
      expect(res.status).toBe(status);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe(errorCode);
      expect(JSON.stringify(body)).not.toMatch(/rid:|errcode|errmsg|127\.0\.0\.1|fake-app-secret/);
    },
  );

  it('answers 429 WECHAT_RATE_LIMITED with Retry-After (45011)', async () => {
    fake.state.failNext(FAKE_PATHS.code2Session, 45011);
    const res = await login('ok-zoe');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('60');
    expect(await res.json()).toMatchObject({
      error: { code: 'WECHAT_RATE_LIMITED', details: { retryAfterSeconds: 60 } },
    });
  });

  it('logs the 5xx with errcode and errmsg, and never a secret or a session key', () => {
    const logged = lines.join('\n');
    expect(logged).toContain('"errcode":-1');
    expect(logged).not.toContain(fake.state.appSecret);
    for (const key of fake.state.sessionKeys.values()) expect(logged).not.toContain(key);
  });
});
