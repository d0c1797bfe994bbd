import { randomUUID } from 'node:crypto';
import type { Config } from '@rallyboard/core/config';
import { connectMongo } from '@rallyboard/core/db';
import { createVoteQueue, VOTE_JOB, VOTE_JOB_OPTIONS, type VoteJob } from '@rallyboard/core/queue';
import { closeRedis, decodeScore, fenceBoard, liftFence, registerBoard } from '@rallyboard/core/redis';
import type { Job, Queue, Worker } from 'bullmq';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { randomId, testConfig } from '../../../test/support/config.js';
import { eventually, seedBoard, testRedis } from '../../../test/support/stack.js';
import { createVoteWorker, type VoteJobResult } from '../../src/votes/vote-worker.js';
import { ledgerOf, loseBoardState, openWorkerDeps, queuedVote } from '../support/deps.js';

const config = testConfig({ FENCE_RETRY_MS: '100', WORKER_BATCH_WAIT_MS: '20' });
let mongo: Connection;

/** A running vote worker and a producer queue on one isolated prefix. */
async function startWorker(workerConfig: Config, options: { run?: boolean } = {}) {
  const deps = await openWorkerDeps(workerConfig, mongo);
  const connection = await testRedis(workerConfig, 'worker');
  const producer = await testRedis(workerConfig, 'producer');
  const queue: Queue<VoteJob> = createVoteQueue(producer, deps.keys);
  const worker: Worker<VoteJob, VoteJobResult> = createVoteWorker(deps, connection);
  const start = async () => {
    void worker.run();
    await worker.waitUntilReady();
  };
  if (options.run !== false) await start();
  return {
    deps,
    queue,
    worker,
    start,
    async close() {
      await worker.close();
      await queue.close();
      await Promise.all([closeRedis(connection), closeRedis(producer), deps.close()]);
    },
  };
}

let shared: Awaited<ReturnType<typeof startWorker>>;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  shared = await startWorker(config);
});
afterAll(async () => {
  await shared.close();
  await mongo.close();
});

const addJob = (queue: Queue<VoteJob>, data: VoteJob) => queue.add(VOTE_JOB, data);

/** The job as it is now. */
async function reload(queue: Queue<VoteJob>, job: Job<VoteJob>): Promise<Job<VoteJob, VoteJobResult>> {
  const now = await queue.getJob(job.id as string);
  if (!now) throw new Error(`job ${job.id} is gone`);
  return now as Job<VoteJob, VoteJobResult>;
}

/** Waits until the job is in `state` (and `also` holds), and returns it then. */
async function until(
  queue: Queue<VoteJob>,
  job: Job<VoteJob>,
  state: 'completed' | 'failed' | 'delayed',
  also: (job: Job<VoteJob, VoteJobResult>) => boolean = () => true,
): Promise<Job<VoteJob, VoteJobResult>> {
  let last: Job<VoteJob, VoteJobResult> | undefined;
  await eventually(
    async () => {
      // State first, then the job: what the job says is then from that state or later.
      if ((await queue.getJobState(job.id as string)) !== state) return false;
      last = await reload(queue, job);
      return also(last);
    },
    20_000,
    `job ${job.id} ${state}`,
  );
  return last as Job<VoteJob, VoteJobResult>;
}

async function countOf(boardId: string, candidateId: string) {
  const score = await shared.deps.redis.zscore(shared.deps.keys.board(boardId).scores, candidateId);
  return score === null ? null : decodeScore(Number(score)).count;
}

async function registrationOf(boardId: string) {
  const board = await shared.deps.boards.findById(boardId).lean();
  if (!board) throw new Error(`no board ${boardId}`);
  return {
    boardId,
    title: board.title,
    kind: board.kind,
    timezone: board.timezone,
    dailyRetentionDays: board.dailyRetentionDays,
    candidateIds: board.members.map((m) => m.candidateId),
  };
}

describe('the vote worker', () => {
  it("counts a job's votes and completes it with a summary of their verdicts", async () => {
    const boardId = await seedBoard(config, shared.deps.redis, mongo, ['alice', 'bob']);
    const job = await addJob(shared.queue, {
      boardId,
      votes: [queuedVote('alice'), queuedVote('alice'), queuedVote('mallory')],
    });
    const done = await until(shared.queue, job, 'completed');
    expect(done.returnvalue).toEqual({ counted: 2, unchanged: 0, held: 0, rejected: 1, duplicates: 0 });
    expect(await countOf(boardId, 'alice')).toBe(2);
    expect(
      (await ledgerOf(shared.deps, boardId)).map((r) => [r.candidateId, r.verdict, r.seq ?? null]),
    ).toEqual([
      ['mallory', 'rejected', null],
      ['alice', 'counted', 1],
      ['alice', 'counted', 2],
    ]);
  });

  it('completes a job whose board MongoDB does not know, its votes rejected', async () => {
    const job = await addJob(shared.queue, { boardId: randomId('nowhere'), votes: [queuedVote('alice')] });
    const done = await until(shared.queue, job, 'completed');
    expect(done.returnvalue).toEqual({ counted: 0, unchanged: 0, held: 0, rejected: 1, duplicates: 0 });
  });

  it('gathers the votes of jobs processed together into fewer script calls and ledger writes', async () => {
    // A queue of its own, filled before its worker starts, so the jobs are all there at once.
    const gathering = await startWorker(
      testConfig({ WORKER_BATCH_WAIT_MS: '100', WORKER_CONCURRENCY: '16' }),
      { run: false },
    );
    try {
      const scriptCalls = vi.spyOn(
        gathering.deps.redis as unknown as { applyVotes: (...args: unknown[]) => unknown },
        'applyVotes',
      );
      const ledgerWrites = vi.spyOn(gathering.deps.ledger.collection, 'insertMany');
      const boards = await Promise.all([
        seedBoard(gathering.deps.config, gathering.deps.redis, mongo, ['alice', 'bob']),
        seedBoard(gathering.deps.config, gathering.deps.redis, mongo, ['alice', 'bob']),
      ]);
      const jobs = await gathering.queue.addBulk(
        Array.from({ length: 6 }, (_, i) => ({
          name: VOTE_JOB,
          data: { boardId: boards[i % 2] as string, votes: [queuedVote('alice'), queuedVote('bob')] },
        })),
      );
      await gathering.start();
      for (const job of jobs) await until(gathering.queue, job, 'completed');

      expect(ledgerWrites.mock.calls.length).toBeLessThan(jobs.length);
      expect(scriptCalls.mock.calls.length).toBeLessThan(jobs.length);
      const written = ledgerWrites.mock.calls.flatMap((call) => call[0] as unknown as { _id: string }[]);
      expect(written.map((r) => r._id).sort()).toEqual(
        jobs.flatMap((j) => j.data.votes.map((v) => v.voteId)).sort(),
      );
      const k = (boardId: string) => gathering.deps.keys.board(boardId);
      for (const boardId of boards) {
        expect(await gathering.deps.redis.get(k(boardId).seq)).toBe('6');
        expect(await gathering.deps.redis.get(k(boardId).total)).toBe('6');
      }
    } finally {
      vi.restoreAllMocks();
      await gathering.close();
    }
  });

  it('puts a job whose board Redis lost back to delayed without using up attempts, and counts it once the board is restored', async () => {
    const boardId = await seedBoard(config, shared.deps.redis, mongo, ['alice', 'bob']);
    await loseBoardState(shared.deps.redis, shared.deps.keys, boardId);
    const job = await addJob(shared.queue, { boardId, votes: [queuedVote('alice'), queuedVote('bob')] });

    // Run and put back more times than the job has attempts, and still neither failed nor counted.
    const waiting = await until(
      shared.queue,
      job,
      'delayed',
      (j) => j.attemptsStarted > VOTE_JOB_OPTIONS.attempts,
    );
    expect(waiting.attemptsMade).toBe(0);
    expect(waiting.failedReason).toBeUndefined();
    expect(await shared.deps.redis.exists(shared.deps.keys.board(boardId).meta)).toBe(0);

    await registerBoard(shared.deps.redis, shared.deps.keys, await registrationOf(boardId));
    const done = await until(shared.queue, job, 'completed');
    expect(done.returnvalue).toEqual({ counted: 2, unchanged: 0, held: 0, rejected: 0, duplicates: 0 });
    expect(await countOf(boardId, 'alice')).toBe(1);
    expect(await countOf(boardId, 'bob')).toBe(1);
  });

  it('puts a job of a fenced board back to delayed, and counts it once the fence lifts', async () => {
    const boardId = await seedBoard(config, shared.deps.redis, mongo, ['alice']);
    const token = randomUUID();
    await fenceBoard(shared.deps.redis, shared.deps.keys, await registrationOf(boardId), {
      token,
      ttlMs: 60_000,
    });
    const job = await addJob(shared.queue, { boardId, votes: [queuedVote('alice')] });
    const waiting = await until(shared.queue, job, 'delayed', (j) => j.attemptsStarted >= 2);
    expect(waiting.attemptsMade).toBe(0);
    expect(await countOf(boardId, 'alice')).toBe(0);

    await liftFence(shared.deps.redis, shared.deps.keys, boardId, token);
    const done = await until(shared.queue, job, 'completed');
    expect(done.returnvalue).toEqual({ counted: 1, unchanged: 0, held: 0, rejected: 0, duplicates: 0 });
    expect(await countOf(boardId, 'alice')).toBe(1);
  });

  it('fails a job with invalid data at once, without retrying it', async () => {
    const job = await addJob(shared.queue, { boardId: '{bad}', votes: [] } as VoteJob);
    const failed = await until(shared.queue, job, 'failed');
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toMatch(/^invalid vote job: /);
    expect(failed.failedReason).toContain('data.boardId');
    expect(failed.failedReason).toContain('data.votes');
  });

  it('fails a job with an invalid vote in it, applying none of its votes', async () => {
    const boardId = await seedBoard(config, shared.deps.redis, mongo, ['alice']);
    const job = await addJob(shared.queue, {
      boardId,
      votes: [queuedVote('alice'), { ...queuedVote('alice'), action: 'boost' }],
    } as unknown as VoteJob);
    const failed = await until(shared.queue, job, 'failed');
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toContain('data.votes.1.action');
    expect(await countOf(boardId, 'alice')).toBe(0);
  });

  it('answers duplicates for a job run again, counting nothing twice and leaving the ledger as it was', async () => {
    const boardId = await seedBoard(config, shared.deps.redis, mongo, ['alice', 'bob']);
    const job = await addJob(shared.queue, { boardId, votes: [queuedVote('alice'), queuedVote('bob')] });
    await until(shared.queue, job, 'completed');
    const ledger = await ledgerOf(shared.deps, boardId);
    const seq = await shared.deps.redis.get(shared.deps.keys.board(boardId).seq);

    await (await reload(shared.queue, job)).retry('completed');
    const again = await until(shared.queue, job, 'completed', (j) => j.returnvalue?.duplicates === 2);
    expect(again.returnvalue).toEqual({ counted: 2, unchanged: 0, held: 0, rejected: 0, duplicates: 2 });
    // The same votes in another job are duplicates too.
    const copy = await addJob(shared.queue, job.data);
    expect((await until(shared.queue, copy, 'completed')).returnvalue?.duplicates).toBe(2);

    expect(await shared.deps.redis.get(shared.deps.keys.board(boardId).seq)).toBe(seq);
    expect(await countOf(boardId, 'alice')).toBe(1);
    expect(await ledgerOf(shared.deps, boardId)).toEqual(ledger);
  });
});
