import { connectMongo } from '@rallyboard/core/db';
import { createRedis } from '@rallyboard/core/redis';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { startTestServer, type TestServer } from '../../../test/support/stack.js';

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

type Health = { status: string; checks: Record<'redis' | 'mongo', { status: string }> };
const health = async () => {
  const res = await fetch(`${server.url}/healthz`);
  return { code: res.status, body: (await res.json()) as Health };
};

describe('GET /healthz', () => {
  it('answers 200 when Redis and MongoDB both answer', async () => {
    const { code, body } = await health();
    expect(code).toBe(200);
    expect(body.status).toBe('ok');
    expect(body.checks.redis.status).toBe('up');
    expect(body.checks.mongo.status).toBe('up');
  });

  it('answers 503 and names Redis when Redis is down', async () => {
    const live = server.deps.redis;
    // A connection to a port nothing listens on stands in for a Redis that went away.
    const dead = createRedis('redis://127.0.0.1:1', 'command', 'test');
    dead.on('error', () => {});
    server.deps.redis = dead;
    try {
      const { code, body } = await health();
      expect(code).toBe(503);
      expect(body.checks.redis.status).toBe('down');
      expect(body.checks.mongo.status).toBe('up');
    } finally {
      server.deps.redis = live;
      dead.disconnect();
    }
  });

  it('answers 503 and names MongoDB when MongoDB is down', async () => {
    const other = await connectMongo(config.mongo.uri, 'test-closed');
    await other.close();
    const live = server.deps.mongo;
    server.deps.mongo = other;
    try {
      const { code, body } = await health();
      expect(code).toBe(503);
      expect(body.checks.mongo.status).toBe('down');
      expect(body.checks.redis.status).toBe('up');
    } finally {
      server.deps.mongo = live;
    }
  });
});
