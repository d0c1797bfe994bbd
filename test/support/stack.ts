import type { AddressInfo } from 'node:net';
import type { Config } from '@rallyboard/core/config';
import { archiveModels, boardModel, connectMongo, ledgerModel } from '@rallyboard/core/db';
import { createLogger, type Logger } from '@rallyboard/core/logger';
import { type BoardKind, groupIdOf } from '@rallyboard/core/protocol';
import {
  createCampaignQueue,
  createEntryQueue,
  createNotificationQueue,
  createReviewQueue,
  createVoteQueue,
} from '@rallyboard/core/queue';
import {
  type BoardQuotas,
  closeRedis,
  createKeys,
  createRedis,
  type RedisClient,
  registerBoard,
  waitForReady,
} from '@rallyboard/core/redis';
import type { Connection } from 'mongoose';
import { createApp } from '../../server/src/app.js';
import type { AppDeps } from '../../server/src/deps.js';
import type { Api } from '../../server/src/http/api.js';
import type { RealtimeServer } from '../../server/src/realtime/types.js';
import type { WorkerDeps } from '../../workers/src/deps.js';
import { createReviewWorker } from '../../workers/src/review/review-worker.js';
import { createVoteWorker } from '../../workers/src/votes/vote-worker.js';
import { randomId } from './config.js';

/** Opens a Redis connection for a test and waits until it is ready. */
export async function testRedis(
  config: Config,
  role: Parameters<typeof createRedis>[1] = 'command',
): Promise<RedisClient> {
  const redis = createRedis(config.redis.url, role, 'test');
  redis.on('error', () => {});
  await waitForReady(redis);
  return redis;
}

export interface TestServer {
  url: string;
  deps: AppDeps;
  io: RealtimeServer;
  /** The routes the server defines (see server/src/http/api.ts). */
  api: Api;
  close(): Promise<void>;
}

/**
 * The real server (createApp) on port 0 with real, isolated connections.
 * @param options.logger a logger of the test's own (e.g. one that keeps the access log's lines)
 */
export async function startTestServer(
  config: Config,
  mongo?: Connection,
  options: { logger?: Logger; now?: () => number } = {},
): Promise<TestServer> {
  const keys = createKeys(config.keyPrefix);
  const logger = options.logger ?? createLogger(config, 'server', 'test');
  const [redis, subscriber, producer] = await Promise.all([
    testRedis(config, 'command'),
    testRedis(config, 'subscriber'),
    testRedis(config, 'producer'),
  ]);
  const ownMongo = mongo === undefined;
  const connection = mongo ?? (await connectMongo(config.mongo.uri, 'test-server'));
  const voteQueue = createVoteQueue(producer, keys);
  voteQueue.on('error', () => {});
  const campaignQueue = createCampaignQueue(producer, keys);
  campaignQueue.on('error', () => {});
  const reviewQueue = createReviewQueue(producer, keys);
  reviewQueue.on('error', () => {});
  const notificationQueue = createNotificationQueue(producer, keys);
  const entryQueue = createEntryQueue(producer, keys, config.entries.checkRetryMs);
  entryQueue.on('error', () => {});
  notificationQueue.on('error', () => {});
  const deps: AppDeps = {
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
    mongo: connection,
    ...(options.now ? { now: options.now } : {}),
  };
  const { httpServer, io, relay, api } = createApp(deps);
  await relay.start();
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const { port } = httpServer.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    deps,
    io,
    api,
    async close() {
      await relay.stop();
      await new Promise<void>((resolve) => {
        io.close(() => resolve());
      });
      await Promise.all([
        voteQueue.close(),
        campaignQueue.close(),
        reviewQueue.close(),
        notificationQueue.close(),
        entryQueue.close(),
      ]);
      await Promise.all([closeRedis(redis), closeRedis(subscriber), closeRedis(producer)]);
      if (ownMongo) await connection.close();
    },
  };
}

/** An in-process vote worker on the same isolated prefix. */
export async function startTestWorker(config: Config, mongo: Connection, extra: Partial<WorkerDeps> = {}) {
  const keys = createKeys(config.keyPrefix);
  const redis = await testRedis(config, 'command');
  const connection = await testRedis(config, 'worker');
  const reviewConnection = await testRedis(config, 'worker');
  const producer = await testRedis(config, 'producer');
  const ledger = ledgerModel(mongo);
  const reviewQueue = createReviewQueue(producer, keys);
  reviewQueue.on('error', () => {});
  const deps = {
    config,
    logger: createLogger(config, 'workers', 'test'),
    redis,
    keys,
    ledger,
    boards: boardModel(mongo),
    archives: archiveModels(mongo),
    instanceId: 'test-worker',
    reviewQueue,
    ...extra,
  };
  const worker = createVoteWorker(deps, connection);
  const reviewWorker = createReviewWorker(deps, reviewConnection);
  void worker.run();
  void reviewWorker.run();
  await Promise.all([worker.waitUntilReady(), reviewWorker.waitUntilReady()]);
  return {
    worker,
    reviewWorker,
    reviewQueue,
    async close() {
      await Promise.all([worker.close(), reviewWorker.close()]);
      await reviewQueue.close();
      await Promise.all([
        closeRedis(redis),
        closeRedis(connection),
        closeRedis(reviewConnection),
        closeRedis(producer),
      ]);
    },
  };
}

/** Registers a board with the given candidates in Redis and in the boards collection. */
export async function seedBoard(
  config: Config,
  redis: RedisClient,
  mongo: Connection,
  candidateIds: string[] = ['alice', 'bob', 'carol'],
  options: {
    kind?: BoardKind;
    timezone?: string;
    boardId?: string;
    quotas?: BoardQuotas;
    /** 1 Monday … 7 Sunday; absent: Monday, as on a board made before weekly rankings. */
    weekStartsOn?: number;
    /** Candidate id → its group's name, for candidates in a group. */
    groups?: Record<string, string>;
  } = {},
): Promise<string> {
  const boardId = options.boardId ?? randomId('board');
  const kind = options.kind ?? 'vote';
  const timezone = options.timezone ?? 'Asia/Shanghai';
  await boardModel(mongo).create({
    _id: boardId,
    title: `test ${boardId}`,
    kind,
    timezone,
    dailyRetentionDays: config.boards.dailyRetentionDays,
    members: candidateIds.map((candidateId) => ({
      candidateId,
      name: candidateId,
      ...(options.groups?.[candidateId] === undefined ? {} : { group: options.groups[candidateId] }),
    })),
    ...(options.quotas ? { quotas: options.quotas } : {}),
    ...(options.weekStartsOn ? { weekStartsOn: options.weekStartsOn } : {}),
  });
  await registerBoard(redis, createKeys(config.keyPrefix), {
    boardId,
    title: `test ${boardId}`,
    kind,
    timezone,
    dailyRetentionDays: config.boards.dailyRetentionDays,
    candidateIds,
    quotas: options.quotas,
    weekStartsOn: options.weekStartsOn,
    groups: new Map(Object.entries(options.groups ?? {}).map(([id, name]) => [id, groupIdOf(name)])),
  });
  return boardId;
}

/** Polls until `probe` returns true, or fails after `timeoutMs`. */
export async function eventually(
  probe: () => Promise<boolean>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
