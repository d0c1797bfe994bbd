import { connectMongo } from '@rallyboard/core/db';
import { createRedis, waitForReady } from '@rallyboard/core/redis';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { startTestServer, type TestServer } from '../../../test/support/stack.js';
import type { AppDeps } from '../../src/deps.js';
import { listenApp } from '../support/app.js';
import { startTcpProxy } from '../support/proxy.js';

const config = testConfig();
let server: TestServer;
let mongo: Connection;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
});
afterAll(async () => {
  await server.close();
  await mongo.close();
});

type Check = { status: 'up'; latencyMs: number } | { status: 'down'; error: string };
type Health = { status: string; checks: Record<'redis' | 'mongo', Check> };

async function health(url: string) {
  const res = await fetch(`${url}/healthz`);
  return { code: res.status, body: (await res.json()) as Health };
}

/** The server over other deps than the shared one's, for as long as `probe` runs. */
async function withApp<T>(overrides: Partial<AppDeps>, probe: (url: string) => Promise<T>): Promise<T> {
  const app = await listenApp({ ...server.deps, ...overrides });
  try {
    return await probe(app.url);
  } finally {
    await app.close();
  }
}

describe('GET /healthz', () => {
  it('answers 200 ok with each check up and its latency when Redis and MongoDB both answer', async () => {
    const { code, body } = await health(server.url);
    expect(code).toBe(200);
    expect(body).toEqual({
      status: 'ok',
      checks: {
        redis: { status: 'up', latencyMs: expect.any(Number) },
        mongo: { status: 'up', latencyMs: expect.any(Number) },
      },
    });
  });

  it('answers 503 and names Redis when Redis goes away', async () => {
    const proxy = await startTcpProxy(config.redis.url);
    const redis = createRedis(proxy.url, 'command', 'test-proxied');
    redis.on('error', () => {});
    await waitForReady(redis);
    try {
      await withApp({ redis }, async (url) => {
        expect((await health(url)).code).toBe(200);
        await proxy.cut();
        const { code, body } = await health(url);
        expect(code).toBe(503);
        expect(body.status).toBe('unavailable');
        expect(body.checks.redis).toEqual({ status: 'down', error: expect.any(String) });
        expect(body.checks.mongo.status).toBe('up');
      });
    } finally {
      redis.disconnect();
    }
  });

  it('answers 503 and names MongoDB when MongoDB is down', async () => {
    const closed = await connectMongo(config.mongo.uri, 'test-closed');
    await closed.close();
    await withApp({ mongo: closed }, async (url) => {
      const { code, body } = await health(url);
      expect(code).toBe(503);
      expect(body.status).toBe('unavailable');
      expect(body.checks.mongo).toEqual({ status: 'down', error: expect.any(String) });
      expect(body.checks.redis.status).toBe('up');
    });
  });
});
