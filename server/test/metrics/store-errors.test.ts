import { connectMongo } from '@rallyboard/core/db';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { parseExposition, sampleValue } from '../../../test/support/exposition.js';
import { type OwnRedis, startOwnRedis } from '../../../test/support/own-redis.js';
import { eventually, startTestServer, type TestServer } from '../../../test/support/stack.js';

// A Redis that goes away shows in the server's metrics once it is back: its connections' errors.
const TOKEN = 'metrics-test-token-0123456789abcdef';
let redis: OwnRedis;
let server: TestServer;
let mongo: Connection;

beforeAll(async () => {
  redis = await startOwnRedis('always');
  const config = testConfig({ METRICS_TOKEN: TOKEN, REDIS_URL: redis.url });
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
});
afterAll(async () => {
  await server?.close();
  await mongo?.close();
  await redis?.close();
});

async function redisErrors(): Promise<number | undefined> {
  const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  if (res.status !== 200) return undefined;
  return (
    sampleValue(parseExposition(await res.text()), 'rallyboard_store_errors_total', { store: 'redis' }) ?? 0
  );
}

describe('the store errors metric', () => {
  it("counts the Redis connections' errors of an outage, read once Redis is back", async () => {
    expect(await redisErrors()).toBe(0);
    await redis.kill();
    // While Redis is down the scrape itself cannot read the queue: it answers 503, not stale figures.
    const down = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(down.status).toBe(503);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await redis.start();
    await eventually(async () => ((await redisErrors()) ?? 0) > 0, 15_000, 'errors counted');
  }, 30_000);
});
