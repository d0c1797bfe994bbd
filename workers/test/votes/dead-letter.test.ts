import { alertModel, connectMongo } from '@rallyboard/core/db';
import { type RiskAlert, riskAlertSchema } from '@rallyboard/core/protocol';
import { createVoteQueue, VOTE_JOB, type VoteJob } from '@rallyboard/core/queue';
import { closeRedis, decodeScore, type RedisClient, readDeadLetters } from '@rallyboard/core/redis';
import type { Job, Queue, Worker } from 'bullmq';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { eventually, seedBoard, testRedis } from '../../../test/support/stack.js';
import { createDeadLetterHandler } from '../../src/votes/dead-letter.js';
import { createVoteWorker, type VoteJobResult } from '../../src/votes/vote-worker.js';
import { openWorkerDeps, queuedVote } from '../support/deps.js';

// A long batch wait, so that jobs taken together are applied in one batch.
const config = testConfig({ WORKER_BATCH_WAIT_MS: '100' });
let mongo: Connection;
let deps: Awaited<ReturnType<typeof openWorkerDeps>>;
let connection: RedisClient;
let producer: RedisClient;
let listener: RedisClient;
let queue: Queue<VoteJob>;
let worker: Worker<VoteJob, VoteJobResult>;
const published: RiskAlert[] = [];

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  deps = await openWorkerDeps(config, mongo);
  [connection, producer, listener] = await Promise.all([
    testRedis(config, 'worker'),
    testRedis(config, 'producer'),
    testRedis(config, 'subscriber'),
  ]);
  await listener.subscribe(deps.keys.riskAlerts);
  listener.on('message', (_channel, message: string) =>
    published.push(riskAlertSchema.parse(JSON.parse(message))),
  );
  queue = createVoteQueue(producer, deps.keys);
  worker = createVoteWorker(deps, connection);
  void worker.run();
  await worker.waitUntilReady();
});
afterAll(async () => {
  await worker.close();
  await queue.close();
  await Promise.all([closeRedis(connection), closeRedis(producer), closeRedis(listener), deps.close()]);
  await mongo.close();
});

async function failedForGood(job: Job<VoteJob>): Promise<void> {
  await eventually(
    async () => (await queue.getJobState(job.id as string)) === 'failed',
    20_000,
    'job failed',
  );
}

/** The workers' Redis connection, whose pipelines fail (a command timeout, say). */
const failingPipelines = (redis: RedisClient): RedisClient =>
  new Proxy(redis, {
    get: (target, prop) => {
      if (prop === 'pipeline') {
        return () => {
          throw new Error('Command timed out');
        };
      }
      const value: unknown = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });

describe('a vote job that fails for good', () => {
  it('is dead-lettered and alerted even when its votes’ markers cannot be kept', async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice']);
    // The job as the failed event hands it over (none is queued: the worker here would take it).
    const job = {
      id: `dl-${boardId}`,
      data: { boardId, votes: [queuedVote('alice')] },
      finishedOn: Date.now(),
    };
    const handle = createDeadLetterHandler({ ...deps, redis: failingPipelines(deps.redis) });
    await handle(job as unknown as Job<VoteJob>, new Error('insertMany failed'));
    expect(await readDeadLetters(deps.redis, deps.keys, boardId)).toEqual({ jobs: 1, votes: 1 });
    expect(await alertModel(mongo).countDocuments({ campaignId: boardId, kind: 'dead-letter' })).toBe(1);
  });

  it("is dead-lettered: counted on its board's dead letters and alerted to its hosts", async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice']);
    // A vote no deploy can decide (an action that does not exist): the job fails at once.
    const job = await queue.add(VOTE_JOB, {
      boardId,
      votes: [queuedVote('alice'), { ...queuedVote('alice'), action: 'boost' }],
    } as unknown as VoteJob);
    await failedForGood(job);

    await eventually(
      async () => (await readDeadLetters(deps.redis, deps.keys, boardId)).jobs === 1,
      10_000,
      'the dead letter recorded',
    );
    expect(await readDeadLetters(deps.redis, deps.keys, boardId)).toEqual({ jobs: 1, votes: 2 });
    await eventually(async () => published.some((a) => a.campaignId === boardId), 10_000, 'the alert');
    const alert = published.find((a) => a.campaignId === boardId);
    expect(alert).toMatchObject({ kind: 'dead-letter', subject: job.id, data: { votes: 2 } });
    expect(alert?.text).toContain('2 accepted votes');
    expect(alert?.advice).toContain('npm run replay');
    const stored = await alertModel(mongo).findById(alert?.id).lean();
    expect(stored?.kind).toBe('dead-letter');
  });
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

describe('a job with a vote accepted after the year 9999', () => {
  it('fails at once as invalid: the job of its board queued with it counts', async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice', 'bob']);
    // No ingest accepts such a vote; an older deploy's or a bug's job might hold one.
    const [fine, bad] = await queue.addBulk([
      { name: VOTE_JOB, data: { boardId, votes: [queuedVote('alice'), queuedVote('bob')] } },
      {
        name: VOTE_JOB,
        data: {
          boardId,
          votes: [queuedVote('bob'), queuedVote('alice', { acceptedAt: Date.UTC(10_000, 0, 1) })],
        },
      },
    ]);
    await eventually(
      async () => (await queue.getJobState(fine?.id as string)) === 'completed',
      10_000,
      'the job queued with it completed',
    );
    expect(await queue.getJob(fine?.id as string)).toMatchObject({
      attemptsStarted: 1,
      returnvalue: { counted: 2 },
    });
    await failedForGood(bad as Job<VoteJob>);
    expect((await queue.getJob(bad?.id as string))?.failedReason).toContain('votes.1.acceptedAt');
    const score = await deps.redis.zscore(deps.keys.board(boardId).scores, 'bob');
    expect(decodeScore(Number(score)).count).toBe(1);
  });
});
