import { connectMongo } from '@rallyboard/core/db';
import { createVoteQueue, VOTE_JOB, type VoteJob } from '@rallyboard/core/queue';
import { closeRedis, decodeScore, type RedisClient } from '@rallyboard/core/redis';
import type { Queue, Worker } from 'bullmq';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { eventually, seedBoard, testRedis } from '../../../test/support/stack.js';
import { createVoteWorker, type VoteJobResult } from '../../src/votes/vote-worker.js';
import { openWorkerDeps, queuedVote } from '../support/deps.js';

// A long batch wait, so that jobs taken together are applied in one batch.
const config = testConfig({ WORKER_BATCH_WAIT_MS: '100' });
let mongo: Connection;
let deps: Awaited<ReturnType<typeof openWorkerDeps>>;
let connection: RedisClient;
let producer: RedisClient;
let queue: Queue<VoteJob>;
let worker: Worker<VoteJob, VoteJobResult>;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  deps = await openWorkerDeps(config, mongo);
  [connection, producer] = await Promise.all([testRedis(config, 'worker'), testRedis(config, 'producer')]);
  queue = createVoteQueue(producer, deps.keys);
  worker = createVoteWorker(deps, connection);
  void worker.run();
  await worker.waitUntilReady();
});
afterAll(async () => {
  await worker.close();
  await queue.close();
  await Promise.all([closeRedis(connection), closeRedis(producer), deps.close()]);
  await mongo.close();
});

describe('a batch with one board that cannot be applied', () => {
  it("fails that board's job only: the jobs batched with it count", async () => {
    const healthy = await seedBoard(config, deps.redis, mongo, ['alice']);
    const damaged = await seedBoard(config, deps.redis, mongo, ['alice']);
    // Its ranking's key holds a string: its script fails on every run (WRONGTYPE).
    await deps.redis.set(deps.keys.board(damaged).scores, 'not a ranking');
    const [good, bad] = await queue.addBulk([
      { name: VOTE_JOB, data: { boardId: healthy, votes: [queuedVote('alice'), queuedVote('alice')] } },
      { name: VOTE_JOB, data: { boardId: damaged, votes: [queuedVote('alice')] } },
    ]);
    await eventually(
      async () => (await queue.getJobState(good?.id as string)) === 'completed',
      10_000,
      'the healthy job completed',
    );
    const done = await queue.getJob(good?.id as string);
    // On its first run (applied again on its own, after the batch failed: duplicates the second time).
    expect(done).toMatchObject({ attemptsStarted: 1, returnvalue: { counted: 2 } });
    const score = await deps.redis.zscore(deps.keys.board(healthy).scores, 'alice');
    expect(decodeScore(Number(score)).count).toBe(2);
    await eventually(
      async () => ((await queue.getJob(bad?.id as string))?.attemptsMade ?? 0) >= 1,
      10_000,
      "the damaged board's job failed",
    );
    expect(await queue.getJobState(bad?.id as string)).not.toBe('completed');
  });
});
