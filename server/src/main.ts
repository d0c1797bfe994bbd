import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { loadConfig, requireTokenSecrets } from '@rallyboard/core/config';
import { connectMongo } from '@rallyboard/core/db';
import { createLogger } from '@rallyboard/core/logger';
import {
  createCampaignQueue,
  createEntryQueue,
  createNotificationQueue,
  createReviewQueue,
  createVoteQueue,
} from '@rallyboard/core/queue';
import {
  closeRedis,
  createKeys,
  createRedis,
  defineScripts,
  type RedisClient,
  readDurability,
  waitForReady,
} from '@rallyboard/core/redis';
import { createApp } from './app.js';

const config = loadConfig();
// Before connecting to anything: the server signs and verifies tokens, so it refuses weak secrets.
requireTokenSecrets(config);
const instanceId = `${hostname()}-${process.pid}`;
const logger = createLogger(config, 'server', instanceId);

async function main(): Promise<void> {
  const keys = createKeys(config.keyPrefix);
  // The request path's connections give up on a stalled Redis (503); the subscriber waits.
  const timed = { commandTimeoutMs: config.redis.commandTimeoutMs };
  const redis = createRedis(config.redis.url, 'command', 'server', timed);
  const subscriber = createRedis(config.redis.url, 'subscriber', 'server');
  const producer = createRedis(config.redis.url, 'producer', 'server', timed);
  for (const connection of [redis, subscriber, producer]) {
    connection.on('error', (error) => logger.warn({ err: error }, 'redis connection error'));
  }
  await Promise.all([waitForReady(redis), waitForReady(subscriber), waitForReady(producer)]);
  defineScripts(redis);
  await reportDurability(redis);
  const mongo = await connectMongo(config.mongo.uri, 'server');
  const voteQueue = createVoteQueue(producer, keys);
  voteQueue.on('error', (error) => logger.warn({ err: error }, 'vote queue error'));
  const campaignQueue = createCampaignQueue(producer, keys);
  campaignQueue.on('error', (error) => logger.warn({ err: error }, 'campaign queue error'));
  const reviewQueue = createReviewQueue(producer, keys);
  reviewQueue.on('error', (error) => logger.warn({ err: error }, 'review queue error'));
  const notificationQueue = createNotificationQueue(producer, keys);
  const entryQueue = createEntryQueue(producer, keys, config.entries.checkRetryMs);
  entryQueue.on('error', (error) => logger.warn({ err: error }, 'entry queue error'));
  notificationQueue.on('error', (error) => logger.warn({ err: error }, 'notification queue error'));

  const { httpServer, io, relay } = createApp({
    config,
    logger,
    keys,
    redis,
    subscriber,
    voteQueue,
    campaignQueue,
    reviewQueue,
    notificationQueue,
    entryQueue,
    mongo,
  });
  await relay.start();
  await new Promise<void>((resolve) => httpServer.listen(config.http.port, config.http.host, resolve));
  const { port } = httpServer.address() as AddressInfo;
  logger.info({ url: `http://${config.http.host}:${port}` }, 'server listening');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new connections, draining');
    const force = setTimeout(() => {
      logger.error('drain timed out; closing remaining connections');
      httpServer.closeAllConnections();
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    try {
      // Stop listening first; requests in flight finish and answer, idle keep-alives close.
      const drained = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeIdleConnections();
      // Realtime clients are told to go; they reconnect to another instance or after restart.
      io.disconnectSockets(true);
      io.engine.close();
      await drained;
      await relay.stop();
      await Promise.all([
        voteQueue.close(),
        campaignQueue.close(),
        reviewQueue.close(),
        notificationQueue.close(),
        entryQueue.close(),
      ]);
      await Promise.all([closeRedis(redis), closeRedis(subscriber), closeRedis(producer), mongo.close()]);
      logger.info('server stopped');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'error during shutdown');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/**
 * Says at start what a 202 survives on this Redis: a vote is answered once Redis holds it, so
 * only an append-only file fsynced on every write (`appendfsync always`) keeps it through a power
 * loss. Anything less is the operator's choice to make knowingly, so it is a warning.
 */
async function reportDurability(redis: RedisClient): Promise<void> {
  const durability = await readDurability(redis);
  if (durability === 'fsync-always') {
    logger.info({ durability }, 'a vote answered 202 survives a crash of Redis or of its machine');
    return;
  }
  logger.warn(
    { durability },
    durability === 'unknown'
      ? 'could not read Redis persistence (CONFIG GET refused): make sure it runs appendonly yes, appendfsync always'
      : 'a vote answered 202 may be lost if the machine running Redis fails: set appendonly yes and appendfsync always (docs/architecture.md, "What a 202 promises")',
  );
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, 'server failed to start');
  process.exit(1);
});
