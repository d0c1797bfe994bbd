import { connectMongo, ledgerModel } from '@rallyboard/core/db';
import { createVoteQueue, VOTE_JOB, type VoteJob } from '@rallyboard/core/queue';
import { closeRedis, decodeScore, type RedisClient } from '@rallyboard/core/redis';
import type { Job, Queue } from 'bullmq';
import mongoose, { type Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { eventually, seedBoard, testRedis } from '../../../test/support/stack.js';
import { startTcpProxy, type TcpProxy, throughProxy } from '../../../test/support/tcp-proxy.js';
import { createVoteWorker } from '../../src/votes/vote-worker.js';
import { ledgerOf, openWorkerDeps, queuedVote } from '../support/deps.js';

// No cached risk settings: every batch reads MongoDB, as it does once the cache expires.
const config = testConfig({ WORKER_BATCH_WAIT_MS: '5', RISK_SETTINGS_CACHE_MS: '0' });
let mongo: Connection;
let redis: RedisClient;
const proxies: TcpProxy[] = [];

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  redis = await testRedis(config);
});
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await closeRedis(redis);
  await mongo.close();
});

async function proxyTo(url: string): Promise<TcpProxy> {
  const { hostname, port } = new URL(url);
  const proxy = await startTcpProxy({ host: hostname, port: Number(port) });
  proxies.push(proxy);
  return proxy;
}

/**
 * A vote worker whose MongoDB and Redis command connections go through proxies the test can
 * cut; BullMQ's own connection goes straight to Redis, so the queue keeps working.
 */
async function startWorkerBehindProxies() {
  const mongoProxy = await proxyTo(config.mongo.uri);
  const redisProxy = await proxyTo(config.redis.url);
  // Fail fast while cut, as a store that went away does (no buffering, short server selection).
  const viaProxy = mongoose.createConnection(throughProxy(config.mongo.uri, mongoProxy), {
    serverSelectionTimeoutMS: 300,
    bufferCommands: false,
  });
  viaProxy.on('error', () => {});
  await viaProxy.asPromise();
  const deps = await openWorkerDeps(
    testConfig({ ...envOf(config), REDIS_URL: throughProxy(config.redis.url, redisProxy) }),
    viaProxy,
  );
  const connection = await testRedis(config, 'worker');
  const producer = await testRedis(config, 'producer');
  const queue: Queue<VoteJob> = createVoteQueue(producer, deps.keys);
  const worker = createVoteWorker({ ...deps, config }, connection);
  void worker.run();
  await worker.waitUntilReady();
  return {
    deps,
    queue,
    stores: { MongoDB: mongoProxy, Redis: redisProxy },
    async close() {
      await worker.close();
      await queue.close();
      await Promise.all([closeRedis(connection), closeRedis(producer), deps.close(), viaProxy.close()]);
    },
  };
}

/** The env the test config was made from: the same key prefix and database, with overrides. */
const envOf = (c: typeof config) => ({
  KEY_PREFIX: c.keyPrefix,
  MONGODB_URI: c.mongo.uri,
  WORKER_BATCH_WAIT_MS: '5',
  RISK_SETTINGS_CACHE_MS: '0',
});

/** Waits until `probe` holds of the job; a job that failed for good ends the wait at once. */
async function untilJob(
  queue: Queue<VoteJob>,
  job: Job<VoteJob>,
  probe: (state: string, job: Job<VoteJob>) => boolean,
  what: string,
): Promise<void> {
  await eventually(
    async () => {
      const state = await queue.getJobState(job.id as string);
      const now = await queue.getJob(job.id as string);
      if (state === 'failed') throw new Error(`job failed for good: ${now?.failedReason}`);
      return now !== undefined && probe(state, now);
    },
    40_000,
    what,
  );
}

describe.each(['MongoDB', 'Redis'] as const)(
  'when %s is unreachable while votes are in the queue',
  (store) => {
    it('keeps retrying their jobs past every attempt they have, and counts each vote once it is back', async () => {
      const stack = await startWorkerBehindProxies();
      try {
        const boardId = await seedBoard(config, redis, mongo, ['alice', 'bob']);
        stack.stores[store].cut();
        // Few attempts, short backoff: an outage must not use them up.
        const job = await stack.queue.add(
          VOTE_JOB,
          { boardId, votes: [queuedVote('alice'), queuedVote('bob'), queuedVote('alice')] },
          { attempts: 2, backoff: { type: 'fixed', delay: 50 } },
        );
        await untilJob(stack.queue, job, (_, j) => j.attemptsStarted >= 5, 'five runs during the outage');

        stack.stores[store].restore();
        await untilJob(stack.queue, job, (state) => state === 'completed', 'the job completed');
        const k = stack.deps.keys.board(boardId);
        expect(decodeScore(Number(await redis.zscore(k.scores, 'alice'))).count).toBe(2);
        expect(await redis.get(k.total)).toBe('3');
        const ledger = await ledgerOf({ ledger: ledgerModel(mongo) }, boardId);
        expect(ledger.map((r) => r.verdict)).toEqual(['counted', 'counted', 'counted']);
      } finally {
        await stack.close();
      }
    }, 90_000);
  },
);
