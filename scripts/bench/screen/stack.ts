// The screen benchmark's stack, all in this process: one server (createApp) and one vote worker on
// the local Redis and FerretDB, with the run's own key prefix and database; and its campaign.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { type Config, loadConfig } from '@rallyboard/core/config';
import { archiveModels, boardModel, connectMongo, ledgerModel } from '@rallyboard/core/db';
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
  type KeyBuilder,
  type RedisClient,
  registerBoard,
  waitForReady,
} from '@rallyboard/core/redis';
import { createApp } from '@rallyboard/server/app';
import { createVoteWorker } from '@rallyboard/workers/votes';
import type { Connection } from 'mongoose';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { startServices } from '../../services/index.js';
import { buildWeb } from '../../web/build.js';

export interface ScreenStack {
  config: Config;
  keys: KeyBuilder;
  /** A command connection of the server's. */
  redis: RedisClient;
  mongo: Connection;
  /** The server's address, http://127.0.0.1:<port>. */
  url: string;
  /** Stops the worker and the server, and drops the run's database. */
  stop(): Promise<void>;
}

export async function startScreenStack(): Promise<ScreenStack> {
  const prefix = `bench${randomBytes(3).toString('hex')}`;
  const base = loadConfig();
  await startServices(base);
  const mongoUrl = new URL(base.mongo.uri);
  mongoUrl.pathname = `/rallyboard_bench_screen`;
  const config = loadConfig({
    ...process.env,
    KEY_PREFIX: prefix,
    LOG_LEVEL: 'silent',
    RELAY_TICK_MS: '20',
    TRUST_PROXY: 'loopback',
    RATE_LIMIT_PER_IP: '0',
    RATE_LIMIT_PER_DEVICE: '0',
    RATE_LIMIT_PER_VOTER: '0',
    MONGODB_URI: mongoUrl.toString(),
    // The stack signs its own tokens: a random secret, as the server refuses a weak or missing one.
    JWT_SECRET: process.env.JWT_SECRET || randomBytes(48).toString('base64'),
  });
  await buildWeb();
  const keys = createKeys(config.keyPrefix);
  const redis = async (role: Parameters<typeof createRedis>[1]) => {
    const r = createRedis(config.redis.url, role, 'bench');
    r.on('error', () => {});
    await waitForReady(r);
    return r;
  };
  const [command, subscriber, producer, workerConn, workerCmd] = await Promise.all([
    redis('command'),
    redis('subscriber'),
    redis('producer'),
    redis('worker'),
    redis('command'),
  ]);
  const mongo = await connectMongo(config.mongo.uri, 'bench-screen');
  const logger = createLogger(config, 'server', 'bench');
  const voteQueue = createVoteQueue(producer, keys);
  const campaignQueue = createCampaignQueue(producer, keys);
  const reviewQueue = createReviewQueue(producer, keys);
  const notificationQueue = createNotificationQueue(producer, keys);
  const entryQueue = createEntryQueue(producer, keys, config.entries.checkRetryMs);
  const { httpServer, relay, io } = createApp({
    config,
    logger,
    keys,
    redis: command,
    subscriber,
    voteQueue,
    campaignQueue,
    reviewQueue,
    notificationQueue,
    entryQueue,
    mongo,
  });
  await relay.start();
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  const worker = createVoteWorker(
    {
      config,
      logger: createLogger(config, 'workers', 'bench'),
      redis: workerCmd,
      keys,
      ledger: ledgerModel(mongo),
      boards: boardModel(mongo),
      archives: archiveModels(mongo),
      instanceId: 'bench-worker',
      reviewQueue,
    },
    workerConn,
  );
  void worker.run();
  await worker.waitUntilReady();

  const stop = async () => {
    await worker.close();
    await relay.stop();
    await new Promise<void>((resolve) => io.close(() => resolve()));
    await Promise.all([
      voteQueue.close(),
      campaignQueue.close(),
      reviewQueue.close(),
      notificationQueue.close(),
      entryQueue.close(),
    ]);
    await Promise.all([command, subscriber, producer, workerConn, workerCmd].map((r) => closeRedis(r)));
    await mongo.dropDatabase();
    await mongo.close();
  };
  return { config, keys, redis: command, mongo, url, stop };
}

/** A live campaign of 20 candidates and its board; answers its id and the candidates' ids. */
export async function seedCampaign(
  stack: ScreenStack,
): Promise<{ campaignId: string; candidateIds: string[] }> {
  const { config, keys, redis: command, mongo } = stack;
  const campaignId = `c${randomBytes(6).toString('hex')}`;
  const candidateIds = Array.from({ length: 20 }, (_, i) => `m${String(i + 1).padStart(2, '0')}`);
  const board = { title: '基准测试', kind: 'vote' as const, timezone: 'Asia/Shanghai' };
  await boardModel(mongo).create({
    _id: campaignId,
    ...board,
    dailyRetentionDays: config.boards.dailyRetentionDays,
    members: candidateIds.map((candidateId) => ({ candidateId, name: candidateId })),
  });
  await registerBoard(command, keys, {
    boardId: campaignId,
    ...board,
    dailyRetentionDays: config.boards.dailyRetentionDays,
    candidateIds,
  });
  await createLiveCampaign(mongo, campaignId, {
    title: '大屏基准测试',
    members: candidateIds.map((candidateId, i) => ({ candidateId, name: `选手${i + 1}` })),
    createdBy: 'h-bench',
  });
  return { campaignId, candidateIds };
}
