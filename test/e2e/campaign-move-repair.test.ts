import { boardModel, campaignModel } from '@rallyboard/core/db';
import { createLogger } from '@rallyboard/core/logger';
import { closeRedis, type RedisClient, readBoardMeta, withLock } from '@rallyboard/core/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moveCampaign } from '../../server/src/campaigns/operations.js';
import { call, campaignBody, createTestHost, type TestHost } from '../../server/test/support/hosts.js';
import { actorOf, storeBehind } from '../../server/test/support/move-failure.js';
import { startTcpProxy } from '../../server/test/support/proxy.js';
import { startCampaignRepair } from '../../workers/src/campaigns/repair.js';
import type { Periodic } from '../../workers/src/every.js';
import { testConfig } from '../support/config.js';
import { eventually, startTestServer, type TestServer, testRedis } from '../support/stack.js';

// A host's move fails half-way (MongoDB written, Redis not); the workers process puts it right.
const config = testConfig();
let server: TestServer;
let host: TestHost;
let redis: RedisClient;
let repair: Periodic;

beforeAll(async () => {
  server = await startTestServer(config);
  host = await createTestHost(server);
  redis = await testRedis(config);
  const { keys } = server.deps;
  // The repair as workers/src/main.ts runs it, on a short interval for the test.
  repair = startCampaignRepair(
    {
      logger: createLogger(config, 'workers', 'test'),
      redis,
      keys,
      config,
      boards: boardModel(server.deps.mongo),
      campaigns: campaignModel(server.deps.mongo),
      serialize: (campaignId, work) => withLock(redis, keys.campaignLock(campaignId), work),
      campaignQueue: server.deps.campaignQueue,
    },
    { everyMs: 200 },
  );
});
afterAll(async () => {
  await repair?.stop();
  if (redis) await closeRedis(redis);
  await server?.close();
});

const statusOf = async (id: string) =>
  (await campaignModel(server.deps.mongo).findById(id, { status: 1 }).lean())?.status;
const boardOf = (id: string) => readBoardMeta(redis, server.deps.keys, id);

describe('when Redis fails between the MongoDB and the Redis write of a move', () => {
  it("converges the board to the campaign's status without anyone retrying", async () => {
    const created = await call<{ id: string }>(server, host.token, 'POST', '/api/campaigns', campaignBody());
    const id = created.body.id;
    for (const status of ['scheduled', 'live']) {
      expect((await call(server, host.token, 'POST', `/api/campaigns/${id}/status`, { status })).status).toBe(
        200,
      );
    }
    const proxy = await startTcpProxy(config.redis.url);
    const { store, close } = await storeBehind(server, proxy);
    try {
      await proxy.cut();
      // 封榜: MongoDB says frozen; the board, still live, would go on showing the live ranking.
      await expect(moveCampaign(store, actorOf(host), id, 'frozen')).rejects.toThrow();
    } finally {
      await close();
      await proxy.restore();
    }
    expect(await statusOf(id)).toBe('frozen');
    await eventually(async () => (await boardOf(id))?.status === 'frozen', 5_000, 'the board frozen');
    // Frozen as a move freezes it: the public ranking is the snapshot taken then.
    expect((await boardOf(id))?.frozen).toBeDefined();
  });
});
