import { hostname } from 'node:os';
import { settleBoard } from '@rallyboard/core/campaigns';
import { loadConfig } from '@rallyboard/core/config';
import {
  archiveModels,
  boardModel,
  type CampaignModel,
  campaignModel,
  connectMongo,
  entryModels,
  ledgerModel,
  notificationModels,
  participantModel,
  rewardModels,
  wechatPushModels,
} from '@rallyboard/core/db';
import { createLogger } from '@rallyboard/core/logger';
import {
  createCampaignQueue,
  createEntryQueue,
  createNotificationQueue,
  createReviewQueue,
  createVoteQueue,
  type NotificationJob,
  queueEntryReviewed,
  queueNotificationEvent,
  votesInFlight,
} from '@rallyboard/core/queue';
import {
  closeRedis,
  createKeys,
  createRedis,
  defineScripts,
  type KeyBuilder,
  type RedisClient,
  waitForReady,
  withLock,
} from '@rallyboard/core/redis';
import { createWeChatApi } from '@rallyboard/core/wechat';
import type { Queue } from 'bullmq';
import type { Connection } from 'mongoose';
import type { Registry } from 'prom-client';
import { startArchiver } from './archives/archiver.js';
import { startCampaignRepair } from './campaigns/repair.js';
import { createScheduleWorker } from './campaigns/schedule-worker.js';
import { createEntryWorker, startEntrySweep } from './entries/entry-worker.js';
import { createWorkerMetrics } from './metrics/recorders.js';
import { startMetricsServer } from './metrics/server.js';
import { createNotificationWorker } from './notifications/notification-worker.js';
import { createReviewWorker } from './review/review-worker.js';
import { startRewardPasses } from './rewards/pass.js';
import { createVoteWorker } from './votes/vote-worker.js';

const config = loadConfig();
const instanceId = `${hostname()}-${process.pid}`;
const logger = createLogger(config, 'workers', instanceId);

async function main(): Promise<void> {
  const keys = createKeys(config.keyPrefix);
  const opened = openRedis();
  const { redis, workerConnection, scheduleConnection, reviewConnection, producer } = opened;
  const connections = Object.values(opened);
  // The producer too: it never queues commands offline, and a Redis Cluster is ready only once it
  // knows its slots.
  await Promise.all([waitForReady(redis), waitForReady(producer)]);
  defineScripts(redis);
  const mongo = await connectMongo(config.mongo.uri, 'workers');
  const ledger = ledgerModel(mongo);
  await ledger.init();

  const reviewQueue = createReviewQueue(producer, keys);
  reviewQueue.on('error', (error) => logger.warn({ err: error }, 'review queue error'));
  const metrics = createWorkerMetrics();
  metrics.watchStores({ redis: connections, mongo });
  const metricsServer = await serveMetrics(metrics.registry);
  const deps = {
    config,
    logger,
    redis,
    keys,
    ledger,
    boards: boardModel(mongo),
    archives: archiveModels(mongo),
    instanceId,
    reviewQueue,
    metrics,
  };
  const worker = createVoteWorker(deps, workerConnection);
  worker.on('failed', () => metrics.jobFailed('votes'));
  void worker.run();
  const reviewWorker = createReviewWorker(deps, reviewConnection);
  reviewWorker.on('failed', () => metrics.jobFailed('review'));
  void reviewWorker.run();
  const campaigns = campaignModel(mongo);
  // Subscribe messages: the schedule's starts and ends, and the server's moves and reveals, queue
  // events; this worker fans each out and sends (notifications/).
  const { notificationQueue, notificationWorker } = startNotifications(
    { redis, keys, mongo, campaigns },
    producer,
    opened.notifyConnection,
  );
  notificationWorker.on('failed', () => metrics.jobFailed('notifications'));
  // Participants' entries: their content checks (entries/).
  const entries = startEntries({ redis, keys, mongo, campaigns, notificationQueue }, producer, opened);
  const serialize = <T>(campaignId: string, work: () => Promise<T>) =>
    withLock(redis, keys.campaignLock(campaignId), work);
  const scheduleWorker = createScheduleWorker(
    {
      logger,
      keys,
      campaigns,
      serialize,
      settleBoard: (campaign, from) => settleBoard(deps, campaign, { from, origin: 'schedule' }),
      notify: (event, campaignId) => queueNotificationEvent(notificationQueue, { event, campaignId }),
    },
    scheduleConnection,
  );
  void scheduleWorker.run();
  // Converges boards to their campaigns and re-queues due starts and ends after a failed move.
  const campaignQueue = createCampaignQueue(producer, keys);
  campaignQueue.on('error', (error) => logger.warn({ err: error }, 'campaign queue error'));
  const campaignRepair = startCampaignRepair({ ...deps, campaigns, serialize, campaignQueue });
  const passes = startPasses({ ...deps, campaigns }, mongo, producer);
  logger.info({ concurrency: config.worker.concurrency, queuePrefix: keys.queuePrefix }, 'workers started');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight jobs');
    const force = setTimeout(() => {
      logger.error('shutdown timed out; forcing exit');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    try {
      // Waits for the jobs in hand to finish; takes no new ones.
      await Promise.all([
        worker.close(),
        scheduleWorker.close(),
        reviewWorker.close(),
        notificationWorker.close(),
        entries.worker.close(),
        entries.sweep.stop(),
        campaignRepair.stop(),
        passes.stop(),
      ]);
      await Promise.all([
        reviewQueue.close(),
        campaignQueue.close(),
        notificationQueue.close(),
        entries.queue.close(),
      ]);
      metricsServer?.close();
      await Promise.all([...connections.map((c) => closeRedis(c)), mongo.close()]);
      logger.info('workers stopped');
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
 * The periodic passes: each ended day's, week's and month's final ranking written to MongoDB
 * (archives/archiver.ts), and the rewards of participants whose counted votes changed (rewards/).
 */
function startPasses(
  deps: Parameters<typeof startArchiver>[0] & { redis: RedisClient; keys: KeyBuilder },
  mongo: Connection,
  producer: RedisClient,
) {
  const archiver = startArchiver(deps);
  const { redis, keys, ledger } = deps;
  // The rewards pass waits its turn while votes wait (the vote path comes first).
  const voteQueue = createVoteQueue(producer, keys);
  voteQueue.on('error', (error) => logger.warn({ err: error }, 'vote queue error'));
  const votesWaiting = () => voteQueue.getWaitingCount();
  const inFlight = () => votesInFlight(voteQueue);
  const rewards = startRewardPasses({
    redis,
    keys,
    ledger,
    logger,
    votesWaiting,
    votesInFlight: inFlight,
    rewards: rewardModels(mongo),
  });
  return { stop: () => Promise.all([archiver.stop(), rewards.stop()]).then(() => voteQueue.close()) };
}

/** The workers' Redis connections, one per role, each logging its errors. */
function openRedis() {
  const open = (role: 'command' | 'worker' | 'producer', name: string) => {
    const connection = createRedis(config.redis.url, role, name);
    connection.on('error', (error) => logger.warn({ err: error }, 'redis connection error'));
    return connection;
  };
  return {
    redis: open('command', 'workers'),
    workerConnection: open('worker', 'workers'),
    scheduleConnection: open('worker', 'workers-schedule'),
    reviewConnection: open('worker', 'workers-review'),
    notifyConnection: open('worker', 'workers-notify'),
    entryConnection: open('worker', 'workers-entries'),
    producer: open('producer', 'workers-producer'),
  };
}

/** The notifications queue (on the producer connection) and its worker, running. */
function startNotifications(
  deps: { redis: RedisClient; keys: KeyBuilder; mongo: Connection; campaigns: CampaignModel },
  producer: RedisClient,
  connection: RedisClient,
) {
  const notificationQueue = createNotificationQueue(producer, deps.keys);
  notificationQueue.on('error', (error) => logger.warn({ err: error }, 'notification queue error'));
  const notificationWorker = createNotificationWorker(
    {
      ...deps,
      config,
      logger,
      models: notificationModels(deps.mongo),
      entries: entryModels(deps.mongo),
      participants: participantModel(deps.mongo),
      wechat: createWeChatApi({ config, keys: deps.keys, redis: deps.redis, logger }),
      queue: notificationQueue,
    },
    connection,
  );
  void notificationWorker.run();
  return { notificationQueue, notificationWorker };
}

/** The entries queue (on the producer connection), its worker and its sweep, running. */
function startEntries(
  deps: {
    redis: RedisClient;
    keys: KeyBuilder;
    mongo: Connection;
    campaigns: CampaignModel;
    notificationQueue: Queue<NotificationJob>;
  },
  producer: RedisClient,
  { entryConnection }: { entryConnection: RedisClient },
) {
  const queue = createEntryQueue(producer, deps.keys, config.entries.checkRetryMs);
  queue.on('error', (error) => logger.warn({ err: error }, 'entry queue error'));
  const entryDeps = {
    ...deps,
    config,
    logger,
    boards: boardModel(deps.mongo),
    entries: entryModels(deps.mongo),
    pushes: wechatPushModels(deps.mongo),
    wechat: createWeChatApi({ config, keys: deps.keys, redis: deps.redis, logger }),
    queue,
    notify: (entry: { _id: string; campaignId: string }) => queueEntryReviewed(deps.notificationQueue, entry),
    now: Date.now,
  };
  const worker = createEntryWorker(entryDeps, entryConnection);
  void worker.run();
  return { queue, worker, sweep: startEntrySweep(entryDeps) };
}

/**
 * The metrics port, when WORKER_METRICS_PORT is set: never without METRICS_TOKEN, so a worker
 * exposes nothing its operator did not protect.
 */
async function serveMetrics(registry: Registry) {
  const { workerPort, workerHost, token } = config.metrics;
  if (workerPort === undefined) return undefined;
  if (token === undefined) {
    throw new Error('WORKER_METRICS_PORT is set but METRICS_TOKEN is not: set both, or leave the port at 0.');
  }
  const { server, port } = await startMetricsServer(registry, { host: workerHost, port: workerPort, token });
  logger.info({ host: workerHost, port }, 'worker metrics listening');
  return server;
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, 'workers failed to start');
  process.exit(1);
});
