import {
  AppError,
  type BoardQuery,
  type BoardView,
  type MemberStanding,
  type MemberView,
  periodStart,
  type RankingView,
} from '@rallyboard/core/protocol';
import {
  type BoardRead,
  type GroupRanking,
  isGroupRanking,
  type KeyBuilder,
  liveReadKeys,
  publicReadKeys,
  type Ranking,
  type ReadKeys,
  type RedisClient,
  readBoard,
  type WindowRef,
} from '@rallyboard/core/redis';
import { whenAvailable } from '../lib/when-available.js';
import { type DerivedSlice, deriveRanking } from './derived-ranking.js';
import { type BoardLookup, withCurrentStatus } from './lookup.js';

/** What reading a board needs: Redis, its keys, and the boards' cache and windows. */
export interface BoardReadDeps {
  redis: RedisClient;
  keys: KeyBuilder;
  boards: Pick<BoardLookup, 'cache' | 'window' | 'require' | 'archived'>;
}

/**
 * The keys a public read of a window takes: the board's snapshot while the board is frozen (封榜;
 * a group ranking is then derived from it, see frozenRanking), the ranking's live keys otherwise (see publicReadKeys for the day rules). The status is the board cache's,
 * read from Redis (a board Redis lacks reads live keys, and readBoard answers BOARD_NOT_FOUND).
 * A cached status can be older than a freeze made by another process (until its reset reaches this
 * process's relay), or than its end: the keys are marked with the status they were chosen by
 * (`publicStatus`), which the read script refuses once it is not the board's (see withCurrentStatus).
 * Every public read goes through here: REST, socket acks, subscribe snapshots and the relay.
 */
export async function publicSource(
  ctx: Pick<BoardReadDeps, 'keys' | 'boards'>,
  boardId: string,
  ref: WindowRef,
  ranking: Ranking = { view: 'candidates' },
): Promise<{ from: ReadKeys; frozen: boolean }> {
  const board = await ctx.boards.cache.get(boardId);
  if (board?.status === 'frozen') {
    return {
      from: { ...publicReadKeys(ctx.keys, boardId, board, ref), publicStatus: 'frozen' },
      frozen: true,
    };
  }
  return { from: { ...liveReadKeys(ctx.keys, boardId, ref, ranking), publicStatus: 'live' }, frozen: false };
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

/** What a query reads: a page, one member, a member and its neighbours, or just the totals. */
function readOf(query: BoardQuery): Exclude<BoardRead, { mode: 'watch' }> {
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

/** The ranking a query names: the candidates (all, or one group's), or the groups. */
export function rankingOf(query: { view?: RankingView | undefined; group?: string | undefined }): Ranking {
  return query.view === 'groups' ? { view: 'groups' } : { view: 'candidates', group: query.group };
}

/** What a view or a pushed update says of its ranking: nothing for the board's candidates. */
export function rankingFields(ranking: Ranking): Pick<BoardView, 'group' | 'view'> {
  if (ranking.view === 'groups') return { view: 'groups' };
  return ranking.group === undefined ? {} : { view: 'candidates', group: ranking.group };
}

/** A view of one read, with the member it named when it named one. */
function viewOf(
  boardId: string,
  ref: WindowRef,
  ranking: Ranking,
  read: { seq: number; totals: BoardView['totals']; entries: BoardView['entries']; foci: MemberStanding[] },
): BoardView | MemberView {
  const view: BoardView = {
    boardId,
    window: ref.window,
    day: ref.window === 'all' ? null : ref.day,
    seq: read.seq,
    totals: read.totals,
    entries: read.entries,
    ...rankingFields(ranking),
  };
  const [member] = read.foci;
  return member ? { ...view, member } : view;
}

/**
 * An ended period's read from its archive (MongoDB), the same answer a read of Redis gives;
 * undefined when it has no archive yet, when MongoDB does not answer (Redis then answers a
 * period within retention), or when a frozen board's public read must come from the freeze (the
 * freeze's period and after: see publicReadKeys). A group ranking is derived from the archive's
 * whole ranking.
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
  const ranking = rankingOf(query);
  const plain = !isGroupRanking(ranking);
  if (
    plain &&
    (query.type === 'member' || query.type === 'around') &&
    !board.members.has(query.candidateId)
  ) {
    throw new AppError('UNKNOWN_MEMBER');
  }
  const read = readOf(query);
  // MongoDB unreachable: Redis still answers a period within retention, as it did before archives.
  const slice = await ctx.boards
    .archived(query.boardId, ref, plain ? read : { mode: 'range', offset: 0, limit: board.members.size })
    .catch((error: unknown) => {
      if (error instanceof AppError) throw error;
      return undefined;
    });
  if (!slice) return undefined;
  const { seq, total, members } = slice.archive;
  const answer = plain
    ? { totals: { votes: total, members }, entries: slice.entries, foci: slice.foci }
    : (() => {
        try {
          return deriveRanking(slice.entries, slice.seqs, board.groups, ranking, read);
        } catch (error) {
          throw rankingError(ranking, error);
        }
      })();
  return viewOf(query.boardId, ref, ranking, { seq, ...answer });
}

/** A group ranking names a group the board has (GROUP_NOT_FOUND otherwise). */
async function checkRanking(ctx: BoardReadDeps, boardId: string, ranking: Ranking): Promise<void> {
  if (ranking.view !== 'candidates' || ranking.group === undefined) return;
  const board = await whenAvailable(() => ctx.boards.require(boardId));
  const { group } = ranking;
  if (![...board.groups.values()].includes(group)) {
    throw new AppError('GROUP_NOT_FOUND', { details: { group } });
  }
}

/**
 * Answers any board read (top, range, member, around, totals) of any ranking (the candidates,
 * one group's, the groups') from one script call, so the entries, the member's standing, the
 * totals and the seq all come from the same instant. REST routes and the `board:query` socket
 * event both end here. Public unless `live` (a host's read of its own campaign, which sees
 * counting go on while the public ranking is frozen).
 * @param options.input where the read's fields came from, for an error's path @default 'query'
 */
export async function queryBoard(
  ctx: BoardReadDeps,
  query: BoardQuery,
  options: { live?: boolean; input?: 'query' | 'payload' } = {},
): Promise<BoardView | MemberView> {
  const view = await readQuery(ctx, query, options);
  // A page past the last entry would read as an empty ranking: refused, naming the offset.
  if (query.type === 'range' && query.offset > 0 && view.entries.length === 0) {
    throw new AppError('INVALID_INPUT', {
      details: [
        {
          path: `${options.input ?? 'query'}.offset`,
          message: `is past the end of the ranking (offset ${query.offset}; nothing is ranked there)`,
        },
      ],
    });
  }
  return view;
}

async function readQuery(
  ctx: BoardReadDeps,
  query: BoardQuery,
  options: { live?: boolean; input?: 'query' | 'payload' },
): Promise<BoardView | MemberView> {
  const ranking = rankingOf(query);
  await checkRanking(ctx, query.boardId, ranking);
  const { ref, ended } = await periodOf(ctx, query, options.input ?? 'query');
  if (ended && ref.window !== 'all') {
    const archived = await fromArchive(ctx, query, ref, options.live === true);
    if (archived) return archived;
  }
  const read = readOf(query);
  // The cached status may predate a freeze made by another process: see withCurrentStatus.
  const slice = await withCurrentStatus(ctx.boards, query.boardId, async () => {
    const source = options.live
      ? { from: liveReadKeys(ctx.keys, query.boardId, ref, ranking), frozen: false }
      : await whenAvailable(() => publicSource(ctx, query.boardId, ref, ranking));
    if (source.frozen && isGroupRanking(ranking)) {
      return frozenRanking(ctx, query.boardId, ref, ranking, read);
    }
    return whenAvailable(() => readBoard(ctx.redis, ctx.keys, query.boardId, ref, read, source.from));
  }).catch((error: unknown) => {
    throw rankingError(ranking, error);
  });
  return viewOf(query.boardId, ref, ranking, slice);
}

/**
 * What a read of a group ranking answers for an id it does not rank: the groups' ranking has no
 * such group (GROUP_NOT_FOUND), a group no such candidate (UNKNOWN_MEMBER, saying the group).
 */
function rankingError(ranking: Ranking, error: unknown): unknown {
  if (!(error instanceof AppError) || error.code !== 'UNKNOWN_MEMBER') return error;
  if (ranking.view === 'groups') return new AppError('GROUP_NOT_FOUND');
  if (ranking.group === undefined) return error;
  return new AppError('UNKNOWN_MEMBER', {
    message: 'The group has no such candidate.',
    details: { group: ranking.group },
  });
}

/**
 * A group ranking of a frozen board's public window: derived from the freeze's snapshot of the
 * whole board (the group keys go on counting behind the freeze and are never public meanwhile).
 */
export async function frozenRanking(
  ctx: BoardReadDeps,
  boardId: string,
  ref: WindowRef,
  ranking: GroupRanking,
  read: BoardRead,
): Promise<{ seq: number } & DerivedSlice> {
  const board = await whenAvailable(() => ctx.boards.require(boardId));
  const { from } = await publicSource(ctx, boardId, ref);
  const whole = await whenAvailable(() =>
    readBoard(
      ctx.redis,
      ctx.keys,
      boardId,
      ref,
      { mode: 'range', offset: 0, limit: board.members.size },
      from,
    ),
  );
  return { seq: whole.seq, ...deriveRanking(whole.entries, whole.seqs, board.groups, ranking, read) };
}

/**
 * Every candidate's count on a campaign's public all-time ranking (frozen while the campaign is),
 * and its total, in one read: what is worked out from counted votes (matching, shared goals) reads
 * them here, so a candidate ranked last counts too.
 */
export const everyCandidate = (ctx: BoardReadDeps, campaign: { _id: string; members: readonly unknown[] }) =>
  queryBoard(ctx, {
    type: 'range',
    boardId: campaign._id,
    window: 'all',
    offset: 0,
    limit: Math.max(1, campaign.members.length),
  });
