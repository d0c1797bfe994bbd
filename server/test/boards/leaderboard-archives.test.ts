import { archiveModels, archivePeriod, boardModel, ledgerModel, recordVotes } from '@rallyboard/core/db';
import type { BoardView, MemberView } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { randomId } from '../../../test/support/config.js';
import { connectSocket, query } from '../../../test/support/socket.js';
import { seedBoard } from '../../../test/support/stack.js';
import { applyDirect, getJson } from '../support/boards.js';
import { api, config, mongo, server, useLeaderboardServer } from '../support/leaderboard-fixture.js';

useLeaderboardServer();

const DAY = '2026-03-10'; // a Tuesday: its Monday week began 2026-03-09

/**
 * A board with votes on a past day, counted as the workers count them (Redis, then the ledger),
 * and that day's and week's archives written by the archiver's own function.
 */
async function archivedBoard() {
  const boardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob', 'carol', 'dave']);
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
async function expire(boardId: string) {
  const k = server.deps.keys.board(boardId);
  await server.deps.redis.del(k.day(DAY).scores, k.day(DAY).total, k.period('week', '2026-03-09').scores);
}

const reads = (boardId: string) => [
  `${boardId}/leaderboard?window=day&day=${DAY}`,
  `${boardId}/leaderboard?window=day&day=${DAY}&offset=1&limit=2`,
  `${boardId}/members/alice?window=day&day=${DAY}`,
  `${boardId}/members/dave?window=day&day=${DAY}`,
  `${boardId}/members/bob/around?window=day&day=${DAY}&k=1`,
  `${boardId}/totals?window=day&day=${DAY}`,
  `${boardId}/leaderboard?window=week&day=2026-03-15`,
];

describe('an ended period, read from its archive', () => {
  it('answers every read shape as Redis did, at any age, with the period’s last seq', async () => {
    const boardId = await archivedBoard();
    // Before: Redis still has the day, but the archive answers (an ended period reads from it).
    const before = await Promise.all(reads(boardId).map((path) => getJson<MemberView>(api(path))));
    await expire(boardId);
    const after = await Promise.all(reads(boardId).map((path) => getJson<MemberView>(api(path))));
    expect(after).toEqual(before);
    const [top, page, alice, dave, around, totals, week] = after.map((a) => a.body);
    expect(top?.entries).toEqual([
      { rank: 1, candidateId: 'carol', score: 3 },
      { rank: 2, candidateId: 'bob', score: 2 },
      { rank: 3, candidateId: 'alice', score: 1 },
    ]);
    expect(top).toMatchObject({ window: 'day', day: DAY, seq: 6, totals: { votes: 6, members: 4 } });
    expect(page?.entries.map((e) => e.candidateId)).toEqual(['bob', 'alice']);
    expect(alice?.member).toEqual({ candidateId: 'alice', rank: 3, score: 1 });
    expect(dave?.member).toEqual({ candidateId: 'dave', rank: null, score: 0 });
    expect(around?.entries.map((e) => e.candidateId)).toEqual(['carol', 'bob', 'alice']);
    expect(totals?.entries).toEqual([]);
    expect(week).toMatchObject({ window: 'week', day: '2026-03-09', totals: { votes: 6 } });
  });

  it('answers the same over board:query, and UNKNOWN_MEMBER for a candidate the board does not have', async () => {
    const boardId = await archivedBoard();
    await expire(boardId);
    const socket = await connectSocket(server.url);
    try {
      const view = (await query(socket, {
        type: 'top',
        boardId,
        window: 'day',
        day: DAY,
        limit: 2,
      })) as BoardView;
      expect(view.entries.map((e) => e.candidateId)).toEqual(['carol', 'bob']);
      await expect(
        query(socket, { type: 'member', boardId, window: 'day', day: DAY, candidateId: 'mallory' }),
      ).rejects.toMatchObject({ code: 'UNKNOWN_MEMBER' });
    } finally {
      socket.disconnect();
    }
  });

  it('answers an ended day without an archive from Redis, as before', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo, ['alice']);
    await applyDirect(server.deps, boardId, [{ candidateId: 'alice', day: DAY }]);
    const { body } = await getJson<BoardView>(api(`${boardId}/leaderboard?window=day&day=${DAY}`));
    expect(body).toMatchObject({ seq: 1, entries: [{ rank: 1, candidateId: 'alice', score: 1 }] });
  });
});
