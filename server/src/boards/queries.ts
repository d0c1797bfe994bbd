import type { BoardQuery, BoardView, MemberView } from '@rallyboard/core/protocol';
import {
  type BoardRead,
  type KeyBuilder,
  liveReadKeys,
  publicReadKeys,
  type ReadKeys,
  type RedisClient,
  readBoard,
  type WindowRef,
} from '@rallyboard/core/redis';
import { whenAvailable } from '../lib/when-available.js';
import type { BoardLookup } from './lookup.js';

/** What reading a board needs: Redis, its keys, and the boards' cache and windows. */
export interface BoardReadDeps {
  redis: RedisClient;
  keys: KeyBuilder;
  boards: Pick<BoardLookup, 'cache' | 'window'>;
}

/**
 * The keys a public read of a window takes: the snapshot while the board is frozen (封榜), the
 * live keys otherwise (see publicReadKeys for the day rules). The status is the board cache's,
 * read from Redis (a board Redis lacks reads live keys, and readBoard answers BOARD_NOT_FOUND).
 * Every public read goes through here: REST, socket acks, subscribe snapshots and the relay.
 */
export async function publicSource(
  ctx: Pick<BoardReadDeps, 'keys' | 'boards'>,
  boardId: string,
  ref: WindowRef,
): Promise<{ from: ReadKeys; frozen: boolean }> {
  const board = await ctx.boards.cache.get(boardId);
  return board
    ? { from: publicReadKeys(ctx.keys, boardId, board, ref), frozen: board.status === 'frozen' }
    : { from: liveReadKeys(ctx.keys, boardId, ref), frozen: false };
}

/**
 * Answers any board read (top, range, member, around, totals) from one script call, so the
 * entries, the member's standing, the totals and the seq all come from the same instant. REST
 * routes and the `board:query` socket event both end here. Public unless `live` (a host's read
 * of its own campaign, which sees counting go on while the public ranking is frozen).
 */
export async function queryBoard(
  ctx: BoardReadDeps,
  query: BoardQuery,
  options: { live?: boolean } = {},
): Promise<BoardView | MemberView> {
  const ref = await whenAvailable(() => ctx.boards.window(query.boardId, query.window, query.day));
  const from = options.live
    ? liveReadKeys(ctx.keys, query.boardId, ref)
    : (await whenAvailable(() => publicSource(ctx, query.boardId, ref))).from;
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
  const slice = await whenAvailable(() => readBoard(ctx.redis, ctx.keys, query.boardId, ref, read, from));
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
