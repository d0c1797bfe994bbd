import { randomUUID } from 'node:crypto';
import { campaignModel } from '@rallyboard/core/db';
import { QUEUE_NAMES, VOTE_JOB, type VoteJob } from '@rallyboard/core/queue';
import {
  type BoardMeta,
  changeBoardStatus,
  closeRedis,
  publicReadKeys,
  readBoard,
  readBoardMeta,
} from '@rallyboard/core/redis';
import { Worker } from 'bullmq';
import { describe, expect, it, vi } from 'vitest';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { eventually, seedBoard, testRedis } from '../../../test/support/stack.js';
import { rebuild } from '../../src/recovery/rebuild.js';
import { queuedVote, snapshotBoard } from '../support/deps.js';
import {
  apply,
  config,
  deps,
  mongo,
  options,
  queue,
  useRebuildDeps,
  votedBoard,
} from '../support/rebuild-fixture.js';

useRebuildDeps();

describe('rebuild', () => {
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
        expect(steps).toEqual(['fence', 'replay dead letters', 'settle']);
        // Meanwhile the board is fenced: a vote waits.
        expect(await apply([{ boardId, vote: queuedVote('erin') }])).toEqual([
          { verdict: 'retry', why: 'fenced' },
        ]);

        await job.finish();
        const report = await rebuilt;
        polls.mockRestore();
        expect(steps.slice(-3)).toEqual(['install', 'rewards', 'archives']);
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

  describe('that outlasts its fence', () => {
    /** Holds the rebuild at its review step (after the fence) until the returned call frees it. */
    async function heldAtReview(boardId: string) {
      await deps.redis.set(deps.keys.reviewLock(boardId), 'a-chunk', 'PX', 30_000);
      return () => deps.redis.del(deps.keys.reviewLock(boardId));
    }

    it('renews its fence while it runs, however long its steps take', async () => {
      const { boardId } = await votedBoard();
      const before = await snapshotBoard(deps.redis, deps.keys, boardId);
      const free = await heldAtReview(boardId);
      const steps: string[] = [];
      const rebuilt = rebuild(deps, boardId, options({ fenceTtlMs: 600, onStep: (s) => steps.push(s) }));
      await eventually(async () => steps.includes('review'), 10_000, 'the rebuild at its review step');
      // Three of the fence's lives: a vote still waits.
      await new Promise((resolve) => setTimeout(resolve, 1_800));
      expect(await apply([{ boardId, vote: queuedVote('erin') }])).toEqual([
        { verdict: 'retry', why: 'fenced' },
      ]);
      await free();
      await rebuilt;
      expect(await snapshotBoard(deps.redis, deps.keys, boardId)).toEqual(before);
    });

    it('stops before it changes anything once its fence is lost, and says so', async () => {
      const { boardId } = await votedBoard();
      const free = await heldAtReview(boardId);
      const steps: string[] = [];
      const rebuilt = rebuild(deps, boardId, options({ onStep: (s) => steps.push(s) }));
      await eventually(async () => steps.includes('review'), 10_000, 'the rebuild at its review step');
      // The fence lapses (its renewals could not reach Redis); a vote applies meanwhile.
      await deps.redis.del(deps.keys.board(boardId).fence);
      expect(await apply([{ boardId, vote: queuedVote('erin', { voterId: 'p-late' }) }])).toMatchObject([
        { verdict: 'counted' },
      ]);
      const counted = await snapshotBoard(deps.redis, deps.keys, boardId);
      await free();
      await expect(rebuilt).rejects.toMatchObject({ code: 'BOARD_REBUILDING' });
      expect(steps).not.toContain('markers');
      expect(await snapshotBoard(deps.redis, deps.keys, boardId)).toEqual(counted);
    });
  });

  describe('while its host freezes the campaign', () => {
    it('freezes the board at its install, and a rebuild run again after a failed one keeps the freeze to make', async () => {
      const { boardId } = await votedBoard();
      await createLiveCampaign(mongo, boardId);
      const ranking = await readBoard(
        deps.redis,
        deps.keys,
        boardId,
        { window: 'all' },
        { mode: 'range', offset: 0, limit: 10 },
      );
      await deps.redis.set(deps.keys.reviewLock(boardId), 'a-chunk', 'PX', 30_000);
      const steps: string[] = [];
      const first = rebuild(deps, boardId, options({ onStep: (s) => steps.push(s) }));
      await eventually(async () => steps.includes('review'), 10_000, 'the rebuild at its review step');
      // The host's freeze: MongoDB has it, the fenced board refuses it.
      await campaignModel(mongo).updateOne({ _id: boardId }, { $set: { status: 'frozen' } });
      await expect(changeBoardStatus(deps.redis, deps.keys, boardId, 'frozen')).rejects.toMatchObject({
        code: 'BOARD_REBUILDING',
      });
      // That rebuild fails (its fence lost), and is run again.
      await deps.redis.del(deps.keys.board(boardId).fence);
      await deps.redis.del(deps.keys.reviewLock(boardId));
      await expect(first).rejects.toMatchObject({ code: 'BOARD_REBUILDING' });
      await rebuild(deps, boardId, options());

      const meta = await readBoardMeta(deps.redis, deps.keys, boardId);
      expect(meta).toMatchObject({ status: 'frozen', frozen: { seq: ranking.seq } });
      const source = publicReadKeys(deps.keys, boardId, meta as BoardMeta, { window: 'all' });
      const shown = await readBoard(
        deps.redis,
        deps.keys,
        boardId,
        { window: 'all' },
        { mode: 'range', offset: 0, limit: 10 },
        source,
      );
      expect(shown.entries).toEqual(ranking.entries);
    });
  });
});
