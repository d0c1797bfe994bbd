import type { ArchiveRead } from '@rallyboard/core/db';
import {
  AppError,
  type BoardQuery,
  type BoardView,
  type MemberView,
  periodStart,
} from '@rallyboard/core/protocol';
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
  boards: Pick<BoardLookup, 'cache' | 'window' | 'require' | 'archived'>;
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
 * The period a read names, refused INVALID_INPUT (naming `<input>.day`) when it has not begun:
 * nothing can have been counted there, and an empty answer would read as a real one. `ended`
 * when it is a period before the current one.
 */
async function periodOf(
  ctx: BoardReadDeps,
  query: BoardQuery,
  input: 'query' | 'payload',
): Promise<{ ref: WindowRef; ended: boolean }> {
  const ref = await whenAvailable(() => ctx.boards.window(query.boardId, query.window, query.day));
  if (query.day === undefined || ref.window === 'all') return { ref, ended: false };
  const current = await whenAvailable(() => ctx.boards.window(query.boardId, ref.window));
  if (current.window !== 'all' && ref.day > current.day) {
    throw new AppError('INVALID_INPUT', {
      details: [
        {
          path: `${input}.day`,
          message: `is in a ${ref.window} that has not begun (the current one began ${current.day})`,
        },
      ],
    });
  }
  return { ref, ended: current.window !== 'all' && ref.day < current.day };
}

/** What an archive read takes for a query: a page (none for totals), a member, or a member and its neighbours. */
function archiveReadOf(query: BoardQuery): ArchiveRead {
  switch (query.type) {
    case 'member':
      return { mode: 'member', candidateId: query.candidateId };
    case 'around':
      return { mode: 'around', candidateId: query.candidateId, k: query.k };
    case 'range':
      return { mode: 'range', offset: query.offset, limit: query.limit };
    case 'top':
      return { mode: 'range', offset: 0, limit: query.limit };
    case 'totals':
      return { mode: 'range', offset: 0, limit: 0 };
  }
}

/**
 * An ended period's read from its archive (MongoDB), the same answer a read of Redis gives;
 * undefined when it has no archive yet, when MongoDB does not answer (Redis then answers a
 * period within retention), or when a frozen board's public read must come from the freeze (the
 * freeze's period and after: see publicReadKeys).
 */
async function fromArchive(
  ctx: BoardReadDeps,
  query: BoardQuery,
  ref: Extract<WindowRef, { day: string }>,
  live: boolean,
): Promise<BoardView | MemberView | undefined> {
  const board = await whenAvailable(() => ctx.boards.require(query.boardId));
  const frozenFrom = board.frozen ? periodStart(board.frozen.day, ref.window, board.weekStartsOn) : '';
  if (!live && board.status === 'frozen' && ref.day >= frozenFrom) return undefined;
  if ((query.type === 'member' || query.type === 'around') && !board.members.has(query.candidateId)) {
    throw new AppError('UNKNOWN_MEMBER');
  }
  // MongoDB unreachable: Redis still answers a period within retention, as it did before archives.
  const slice = await ctx.boards
    .archived(query.boardId, ref, archiveReadOf(query))
    .catch((error: unknown) => {
      if (error instanceof AppError) throw error;
      return undefined;
    });
  if (!slice) return undefined;
  const view: BoardView = {
    boardId: query.boardId,
    window: ref.window,
    day: ref.day,
    seq: slice.archive.seq,
    totals: { votes: slice.archive.total, members: slice.archive.members },
    entries: slice.entries,
  };
  const [member] = slice.foci;
  return member ? { ...view, member } : view;
}

/**
 * Answers any board read (top, range, member, around, totals) from one script call, so the
 * entries, the member's standing, the totals and the seq all come from the same instant. REST
 * routes and the `board:query` socket event both end here. Public unless `live` (a host's read
 * of its own campaign, which sees counting go on while the public ranking is frozen).
 * @param options.input where the read's fields came from, for an error's path @default 'query'
 */
export async function queryBoard(
  ctx: BoardReadDeps,
  query: BoardQuery,
  options: { live?: boolean; input?: 'query' | 'payload' } = {},
): Promise<BoardView | MemberView> {
  const { ref, ended } = await periodOf(ctx, query, options.input ?? 'query');
  if (ended && ref.window !== 'all') {
    const archived = await fromArchive(ctx, query, ref, options.live === true);
    if (archived) return archived;
  }
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
