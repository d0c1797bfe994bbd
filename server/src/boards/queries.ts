import type { BoardQuery, BoardView, MemberView } from '@rallyboard/core/protocol';
import { type BoardRead, readBoard } from '@rallyboard/core/redis';
import type { AppContext } from '../deps.js';
import { whenAvailable } from '../http/unavailable.js';

/**
 * Answers any board read (top, range, member, around, totals) from one script call, so the
 * entries, the member's standing, the totals and the seq all come from the same instant. REST
 * routes and the `board:query` socket event both end here.
 */
export async function queryBoard(ctx: AppContext, query: BoardQuery): Promise<BoardView | MemberView> {
  const ref = await whenAvailable(() => ctx.boards.window(query.boardId, query.window, query.day));
  const read: BoardRead =
    query.type === 'top'
      ? { mode: 'range', offset: 0, limit: query.limit }
      : query.type === 'range'
        ? { mode: 'range', offset: query.offset, limit: query.limit }
        : query.type === 'member'
          ? { mode: 'member', candidateId: query.candidateId }
          : query.type === 'around'
            ? { mode: 'around', candidateId: query.candidateId, k: query.k }
            : { mode: 'range', offset: 0, limit: 0 };
  const slice = await whenAvailable(() => readBoard(ctx.redis, ctx.keys, query.boardId, ref, read));
  const view: BoardView = {
    boardId: slice.boardId,
    window: slice.window,
    day: slice.day,
    seq: slice.seq,
    totals: slice.totals,
    entries: slice.entries,
  };
  const [member] = slice.foci;
  return member ? { ...view, member } : view;
}
