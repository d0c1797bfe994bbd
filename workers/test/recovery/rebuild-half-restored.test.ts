import type { BoardModel, LedgerModel } from '@rallyboard/core/db';
import { decodeScore } from '@rallyboard/core/redis';
import { describe, expect, it } from 'vitest';
import { RebuildIncomplete } from '../../src/recovery/fence.js';
import { rebuild } from '../../src/recovery/rebuild.js';
import { reconcile } from '../../src/recovery/reconcile.js';
import { applyInRedisOnly, loseBoardState, queuedVote, snapshotBoard } from '../support/deps.js';
import {
  apply,
  deps,
  options,
  redisWithScript,
  TIMEZONE,
  useRebuildDeps,
  votedBoard,
} from '../support/rebuild-fixture.js';

useRebuildDeps();

const countOf = async (boardId: string, candidateId: string) =>
  decodeScore(Number(await deps.redis.zscore(deps.keys.board(boardId).scores, candidateId))).count;

/** The rebuild's deps with its install script failing, as a Redis error would. */
const failingInstall = () => ({
  ...deps,
  redis: redisWithScript(deps.redis, 'installBoard', () => async () => {
    throw new Error('the install could not reach Redis');
  }),
});

/** The rebuild's deps with every read of the board's record but the first failing, as a MongoDB error would. */
function failingBoardReads() {
  let reads = 0;
  const boards = new Proxy(deps.boards, {
    get: (target, prop) => {
      const value: unknown = Reflect.get(target, prop);
      if (prop !== 'findById' || typeof value !== 'function') {
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return (...args: unknown[]) => {
        reads += 1;
        if (reads > 1) throw new Error('MongoDB did not answer');
        return Reflect.apply(value, target, args) as unknown;
      };
    },
  }) as BoardModel;
  return { ...deps, boards };
}

/** The rebuild's deps with the ledger's reads failing. */
function failingLedgerReads() {
  const ledger = new Proxy(deps.ledger, {
    get: (target, prop) => {
      if (prop === 'find') {
        return () => {
          throw new Error('MongoDB did not answer');
        };
      }
      const value: unknown = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as LedgerModel;
  return { ...deps, ledger };
}

const fenceOf = (boardId: string) => deps.keys.board(boardId).fence;

describe('rebuild', () => {
  describe('that fails once it has begun rewriting the board', () => {
    it.each([
      ['its install fails', failingInstall, 'install'],
      ['a read of MongoDB fails after the markers', failingBoardReads, 'install'],
    ])(
      'when %s, leaves the board fenced until a rebuild run again restores every vote once',
      async (_, failing, step) => {
        const { boardId } = await votedBoard();
        // A worker applied alice's vote and died before its ledger write: its job will run again.
        const crashed = queuedVote('alice', { voterId: 'p-crashed' });
        await applyInRedisOnly(deps, boardId, [crashed], { timezone: TIMEZONE, origin: 'crashed' });
        expect(await countOf(boardId, 'alice')).toBe(2);

        const steps: string[] = [];
        const first = rebuild(failing(), boardId, options({ fenceTtlMs: 600, onStep: (s) => steps.push(s) }));
        const error = await first.catch((e: unknown) => e);
        expect(error).toBeInstanceOf(RebuildIncomplete);
        expect(error).toMatchObject({ code: 'BOARD_REBUILDING', step, details: { boardId, step } });
        expect((error as Error).message).toContain(`Run \`npm run rebuild -- ${boardId}\` again`);
        expect(steps).toContain('markers');

        // The board stays fenced, past what was the fence's life: its markers are restored and
        // dropped, its rankings not yet installed. The crashed vote's job and a new vote both wait.
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        expect(await deps.redis.get(fenceOf(boardId))).not.toBeNull();
        expect(await deps.redis.pttl(fenceOf(boardId))).toBe(-1);
        const halfRestored = await snapshotBoard(deps.redis, deps.keys, boardId);
        const late = queuedVote('erin', { voterId: 'p-late' });
        expect(await apply([{ boardId, vote: crashed }])).toEqual([{ verdict: 'retry', why: 'fenced' }]);
        expect(await apply([{ boardId, vote: late }])).toEqual([{ verdict: 'retry', why: 'fenced' }]);
        expect(await snapshotBoard(deps.redis, deps.keys, boardId)).toEqual(halfRestored);

        // Run again, the rebuild finishes the restore; the waiting votes then count, each once.
        await rebuild(deps, boardId, options());
        expect(await deps.redis.exists(fenceOf(boardId))).toBe(0);
        expect(await apply([{ boardId, vote: crashed }])).toMatchObject([{ verdict: 'counted' }]);
        expect(await apply([{ boardId, vote: late }])).toMatchObject([{ verdict: 'counted' }]);
        expect(await apply([{ boardId, vote: crashed }])).toMatchObject([{ duplicate: true }]);
        expect(await countOf(boardId, 'alice')).toBe(2);
        expect(await countOf(boardId, 'erin')).toBe(1);
        expect((await reconcile(deps, boardId)).ok).toBe(true);
      },
    );
  });

  describe('of a board Redis lost, that fails before it rewrites anything', () => {
    it('leaves the board fenced rather than registered empty, and a rebuild run again restores it', async () => {
      const { boardId } = await votedBoard();
      const counted = await snapshotBoard(deps.redis, deps.keys, boardId);
      await loseBoardState(deps.redis, deps.keys, boardId);

      await expect(rebuild(failingLedgerReads(), boardId, options())).rejects.toMatchObject({
        name: 'RebuildIncomplete',
        step: 'read ledger',
      });
      // Registered again by the fence, the board would count from zero: its votes wait instead.
      expect(await deps.redis.pttl(fenceOf(boardId))).toBe(-1);
      const late = queuedVote('erin', { voterId: 'p-late' });
      expect(await apply([{ boardId, vote: late }])).toEqual([{ verdict: 'retry', why: 'fenced' }]);

      await rebuild(deps, boardId, options());
      expect(await snapshotBoard(deps.redis, deps.keys, boardId)).toMatchObject({
        [deps.keys.board(boardId).scores]: counted[deps.keys.board(boardId).scores],
      });
      expect(await apply([{ boardId, vote: late }])).toMatchObject([{ verdict: 'counted' }]);
      expect((await reconcile(deps, boardId)).ok).toBe(true);
    });
  });

  describe('that fails before it has begun rewriting the board', () => {
    it('lifts its fence: the board is as it was, and its votes apply', async () => {
      const { boardId } = await votedBoard();
      const before = await snapshotBoard(deps.redis, deps.keys, boardId);
      await expect(rebuild(failingLedgerReads(), boardId, options())).rejects.toThrow(
        'MongoDB did not answer',
      );
      expect(await deps.redis.exists(fenceOf(boardId))).toBe(0);
      expect(await snapshotBoard(deps.redis, deps.keys, boardId)).toEqual(before);
      expect(await apply([{ boardId, vote: queuedVote('erin') }])).toMatchObject([{ verdict: 'counted' }]);
    });
  });
});
