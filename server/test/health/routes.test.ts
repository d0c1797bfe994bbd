import { connectMongo } from '@rallyboard/core/db';
import { createVoteQueue, VOTE_JOB } from '@rallyboard/core/queue';
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

async function get(url: string, path: '/healthz' | '/readyz') {
  const res = await fetch(`${url}${path}`);
  return { code: res.status, body: (await res.json()) as unknown, cache: res.headers.get('cache-control') };
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

/** Redis connections (command and queue producer) through a proxy the test can cut. */
async function proxiedRedis() {
  const proxy = await startTcpProxy(config.redis.url);
  const redis = createRedis(proxy.url, 'command', 'test-proxied');
  const producer = createRedis(proxy.url, 'producer', 'test-proxied');
  for (const connection of [redis, producer]) connection.on('error', () => {});
  await Promise.all([waitForReady(redis), waitForReady(producer)]);
  const voteQueue = createVoteQueue(producer, server.deps.keys);
  voteQueue.on('error', () => {});
  return {
    proxy,
    deps: { redis, voteQueue },
    async close() {
      await voteQueue.close().catch(() => {});
      redis.disconnect();
      producer.disconnect();
    },
  };
}

const READY = { status: 'ready', checks: { redis: 'up', mongo: 'up', queue: 'up' } };

describe('GET /healthz', () => {
  it('answers 200 while the process serves, with nothing about its stores, even when Redis is gone', async () => {
    const proxied = await proxiedRedis();
    try {
      await withApp(proxied.deps, async (url) => {
        await proxied.proxy.cut();
        const { code, body, cache } = await get(url, '/healthz');
        expect(code).toBe(200);
        expect(body).toEqual({ status: 'ok' });
        expect(cache).toBe('no-store');
      });
    } finally {
      await proxied.close();
    }
  });
});

describe('GET /readyz', () => {
  it('answers 200 ready when Redis and MongoDB answer and the votes queue keeps up', async () => {
    const { code, body, cache } = await get(server.url, '/readyz');
    expect(code).toBe(200);
    expect(body).toEqual(READY);
    expect(cache).toBe('no-store');
  });

  it('answers 503 with Redis and the queue down, and no error text, when Redis goes away', async () => {
    const proxied = await proxiedRedis();
    try {
      await withApp(proxied.deps, async (url) => {
        expect((await get(url, '/readyz')).body).toEqual(READY);
        await proxied.proxy.cut();
        const { code, body } = await get(url, '/readyz');
        expect(code).toBe(503);
        expect(body).toEqual({
          status: 'unavailable',
          checks: { redis: 'down', mongo: 'up', queue: 'down' },
        });
      });
    } finally {
      await proxied.close();
    }
  });

  it('answers 503 with MongoDB down, and no error text, when MongoDB is down', async () => {
    const closed = await connectMongo(config.mongo.uri, 'test-closed');
    await closed.close();
    await withApp({ mongo: closed }, async (url) => {
      const { code, body } = await get(url, '/readyz');
      expect(code).toBe(503);
      expect(body).toEqual({ status: 'unavailable', checks: { redis: 'up', mongo: 'down', queue: 'up' } });
    });
  });

  it('answers 503 lagging while the oldest waiting vote job is older than READY_MAX_QUEUE_LAG_MS', async () => {
    const strict = { ...config, readiness: { maxQueueLagMs: 5_000 } };
    const votes = (id: string) => [{ voteId: id, candidateId: 'c', action: 'vote' as const, acceptedAt: 1 }];
    // No worker runs in this file: jobs wait, as they would behind stopped or swamped workers.
    // The first one queued was accepted 10 s ago.
    const old = await server.deps.voteQueue.add(
      VOTE_JOB,
      { boardId: 'b-lag', votes: votes('v-lag-old') },
      { timestamp: Date.now() - 10_000 },
    );
    const fresh = await server.deps.voteQueue.add(VOTE_JOB, {
      boardId: 'b-lag',
      votes: votes('v-lag-fresh'),
    });
    try {
      await withApp({ config: strict }, async (url) => {
        const { code, body } = await get(url, '/readyz');
        expect(code).toBe(503);
        expect(body).toEqual({
          status: 'unavailable',
          checks: { redis: 'up', mongo: 'up', queue: 'lagging' },
        });
        // Once the old job is done (here, removed), a job waiting 0 s is no lag to speak of.
        await old.remove();
        expect(await get(url, '/readyz')).toMatchObject({ code: 200, body: READY });
      });
    } finally {
      await Promise.all([old.remove().catch(() => {}), fresh.remove().catch(() => {})]);
    }
  });
});
