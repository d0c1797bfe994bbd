import { type LedgerModel, type LedgerVote, ledgerModel } from '@rallyboard/core/db';
import { decodeScore, withLock } from '@rallyboard/core/redis';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/stack.js';
import { rebuild } from '../../src/recovery/rebuild.js';
import { applyMoves } from '../../src/review/apply-moves.js';
import { planMove } from '../../src/review/moves.js';
import { ledgerWithInserts } from '../support/deps.js';
import { deps, mongo, options, useRebuildDeps, votedBoard } from '../support/rebuild-fixture.js';

useRebuildDeps();

/** The ledger, with its inserts held until `open` is called. */
function gatedLedger(): { ledger: LedgerModel; open: () => void } {
  let open = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const ledger = ledgerWithInserts(deps.ledger, (real) => async (...args) => {
    await gate;
    return real(...args);
  });
  return { ledger, open };
}

const countOf = async (boardId: string, candidateId: string) =>
  decodeScore(Number(await deps.redis.zscore(deps.keys.board(boardId).scores, candidateId))).count;

describe('rebuild', () => {
  it('waits for a review chunk that applied before its fence to write the ledger, and rebuilds with it', async () => {
    const { boardId, items } = await votedBoard();
    const record = await ledgerModel(mongo).findById(items[0]?.vote.voteId).lean<LedgerVote>();
    if (!record) throw new Error('no record');
    expect(await countOf(boardId, 'carol')).toBe(2);

    // A cluster hold's chunk, under the campaign's review lock: Redis done, its ledger write slow.
    const { ledger, open } = gatedLedger();
    const move = planMove({
      job: {
        kind: 'hold-cluster',
        campaignId: boardId,
        cluster: 'device:d-1',
        since: 0,
        until: 1,
        by: 'risk',
      },
      record,
      actionId: 'hold-1',
      now: new Date(),
      retentionDays: 8,
    });
    if (!move) throw new Error('no move');
    const chunk = withLock(deps.redis, deps.keys.reviewLock(boardId), () =>
      applyMoves({ ...deps, ledger }, boardId, [{ record, move }], { compare: false }),
    );
    await eventually(async () => (await countOf(boardId, 'carol')) === 1, 10_000, 'the retraction applied');

    const steps: string[] = [];
    const rebuilt = rebuild(deps, boardId, options({ onStep: (s) => steps.push(s) }));
    await eventually(async () => steps.includes('settle'), 10_000, 'the rebuild past its fence');
    await new Promise((resolve) => setTimeout(resolve, 500));
    open();
    await chunk;
    await rebuilt;
    // The ledger has the retraction, and so has the ranking.
    expect(await ledgerModel(mongo).countDocuments({ boardId, action: 'retract', verdict: 'counted' })).toBe(
      1,
    );
    expect(await countOf(boardId, 'carol')).toBe(1);
  });
});
