import { archiveModels, archivePeriod, boardModel, ledgerModel, recordVotes } from '@rallyboard/core/db';
import { groupIdOf } from '@rallyboard/core/protocol';
import { expect } from 'vitest';
import { randomId } from '../../../test/support/config.js';
import { seedBoard } from '../../../test/support/stack.js';
import { applyDirect } from './boards.js';
import { config, mongo, server } from './leaderboard-fixture.js';

// A board with an ended day and week, archived (what the archive read tests share).

export const DAY = '2026-03-10'; // a Tuesday: its Monday week began 2026-03-09

/**
 * A board with votes on a past day, counted as the workers count them (Redis, then the ledger),
 * and that day's and week's archives written by the archiver's own function.
 */
export async function archivedBoard(groups: Record<string, string> = {}) {
  const boardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob', 'carol', 'dave'], {
    groups,
  });
  const votes = ['bob', 'carol', 'bob', 'alice', 'carol', 'carol'];
  const applied = await applyDirect(
    server.deps,
    boardId,
    votes.map((candidateId) => ({ candidateId, day: DAY })),
  );
  if (applied.outcome !== 'applied') throw new Error(`applyVotes answered ${applied.outcome}`);
  await recordVotes(
    ledgerModel(mongo),
    votes.map((candidateId, i) => {
      const verdict = applied.verdicts[i];
      if (verdict?.verdict !== 'counted') throw new Error('expected counted');
      return {
        _id: randomId('v'),
        boardId,
        candidateId,
        action: 'vote' as const,
        verdict: 'counted' as const,
        delta: verdict.delta,
        seq: verdict.seq,
        day: DAY,
        acceptedAt: new Date(`${DAY}T04:00:00Z`),
        decidedAt: new Date(`${DAY}T04:00:01Z`),
      };
    }),
  );
  const board = await boardModel(mongo).findById(boardId).lean();
  if (!board) throw new Error('no board');
  const stores = { ledger: ledgerModel(mongo), boards: boardModel(mongo), archives: archiveModels(mongo) };
  expect(await archivePeriod(stores, board, 'day', DAY)).toBe('created');
  expect(await archivePeriod(stores, board, 'week', '2026-03-09')).toBe('created');
  return boardId;
}

/** Redis lets the period's keys go after retention. */
export async function expire(boardId: string) {
  const k = server.deps.keys.board(boardId);
  const week = '2026-03-09';
  const windows = [k.day(DAY), k.period('week', week)];
  for (const owner of [k.groups, ...['红队', '蓝队'].map((name) => k.group(groupIdOf(name)))]) {
    windows.push(owner.period('day', DAY), owner.period('week', week));
  }
  await server.deps.redis.del(...windows.flatMap((w) => [w.scores, w.total]));
}
