import { type Env, loadConfig } from '@rallyboard/core/config';
import { connectMongo } from '@rallyboard/core/db';
import { dayOf } from '@rallyboard/core/protocol';
import { createVoteQueue, type QueuedVote, VOTE_JOB, type VoteJob } from '@rallyboard/core/queue';
import {
  applyVotes,
  closeRedis,
  dayExpiresAt,
  decodeScore,
  type RedisClient,
  readDeadLetters,
  recordDeadLetter,
} from '@rallyboard/core/redis';
import type { Job, Queue, Worker } from 'bullmq';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../../test/support/commands.js';
import { testEnv } from '../../../test/support/config.js';
import { eventually, seedBoard, testRedis } from '../../../test/support/stack.js';
import { replayDeadLetters } from '../../src/recovery/replay.js';
import { createDeadLetterHandler } from '../../src/votes/dead-letter.js';
import { createVoteWorker } from '../../src/votes/vote-worker.js';
import { deadLetterJob } from '../support/dead-letter.js';
import { ledgerOf, openWorkerDeps, queuedVote } from '../support/deps.js';

const CLI = 'workers/src/recovery/cli.ts';
let mongo: Connection;

beforeAll(async () => {
  mongo = await connectMongo(loadConfig(testEnv()).mongo.uri, 'test');
});
afterAll(async () => {
  await mongo.close();
});

/** A key prefix of its own: its queue, its boards, its deps; the worker is started by the test. */
async function useStack() {
  const env: Env = testEnv({ WORKER_BATCH_WAIT_MS: '5' });
  const config = loadConfig(env);
  const deps = await openWorkerDeps(config, mongo);
  const producer = await testRedis(config, 'producer');
  const queue: Queue<VoteJob> = createVoteQueue(producer, deps.keys);
  const connections: RedisClient[] = [producer];
  const workers: Worker[] = [];
  return {
    env,
    config,
    deps,
    queue,
    deadLetter: (data: VoteJob) => deadLetterJob(config, queue, data),
    async startWorker(): Promise<void> {
      const connection = await testRedis(config, 'worker');
      connections.push(connection);
      const worker = createVoteWorker(deps, connection);
      workers.push(worker);
      void worker.run();
      await worker.waitUntilReady();
    },
    state: (job: Job<VoteJob>) => queue.getJobState(job.id as string),
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await queue.close();
      await Promise.all([...connections.map(closeRedis), deps.close()]);
    },
  };
}

/** Applies a vote in Redis only, as a worker did before its ledger write failed. */
async function appliedInRedisOnly(
  stack: Awaited<ReturnType<typeof useStack>>,
  boardId: string,
  vote: QueuedVote,
  dedupTtlSeconds = 3_600,
) {
  const result = await applyVotes(
    stack.deps.redis,
    stack.deps.keys,
    boardId,
    [
      {
        mode: 'n',
        voteId: vote.voteId,
        candidateId: vote.candidateId,
        action: vote.action,
        day: dayOf(vote.acceptedAt, 'Asia/Shanghai'),
        dayExpiresAt: dayExpiresAt(vote.acceptedAt, stack.config.boards.dailyRetentionDays),
      },
    ],
    { dedupTtlSeconds, origin: 'test' },
  );
  expect(result.outcome).toBe('applied');
}

describe('npm run replay', () => {
  it("sends one board's dead-lettered jobs back to the queue, counting each vote once; --all the rest", async () => {
    const stack = await useStack();
    try {
      const [a, b] = [
        await seedBoard(stack.config, stack.deps.redis, mongo, ['alice']),
        await seedBoard(stack.config, stack.deps.redis, mongo, ['alice']),
      ];
      const first = queuedVote('alice');
      await appliedInRedisOnly(stack, a, first);
      const jobA = await stack.deadLetter({ boardId: a, votes: [first, queuedVote('alice')] });
      const jobB = await stack.deadLetter({ boardId: b, votes: [queuedVote('alice')] });
      await stack.startWorker();

      const one = await runCommand(CLI, ['replay', a], stack.env);
      expect(one.stderr).toBe('');
      expect(one.stdout).toContain('replayed 2 vote(s) in 1 dead-lettered job(s)');
      expect(one.code).toBe(0);
      await eventually(async () => (await stack.state(jobA)) === 'completed', 20_000, 'job A completed');
      expect(await stack.state(jobB)).toBe('failed');
      const k = stack.deps.keys.board(a);
      expect(decodeScore(Number(await stack.deps.redis.zscore(k.scores, 'alice'))).count).toBe(2);
      expect((await ledgerOf(stack.deps, a)).map((r) => [r._id, r.verdict, r.seq])).toEqual([
        [first.voteId, 'counted', 1],
        [jobA.data.votes[1]?.voteId, 'counted', 2],
      ]);

      const all = await runCommand(CLI, ['replay', '--all'], stack.env);
      expect(all.stdout).toContain('replayed 1 vote(s) in 1 dead-lettered job(s)');
      await eventually(async () => (await stack.state(jobB)) === 'completed', 20_000, 'job B completed');
      expect(await readDeadLetters(stack.deps.redis, stack.deps.keys, b)).toEqual({ jobs: 0, votes: 0 });
    } finally {
      await stack.close();
    }
  }, 60_000);

  it('counts a vote applied before its job failed for good once, when the replay comes after its marker would have expired', async () => {
    const stack = await useStack();
    try {
      const boardId = await seedBoard(stack.config, stack.deps.redis, mongo, ['alice']);
      const vote = queuedVote('alice');
      // Counted in Redis, its ledger write failed for good; its marker lives 2 s here (30 days
      // by default), and the job is dead-lettered by the workers' handler as it would be.
      await appliedInRedisOnly(stack, boardId, vote, 2);
      const job = await stack.deadLetter({ boardId, votes: [vote] });
      await createDeadLetterHandler(stack.deps)(job, new Error('insertMany failed'));
      await new Promise((resolve) => setTimeout(resolve, 2_500));

      await stack.startWorker();
      expect(await replayDeadLetters({ ...stack.deps, queue: stack.queue }, boardId)).toMatchObject({
        votes: 1,
      });
      await eventually(async () => (await stack.state(job)) === 'completed', 20_000, 'the job completed');
      const k = stack.deps.keys.board(boardId);
      expect(decodeScore(Number(await stack.deps.redis.zscore(k.scores, 'alice'))).count).toBe(1);
      expect((await ledgerOf(stack.deps, boardId)).map((r) => [r._id, r.verdict, r.seq])).toEqual([
        [vote.voteId, 'counted', 1],
      ]);
      // Replayed, the marker lives its usual life again.
      expect(await stack.deps.redis.ttl(k.vote(vote.voteId))).toBeGreaterThan(60);
    } finally {
      await stack.close();
    }
  }, 60_000);

  it('sends a job back with its attempts given back, as new, so one more failure is not its last', async () => {
    const stack = await useStack();
    try {
      const boardId = await seedBoard(stack.config, stack.deps.redis, mongo, ['alice']);
      const job = await stack.deadLetter({ boardId, votes: [queuedVote('alice')] });
      expect((await stack.queue.getJob(job.id as string))?.attemptsMade).toBe(1);
      expect(await replayDeadLetters({ ...stack.deps, queue: stack.queue }, boardId)).toMatchObject({
        jobs: 1,
      });
      const replayed = await stack.queue.getJob(job.id as string);
      expect(replayed).toMatchObject({ attemptsMade: 0, attemptsStarted: 0 });
      expect(await stack.state(job)).toBe('waiting');
    } finally {
      await stack.close();
    }
  });

  it('keeps a job that fails for good again at once on its dead letters, for the monitor and the alert', async () => {
    const stack = await useStack();
    try {
      const boardId = await seedBoard(stack.config, stack.deps.redis, mongo, ['alice']);
      // Data no deploy can decide (an action that does not exist): every run fails for good.
      const bad = { ...queuedVote('alice'), action: 'dance' } as unknown as QueuedVote;
      const job = await stack.deadLetter({ boardId, votes: [bad] });
      await recordDeadLetter(stack.deps.redis, stack.deps.keys, boardId, { id: job.id as string, votes: 1 });
      await stack.startWorker();
      // Each replayed job is seen failing for good again, its dead letter recorded, before the
      // replay goes on to the next: the order a fast worker gives it.
      const failsAgainAtOnce = {
        getFailed: async (start: number, end: number) =>
          (await stack.queue.getFailed(start, end)).map((failed) =>
            Object.assign(failed, {
              retry: async (...args: Parameters<Job<VoteJob>['retry']>) => {
                await Object.getPrototypeOf(failed).retry.apply(failed, args);
                await eventually(
                  async () =>
                    (await stack.state(failed)) === 'failed' &&
                    (await readDeadLetters(stack.deps.redis, stack.deps.keys, boardId)).jobs === 1,
                  20_000,
                  'the job failed and dead-lettered again',
                );
              },
            }),
          ),
      } as unknown as Queue<VoteJob>;

      expect(await replayDeadLetters({ ...stack.deps, queue: failsAgainAtOnce }, boardId)).toMatchObject({
        jobs: 1,
      });
      expect(await stack.state(job)).toBe('failed');
      expect(await readDeadLetters(stack.deps.redis, stack.deps.keys, boardId)).toEqual({
        jobs: 1,
        votes: 1,
      });
    } finally {
      await stack.close();
    }
  }, 60_000);

  it('refuses a call without a board or --all', async () => {
    const { code, stderr } = await runCommand(CLI, ['replay'], testEnv());
    expect(code).toBe(2);
    expect(stderr).toContain('npm run replay -- <boardId>|--all');
  });
});

describe('npm run reconcile', () => {
  it("finds a board's dead-lettered and long-queued votes, replays them, reports them and exits 1", async () => {
    const stack = await useStack();
    try {
      const boardId = await seedBoard(stack.config, stack.deps.redis, mongo, ['alice']);
      await stack.deadLetter({ boardId, votes: [queuedVote('alice')] });
      // A job waiting out a long backoff.
      const waiting = await stack.queue.add(
        VOTE_JOB,
        { boardId, votes: [queuedVote('alice'), queuedVote('alice')] },
        { delay: 600_000 },
      );
      await stack.startWorker();

      const found = await runCommand(CLI, ['reconcile', boardId, '--older-than', '0'], stack.env);
      expect(found.stdout).toContain('undecided: 1 dead-lettered vote(s) in 1 job(s), replayed');
      expect(found.stdout).toContain('2 vote(s) in 1 job(s) queued too long');
      expect(found.stdout).toContain('1 delayed job(s) run now');
      expect(found.code).toBe(1);
      await eventually(
        async () => (await stack.state(waiting)) === 'completed',
        20_000,
        'the delayed job run',
      );
      await eventually(
        async () => (await stack.deps.redis.get(stack.deps.keys.board(boardId).total)) === '3',
      );

      const settled = await runCommand(CLI, ['reconcile', boardId], stack.env);
      expect(settled.stdout).toContain('no drift');
      expect(settled.stdout).toContain('no undecided votes');
      expect(settled.code).toBe(0);
    } finally {
      await stack.close();
    }
  }, 60_000);
});
