import { randomUUID } from 'node:crypto';
import { campaignModel, connectMongo } from '@rallyboard/core/db';
import { AppError, dayOf } from '@rallyboard/core/protocol';
import { createVoteQueue, QUEUE_NAMES, VOTE_JOB, type VoteJob } from '@rallyboard/core/queue';
import {
  applyVotes,
  closeRedis,
  dayExpiresAt,
  decodeScore,
  readBoardMeta,
  readQuotaUse,
} from '@rallyboard/core/redis';
import { type Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { randomId, testConfig } from '../../../test/support/config.js';
import { eventually, seedBoard, testRedis } from '../../../test/support/stack.js';
import { type RebuildOptions, rebuild } from '../../src/recovery/rebuild.js';
import { reconcile } from '../../src/recovery/reconcile.js';
import { type BatchItem, createVoteApplier } from '../../src/votes/apply-votes.js';
import { boardKeys, loseBoardState, openWorkerDeps, queuedVote, snapshotBoard } from '../support/deps.js';

const config = testConfig();
const TIMEZONE = 'Asia/Shanghai';
const DAY_MS = 86_400_000;
let mongo: Connection;
let deps: Awaited<ReturnType<typeof openWorkerDeps>>;
let apply: ReturnType<typeof createVoteApplier>;
let producer: Redis;
let queue: Queue<VoteJob>;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  deps = await openWorkerDeps(config, mongo);
  apply = createVoteApplier(deps);
  producer = await testRedis(config, 'producer');
  queue = createVoteQueue(producer, deps.keys);
});
afterAll(async () => {
  await queue.close();
  await closeRedis(producer);
  await deps.close();
  await mongo.close();
});

const options = (overrides: Partial<RebuildOptions> = {}): RebuildOptions => ({
  queue,
  settleTimeoutMs: 10_000,
  dedupTtlSeconds: config.votes.dedupTtlSeconds,
  origin: 'test-rebuild',
  ...overrides,
});

const at = (daysAgo: number) => Date.now() - daysAgo * DAY_MS;

/**
 * A vote board with votes over three days and ties everywhere: bob and carol both reach 2
 * (bob first), alice and dave both 1; a rejected vote; some votes carry their voter.
 */
async function votedBoard(): Promise<{ boardId: string; items: BatchItem[] }> {
  const boardId = await seedBoard(config, deps.redis, mongo, ['alice', 'bob', 'carol', 'dave', 'erin'], {
    timezone: TIMEZONE,
  });
  const plan: [string, number][] = [
    ['carol', 2],
    ['bob', 2],
    ['bob', 1],
    ['dave', 1],
    ['mallory', 1],
    ['carol', 0],
    ['alice', 0],
  ];
  const items = plan.map(([candidateId, daysAgo]) => ({
    boardId,
    vote: queuedVote(candidateId, { acceptedAt: at(daysAgo) }),
  }));
  await apply(items);
  return { boardId, items };
}

/**
 * A like board: likes and unlikes over two days by three voters, including a repeated like
 * (unchanged), an unlike without a like (unchanged), and a like taken back the next day, so
 * that day's score for it is negative.
 */
async function likedBoard(): Promise<{ boardId: string; items: BatchItem[] }> {
  const boardId = await seedBoard(config, deps.redis, mongo, ['x', 'y', 'z'], {
    kind: 'like',
    timezone: TIMEZONE,
  });
  const plan: [string, 'like' | 'unlike', string, number][] = [
    ['x', 'like', 'u1', 1],
    ['y', 'like', 'u1', 1],
    ['x', 'like', 'u2', 1],
    ['x', 'like', 'u1', 1],
    ['z', 'unlike', 'u3', 1],
    ['x', 'unlike', 'u1', 0],
    ['y', 'like', 'u3', 0],
    ['z', 'like', 'u2', 0],
    ['z', 'unlike', 'u2', 0],
  ];
  const items = plan.map(([candidateId, action, voterId, daysAgo]) => ({
    boardId,
    vote: queuedVote(candidateId, { action, voterId, acceptedAt: at(daysAgo) }),
  }));
  const outcomes = await apply(items);
  expect(outcomes.map((o) => o.verdict)).toEqual([
    'counted',
    'counted',
    'counted',
    'unchanged',
    'unchanged',
    'counted',
    'counted',
    'counted',
    'counted',
  ]);
  return { boardId, items };
}

describe('rebuild', () => {
  it('restores a vote board whose Redis keys are all gone exactly: rankings with their ties, every day, totals, seq and markers', async () => {
    const { boardId, items } = await votedBoard();
    const before = await snapshotBoard(deps.redis, deps.keys, boardId);
    const days = [2, 1, 0].map((d) => dayOf(at(d), TIMEZONE));
    expect(Object.keys(before)).toEqual(
      expect.arrayContaining(days.flatMap((day) => [deps.keys.board(boardId).day(day).scores])),
    );
    // Every key goes: the rankings' (snapshotted) and risk control's tallies besides.
    const keysOfBoard = await boardKeys(deps.redis, deps.keys, boardId);
    expect(keysOfBoard).toEqual(expect.arrayContaining(Object.keys(before)));
    expect(await loseBoardState(deps.redis, deps.keys, boardId)).toBe(keysOfBoard.length);

    const steps: string[] = [];
    const report = await rebuild(deps, boardId, options({ onStep: (step) => steps.push(step) }));
    expect(report).toEqual({
      boardId,
      ledgerRecords: 7,
      seq: 6,
      members: 5,
      days: 3,
      markersRestored: 7,
      markersDropped: 0,
      likeSets: expect.any(Number),
      quotaCounters: 0,
      settledInMs: expect.any(Number),
    });
    expect(steps).toEqual(['fence', 'settle', 'read ledger', 'markers', 'likes', 'quotas', 'install']);
    expect(await snapshotBoard(deps.redis, deps.keys, boardId)).toEqual(before);
    expect((await reconcile(deps, boardId)).ok).toBe(true);

    // A vote applied before the loss is a duplicate again, with its first verdict.
    const again = await apply([items[1] as BatchItem, items[4] as BatchItem]);
    expect(again).toEqual([
      { verdict: 'counted', seq: 2, delta: 1, duplicate: true },
      { verdict: 'rejected', reason: 'UNKNOWN_MEMBER', duplicate: true },
    ]);
    // And the next new vote takes up from the seq the board had.
    expect(await apply([{ boardId, vote: queuedVote('erin') }])).toEqual([
      { verdict: 'counted', seq: 7, delta: 1, duplicate: false },
    ]);
  });

  it('restores a like board exactly: rankings, days with negative scores, like sets and markers', async () => {
    const { boardId, items } = await likedBoard();
    const before = await snapshotBoard(deps.redis, deps.keys, boardId);
    const k = deps.keys.board(boardId);
    expect(before[k.likes('x')]).toEqual(['u2']);
    const today = (
      await deps.redis.zrange(k.day(dayOf(at(0), TIMEZONE)).scores, '0', '-1', 'WITHSCORES')
    ).flatMap((value, i, flat) => (i % 2 === 0 ? [[value, decodeScore(Number(flat[i + 1])).count]] : []));
    expect(today).toEqual([
      ['y', 1],
      ['z', 0],
      ['x', -1],
    ]);
    await loseBoardState(deps.redis, deps.keys, boardId);

    const report = await rebuild(deps, boardId, options());
    expect(report).toMatchObject({ ledgerRecords: 9, seq: 7, members: 3, days: 2, markersRestored: 9 });
    expect(await snapshotBoard(deps.redis, deps.keys, boardId)).toEqual(before);

    // The like sets decide again as before: u2's like of x stands, u1's does not.
    const outcomes = await apply([
      { boardId, vote: queuedVote('x', { action: 'like', voterId: 'u2' }) },
      { boardId, vote: queuedVote('x', { action: 'like', voterId: 'u1' }) },
      items[3] as BatchItem,
    ]);
    expect(outcomes).toEqual([
      { verdict: 'unchanged', duplicate: false },
      { verdict: 'counted', seq: 8, delta: 1, duplicate: false },
      { verdict: 'unchanged', duplicate: true },
    ]);
  });

  it('restores a vote board whose votes carry voter ids without like sets it never had', async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice', 'bob']);
    await apply(
      ['alice', 'bob', 'alice'].map((candidateId, i) => ({
        boardId,
        vote: queuedVote(candidateId, { voterId: `u${i}` }),
      })),
    );
    const before = await snapshotBoard(deps.redis, deps.keys, boardId);
    await loseBoardState(deps.redis, deps.keys, boardId);
    await rebuild(deps, boardId, options());
    expect(await snapshotBoard(deps.redis, deps.keys, boardId)).toEqual(before);
  });

  it('restores a board that lost only part of its state', async () => {
    const { boardId } = await votedBoard();
    const before = await snapshotBoard(deps.redis, deps.keys, boardId);
    const k = deps.keys.board(boardId);
    await deps.redis.del(k.scores, k.day(dayOf(at(1), TIMEZONE)).scores, k.meta);
    await deps.redis.zadd(k.scores, '0', 'bob');
    await rebuild(deps, boardId, options());
    expect(await snapshotBoard(deps.redis, deps.keys, boardId)).toEqual(before);
  });

  it('drops the marker of a vote Redis applied but the ledger never recorded, so it counts when it runs again', async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice', 'bob']);
    await apply([{ boardId, vote: queuedVote('alice') }]);
    // A worker died after its script call, before its ledger write: its job will run again.
    const lost = queuedVote('bob');
    await applyVotes(
      deps.redis,
      deps.keys,
      boardId,
      [{ ...lost, day: dayOf(lost.acceptedAt, TIMEZONE), dayExpiresAt: dayExpiresAt(lost.acceptedAt, 8) }],
      { dedupTtlSeconds: 3_600, origin: 'crashed' },
    );

    const report = await rebuild(deps, boardId, options());
    expect(report).toMatchObject({ ledgerRecords: 1, markersRestored: 1, markersDropped: 1, seq: 2 });
    // The ranking is the ledger's; the seq is never lowered.
    const ranking = await deps.redis.zrange(deps.keys.board(boardId).scores, '0', '-1', 'WITHSCORES');
    expect(ranking.filter((_, i) => i % 2 === 0)).toEqual(['alice', 'bob']);
    expect(await deps.redis.get(deps.keys.board(boardId).total)).toBe('1');

    expect(await apply([{ boardId, vote: lost }])).toEqual([
      { verdict: 'counted', seq: 3, delta: 1, duplicate: false },
    ]);
    expect((await reconcile(deps, boardId)).ok).toBe(true);
  });

  it('clears a day only an unrecorded vote touched, so that vote counts once in it when it runs again', async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice', 'bob']);
    // The ledger has yesterday only.
    await apply([{ boardId, vote: queuedVote('alice', { acceptedAt: at(1) }) }]);
    // Today's first vote: applied in Redis by a worker that died before its ledger write.
    const lost = queuedVote('bob');
    const today = dayOf(lost.acceptedAt, TIMEZONE);
    await applyVotes(
      deps.redis,
      deps.keys,
      boardId,
      [{ ...lost, day: today, dayExpiresAt: dayExpiresAt(lost.acceptedAt, 8) }],
      { dedupTtlSeconds: 3_600, origin: 'crashed' },
    );

    const report = await rebuild(deps, boardId, options());
    expect(report).toMatchObject({ markersDropped: 1 });
    const k = deps.keys.board(boardId).day(today);
    // The ledger has nothing for today: neither must today's ranking.
    expect(await deps.redis.zrange(k.scores, '0', '-1')).toEqual([]);
    expect(Number((await deps.redis.get(k.total)) ?? 0)).toBe(0);

    // The job runs again: the vote counts once, today as all-time.
    await apply([{ boardId, vote: lost }]);
    const bob = await deps.redis.zscore(k.scores, 'bob');
    expect(bob === null ? null : decodeScore(Number(bob)).count).toBe(1);
    expect(await deps.redis.get(k.total)).toBe('1');
    expect((await reconcile(deps, boardId)).ok).toBe(true);
  });

  it("restores the voters' quota counters, so nobody gets their spent votes back", async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice', 'bob'], {
      timezone: TIMEZONE,
      quotas: { perDay: 2, total: 3 },
    });
    const cast = (candidateId: string, voterId: string, daysAgo = 0) =>
      apply([{ boardId, vote: queuedVote(candidateId, { voterId, acceptedAt: at(daysAgo) }) }]);
    await cast('alice', 'v1', 2);
    await cast('alice', 'v1');
    await cast('bob', 'v1');
    await cast('bob', 'v2');
    const today = dayOf(Date.now(), TIMEZONE);
    const before = await Promise.all(
      ['v1', 'v2'].map((v) => readQuotaUse(deps.redis, deps.keys, boardId, v, today)),
    );
    expect(before[0]).toEqual({ day: 2, byCandidate: { alice: 1, bob: 1 }, total: 3 });

    await loseBoardState(deps.redis, deps.keys, boardId);
    const report = await rebuild(deps, boardId, options());
    expect(report.quotaCounters).toBe(4);
    const after = await Promise.all(
      ['v1', 'v2'].map((v) => readQuotaUse(deps.redis, deps.keys, boardId, v, today)),
    );
    expect(after).toEqual(before);
    expect((await cast('bob', 'v1'))[0]).toMatchObject({ verdict: 'rejected', reason: 'QUOTA_EXCEEDED' });
    expect((await cast('alice', 'v2'))[0]).toMatchObject({ verdict: 'counted' });
  });

  it("puts its campaign's status back on a board whose meta was lost, so ingest still refuses a paused campaign", async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice']);
    await campaignModel(mongo).create({
      _id: boardId,
      title: 'paused',
      kind: 'vote',
      members: [{ candidateId: 'alice', name: 'Alice' }],
      schedule: { startAt: new Date(), endAt: new Date(Date.now() + 86_400_000), timezone: TIMEZONE },
      visibility: 'public',
      rules: {},
      status: 'paused',
      createdBy: 'h-1',
    });
    await loseBoardState(deps.redis, deps.keys, boardId);
    await rebuild(deps, boardId, options());
    expect((await readBoardMeta(deps.redis, deps.keys, boardId))?.status).toBe('paused');
  });

  it('refuses a board MongoDB does not have, with BOARD_NOT_FOUND, touching nothing', async () => {
    const boardId = randomId('nowhere');
    const refused = rebuild(deps, boardId, options());
    await expect(refused).rejects.toBeInstanceOf(AppError);
    await expect(refused).rejects.toMatchObject({ code: 'BOARD_NOT_FOUND' });
    expect(await snapshotBoard(deps.redis, deps.keys, boardId)).toEqual({});
  });

  describe('with a job of the board in flight', () => {
    /** Takes a job of the board off the queue as a worker would, and holds it active. */
    async function activeJob(boardId: string) {
      const connection = await testRedis(config, 'worker');
      const holder = new Worker<VoteJob>(QUEUE_NAMES.votes, null, {
        connection,
        prefix: deps.keys.queuePrefix,
        autorun: false,
      });
      const token = randomUUID();
      await queue.add(VOTE_JOB, { boardId, votes: [queuedVote('alice')] });
      const job = await holder.getNextJob(token);
      if (!job) throw new Error('no job to hold');
      expect(await job.getState()).toBe('active');
      return {
        job,
        async finish() {
          await job.moveToCompleted(
            { counted: 0, unchanged: 0, held: 0, rejected: 0, duplicates: 0 },
            token,
            false,
          );
        },
        async close() {
          await holder.close();
          await closeRedis(connection);
        },
      };
    }

    it('holds the board fenced and waits until the job settles, then rebuilds', async () => {
      const { boardId } = await votedBoard();
      const before = await snapshotBoard(deps.redis, deps.keys, boardId);
      const job = await activeJob(boardId);
      try {
        const polls = vi.spyOn(queue, 'getActive');
        const steps: string[] = [];
        const rebuilt = rebuild(deps, boardId, options({ onStep: (step) => steps.push(step) }));
        await eventually(
          async () => polls.mock.calls.length >= 3,
          10_000,
          'the rebuild to look at the active jobs',
        );
        expect(steps).toEqual(['fence', 'settle']);
        // Meanwhile the board is fenced: a vote waits.
        expect(await apply([{ boardId, vote: queuedVote('erin') }])).toEqual([
          { verdict: 'retry', why: 'fenced' },
        ]);

        await job.finish();
        const report = await rebuilt;
        polls.mockRestore();
        expect(steps.at(-1)).toBe('install');
        expect(report.settledInMs).toBeGreaterThan(0);
        expect(await snapshotBoard(deps.redis, deps.keys, boardId)).toEqual(before);
        expect(await apply([{ boardId, vote: queuedVote('erin') }])).toMatchObject([{ verdict: 'counted' }]);
      } finally {
        await job.close();
      }
    });

    it('gives up with a clear error when the job does not settle in time, and lifts its fence', async () => {
      const { boardId } = await votedBoard();
      const before = await snapshotBoard(deps.redis, deps.keys, boardId);
      const job = await activeJob(boardId);
      try {
        await expect(rebuild(deps, boardId, options({ settleTimeoutMs: 300 }))).rejects.toThrow(
          `votes of board ${boardId} were still in flight after 300 ms; try again`,
        );
        expect(await deps.redis.exists(deps.keys.board(boardId).fence)).toBe(0);
        expect(await snapshotBoard(deps.redis, deps.keys, boardId)).toEqual(before);
        expect(await apply([{ boardId, vote: queuedVote('erin') }])).toMatchObject([{ verdict: 'counted' }]);
      } finally {
        await job.finish();
        await job.close();
      }
    });

    it('does not wait for runs that start after the fence: they cannot apply', async () => {
      const { boardId } = await votedBoard();
      const before = await snapshotBoard(deps.redis, deps.keys, boardId);
      const first = await activeJob(boardId);
      let later: Awaited<ReturnType<typeof activeJob>> | undefined;
      try {
        const polls = vi.spyOn(queue, 'getActive');
        const rebuilt = rebuild(deps, boardId, options({ settleTimeoutMs: 10_000 }));
        await eventually(async () => polls.mock.calls.length >= 2, 10_000, 'the rebuild to snapshot');
        later = await activeJob(boardId);
        await first.finish();
        const report = await rebuilt;
        polls.mockRestore();
        expect(report.boardId).toBe(boardId);
        expect(await later.job.getState()).toBe('active');
        expect(await snapshotBoard(deps.redis, deps.keys, boardId)).toEqual(before);
      } finally {
        await later?.finish();
        await later?.close();
        await first.close();
      }
    });

    it("does not wait for another board's jobs", async () => {
      const { boardId } = await votedBoard();
      const other = await seedBoard(config, deps.redis, mongo, ['alice']);
      const job = await activeJob(other);
      try {
        const report = await rebuild(deps, boardId, options({ settleTimeoutMs: 1_000 }));
        expect(report.boardId).toBe(boardId);
      } finally {
        await job.finish();
        await job.close();
      }
    });
  });
});
