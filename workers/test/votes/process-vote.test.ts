import { connectMongo, ledgerModel } from '@rallyboard/core/db';
import { createLogger } from '@rallyboard/core/logger';
import { createVoteQueue, VOTE_JOB, type VoteJob, voteJobId } from '@rallyboard/core/queue';
import { closeRedis, createKeys } from '@rallyboard/core/redis';
import { UnrecoverableError } from 'bullmq';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../test/support/config.js';
import { seedBoard, testRedis } from '../../../test/support/stack.js';
import type { WorkerDeps } from '../../src/deps.js';
import { processVote } from '../../src/votes/process-vote.js';

const config = testConfig();
const keys = createKeys(config.keyPrefix);
let mongo: Connection;
let deps: WorkerDeps;
let queue: ReturnType<typeof createVoteQueue>;
let boardId: string;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  const redis = await testRedis(config);
  const producer = await testRedis(config, 'producer');
  queue = createVoteQueue(producer, keys);
  deps = {
    config,
    logger: createLogger(config, 'workers', 'test'),
    redis,
    keys,
    ledger: ledgerModel(mongo),
    instanceId: 'test-worker',
  };
  boardId = await seedBoard(config, redis, mongo, ['alice', 'bob']);
  closers.push(
    () => queue.close(),
    () => closeRedis(redis),
    () => closeRedis(producer),
    () => mongo.close(),
  );
});
afterAll(async () => {
  for (const close of closers) await close();
});

/** A real job on the real queue, as a worker would receive it. */
async function enqueue(data: Partial<VoteJob> & Record<string, unknown>) {
  const voteId = typeof data.voteId === 'string' ? data.voteId : randomId('vote-');
  const full = { voteId, boardId, candidateId: 'alice', acceptedAt: Date.now(), ...data };
  return queue.add(VOTE_JOB, full as VoteJob, { jobId: voteJobId(randomId('job-')) });
}

const score = async (candidateId: string) =>
  Number((await deps.redis.zscore(keys.board(boardId).scores, candidateId)) ?? 0);

describe('processVote', () => {
  it('counts the vote and records it as counted in the ledger', async () => {
    const job = await enqueue({ candidateId: 'bob' });
    expect(await processVote(job, deps)).toMatchObject({ outcome: 'applied', score: 1 });
    expect(await score('bob')).toBe(1);
    expect(await deps.ledger.findById(job.data.voteId).lean()).toMatchObject({
      boardId,
      candidateId: 'bob',
      verdict: 'counted',
      acceptedAt: new Date(job.data.acceptedAt),
    });
  });

  it('counts a vote delivered twice only once, with one ledger record', async () => {
    const voteId = randomId('twice-');
    const before = await score('alice');
    const first = await enqueue({ voteId });
    const second = await enqueue({ voteId });
    await processVote(first, deps);
    expect(await processVote(second, deps)).toMatchObject({ outcome: 'duplicate' });
    expect(await score('alice')).toBe(before + 1);
    expect(await deps.ledger.countDocuments({ _id: voteId })).toBe(1);
  });

  it('rejects a vote for a candidate the board lacks, with the reason on record', async () => {
    const job = await enqueue({ candidateId: 'mallory' });
    expect(await processVote(job, deps)).toEqual({ outcome: 'rejected', reason: 'UNKNOWN_MEMBER' });
    expect(await deps.redis.zscore(keys.board(boardId).scores, 'mallory')).toBeNull();
    expect(await deps.ledger.findById(job.data.voteId).lean()).toMatchObject({
      verdict: 'rejected',
      reason: 'UNKNOWN_MEMBER',
    });
  });

  it('fails a job with invalid data for good, counting nothing', async () => {
    const seq = await deps.redis.get(keys.board(boardId).seq);
    const job = await enqueue({ candidateId: { $gt: '' } as unknown as string });
    await expect(processVote(job, deps)).rejects.toBeInstanceOf(UnrecoverableError);
    expect(await deps.redis.get(keys.board(boardId).seq)).toBe(seq);
  });

  it('when the ledger write fails, throws so the job is retried, and the retry records without recounting', async () => {
    const job = await enqueue({ candidateId: 'bob' });
    const before = await score('bob');
    const closed = await connectMongo(config.mongo.uri, 'test-closed');
    await closed.close();
    await expect(processVote(job, { ...deps, ledger: ledgerModel(closed) })).rejects.toThrow();
    expect(await score('bob')).toBe(before + 1);
    expect(await deps.ledger.countDocuments({ _id: job.data.voteId })).toBe(0);

    expect(await processVote(job, deps)).toMatchObject({ outcome: 'duplicate' });
    expect(await score('bob')).toBe(before + 1);
    expect(await deps.ledger.findById(job.data.voteId).lean()).toMatchObject({ verdict: 'counted' });
  });
});
