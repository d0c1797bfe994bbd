import { createLogger } from '@rallyboard/core/logger';
import { closeRedis, createBoardCache, type RedisClient, withLock } from '@rallyboard/core/redis';
import { createWeChatApi } from '@rallyboard/core/wechat';
import { type TestServer, testRedis } from '../../../test/support/stack.js';
import { createAuditLog } from '../../src/audit/log.js';
import type { Actor, CampaignStore } from '../../src/campaigns/store.js';
import { createCampaignStore } from '../../src/campaigns/store.js';
import { createCandidateTextCheck } from '../../src/campaigns/text-check.js';
import type { TestHost } from './hosts.js';
import type { TcpProxy } from './proxy.js';

/**
 * The server's campaign store with its Redis connection going through a proxy the test cuts, so
 * a move's Redis writes (the board's status) fail while its MongoDB writes succeed. Its lock
 * stays on the server's own connection: the failure is between the two writes, not before them.
 */
export async function storeBehind(
  server: TestServer,
  proxy: TcpProxy,
): Promise<{ store: CampaignStore; close(): Promise<void> }> {
  const { config, keys } = server.deps;
  const redis = await testRedis({ ...config, redis: { ...config.redis, url: proxy.url } });
  const store = testCampaignStore(server, redis);
  const serialize: CampaignStore['serialize'] = (campaignId, work) =>
    withLock(server.deps.redis, keys.campaignLock(campaignId), work);
  return { store: { ...store, serialize }, close: () => closeRedis(redis) };
}

/** The server's campaign store as the app builds it, on `redis` (the server's own by default). */
export function testCampaignStore(server: TestServer, redis: RedisClient = server.deps.redis): CampaignStore {
  const { config, keys, mongo, campaignQueue, notificationQueue } = server.deps;
  return createCampaignStore({
    redis,
    keys,
    config,
    logger: createLogger(config, 'server', 'test'),
    mongo,
    campaignQueue,
    notificationQueue,
    boardCache: createBoardCache(redis, keys, config.ingest.boardCacheMs),
    audit: createAuditLog({ mongo, logger: createLogger(config, 'server', 'test') }),
    checkTexts: createCandidateTextCheck({
      mongo,
      redis,
      keys,
      wechat: server.deps.wechat ?? createWeChatApi(server.deps),
      config,
    }),
  });
}

/** A test host as the actor of a campaign operation called directly. */
export const actorOf = (host: TestHost): Actor => ({
  host: { kind: 'host', hostId: host.id, role: host.role, username: host.username },
  ip: '127.0.0.1',
});
