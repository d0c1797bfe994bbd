import { connectMongo } from '@rallyboard/core/db';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../test/support/config.js';
import { parseExposition, sampleValue } from '../../../test/support/exposition.js';
import { type OwnFerret, startOwnFerret } from '../../../test/support/own-ferretdb.js';
import { type OwnRedis, startOwnRedis } from '../../../test/support/own-redis.js';
import { eventually, startTestServer, type TestServer } from '../../../test/support/stack.js';

// A store that goes away shows in the server's metrics: Redis's connection errors (read once it
// is back, as the scrape reads Redis), MongoDB's lost connection (read while it is down).
const TOKEN = 'metrics-test-token-0123456789abcdef';
let redis: OwnRedis;
let ferret: OwnFerret;
let server: TestServer;
let mongo: Connection;

beforeAll(async () => {
  redis = await startOwnRedis('always');
  ferret = await startOwnFerret(randomId('errors'));
  const config = testConfig({ METRICS_TOKEN: TOKEN, REDIS_URL: redis.url, MONGODB_URI: ferret.uri });
  mongo = await connectMongo(config.mongo.uri, 'test');
  mongo.on('error', () => {});
  server = await startTestServer(config, mongo);
});
afterAll(async () => {
  await server?.close();
  await mongo?.close();
  await redis?.close();
  await ferret?.close();
});

async function storeErrors(store: 'redis' | 'mongo'): Promise<number | undefined> {
  const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  if (res.status !== 200) return undefined;
  return sampleValue(parseExposition(await res.text()), 'rallyboard_store_errors_total', { store }) ?? 0;
}
const redisErrors = () => storeErrors('redis');

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

  it('counts a lost MongoDB connection while MongoDB is down', async () => {
    expect(await storeErrors('mongo')).toBe(0);
    await ferret.stop();
    // The driver notices at its next heartbeat (every 10 s).
    await eventually(async () => ((await storeErrors('mongo')) ?? 0) > 0, 25_000, 'the loss counted');
    await ferret.start();
  }, 45_000);
});
