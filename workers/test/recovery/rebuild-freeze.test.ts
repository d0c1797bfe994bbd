import { campaignModel } from '@rallyboard/core/db';
import { dayOf } from '@rallyboard/core/protocol';
import {
  type BoardMeta,
  changeBoardStatus,
  publicReadKeys,
  type ReadKeys,
  readBoard,
  readBoardMeta,
} from '@rallyboard/core/redis';
import { describe, expect, it } from 'vitest';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { eventually } from '../../../test/support/stack.js';
import { rebuild } from '../../src/recovery/rebuild.js';
import { queuedVote } from '../support/deps.js';
import {
  apply,
  deps,
  mongo,
  options,
  redisWithScript,
  TIMEZONE,
  useRebuildDeps,
  votedBoard,
} from '../support/rebuild-fixture.js';

useRebuildDeps();

const ranking = (boardId: string, source?: ReadKeys) =>
  readBoard(
    deps.redis,
    deps.keys,
    boardId,
    { window: 'all' },
    { mode: 'range', offset: 0, limit: 10 },
    ...(source ? [source] : []),
  );

describe('rebuild', () => {
  describe('of a board whose host froze the campaign meanwhile', () => {
    it('freezes the ranking it installs in the same step: a vote the fence held back is counted, never in the freeze', async () => {
      const { boardId } = await votedBoard();
      await createLiveCampaign(mongo, boardId);
      const before = await ranking(boardId);

      // The rebuild waits at its review step; meanwhile the host freezes, which the fenced board refuses.
      await deps.redis.set(deps.keys.reviewLock(boardId), 'a-chunk', 'PX', 30_000);
      // A vote the fence held back applies the moment the install's step is done.
      const held = queuedVote('dave', { voterId: 'p-held' });
      const afterInstall = redisWithScript(deps.redis, 'installBoard', (real) => async (...args) => {
        const seq = await real(...args);
        expect(await apply([{ boardId, vote: held }])).toMatchObject([{ verdict: 'counted' }]);
        return seq;
      });
      const steps: string[] = [];
      const rebuilt = rebuild(
        { ...deps, redis: afterInstall },
        boardId,
        options({ onStep: (s) => steps.push(s) }),
      );
      await eventually(async () => steps.includes('review'), 10_000, 'the rebuild at its review step');
      await campaignModel(mongo).updateOne({ _id: boardId }, { $set: { status: 'frozen' } });
      await expect(changeBoardStatus(deps.redis, deps.keys, boardId, 'frozen')).rejects.toMatchObject({
        code: 'BOARD_REBUILDING',
      });
      await deps.redis.del(deps.keys.reviewLock(boardId));
      await rebuilt;

      const meta = await readBoardMeta(deps.redis, deps.keys, boardId);
      expect(meta).toMatchObject({
        status: 'frozen',
        frozen: { day: dayOf(Date.now(), TIMEZONE), seq: before.seq },
      });
      const shown = await ranking(
        boardId,
        publicReadKeys(deps.keys, boardId, meta as BoardMeta, { window: 'all' }),
      );
      expect(shown.seq).toBe(before.seq);
      expect(shown.entries).toEqual(before.entries);
      // Counting goes on behind the freeze: the held vote is in the live ranking.
      const live = await ranking(boardId);
      expect(live.seq).toBe(before.seq + 1);
      expect(live.totals.votes).toBe(before.totals.votes + 1);
    });
  });
});
