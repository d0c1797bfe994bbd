import type { Logger } from '@rallyboard/core/logger';
import { AppError, type MemberStanding, type RankUpdate, type RankWindow } from '@rallyboard/core/protocol';
import { isGroupRanking, type Ranking, readBoard, StaleStatusError } from '@rallyboard/core/redis';
import { type BoardReadDeps, frozenRanking, publicSource, rankingFields } from '../../boards/queries.js';
import type { RelayMetrics } from '../../metrics/recorders.js';
import { boardRoom, type RealtimeServer } from '../types.js';

export interface RoomPushDeps extends BoardReadDeps {
  logger: Logger;
  config: { relay: { topN: number } };
  /** Pushes and their bytes for /metrics; none recorded when absent. */
  metrics?: RelayMetrics;
}

/** What a room was last sent: the base of the next diff. */
export interface Pushed {
  seq: number;
  day: string | null;
  top: Map<string, MemberStanding>;
}

/** Changes gathered for one board during the current tick. */
export interface Dirty {
  members: Set<string>;
  reset: boolean;
}

/** Most changed members a tick reads individually; past this, the room gets a full reset. */
const MAX_FOCI = 500;

/**
 * What a room is sent of a diff: the members that changed, and the top-N members whose rank or
 * score moved since the room's last push.
 */
function changedEntries(
  change: Dirty,
  last: Pushed,
  top: ReadonlyMap<string, MemberStanding>,
  foci: readonly MemberStanding[],
): MemberStanding[] {
  const now = new Map([...foci.map((f) => [f.candidateId, f] as const), ...top]);
  return [...now.values()].filter((standing) => {
    const before = last.top.get(standing.candidateId);
    return (
      change.members.has(standing.candidateId) ||
      !before ||
      before.rank !== standing.rank ||
      before.score !== standing.score
    );
  });
}

/**
 * Pushes one board window's room what changed since its last push (see createBoardRelay), and
 * keeps in `pushed` what it sent. Resolves false when the push failed (a store that did not
 * answer, logged): the room was sent nothing, and is forgotten in `pushed`, so the caller tries it
 * again later, as a reset. True otherwise: sent, nothing to send, or nobody watching.
 */
export function createRoomPusher(
  io: RealtimeServer,
  ctx: RoomPushDeps,
  pushed: Map<string, Pushed>,
  stopped: () => boolean,
): (boardId: string, window: RankWindow, ranking: Ranking, change: Dirty) => Promise<boolean> {
  const { keys, logger } = ctx;
  const { topN } = ctx.config.relay;
  return async function push(boardId, window, ranking, boardChange): Promise<boolean> {
    const room = boardRoom(boardId, window, ranking);
    // Nobody watching: nothing to read. A later subscriber gets a fresh snapshot anyway.
    if (!io.sockets.adapter.rooms.get(room)?.size) {
      pushed.delete(room);
      return true;
    }
    try {
      const change = await changeOf(ctx, boardId, ranking, boardChange);
      const ref = await ctx.boards.window(boardId, window);
      const day = ref.window === 'all' ? null : ref.day;
      const last = pushed.get(room);
      const resync = !last || last.day !== day || change.reset;
      let reset = resync || change.members.size > MAX_FOCI;
      const { from, frozen } = await publicSource(ctx, boardId, ref, ranking);
      // A frozen board's public ranking does not change: no diffs for its votes. A resync (the
      // freeze itself, a new day, a rebuild, a room's first push) still sends the public
      // ranking, which is the snapshot.
      if (frozen && !resync) return true;
      const read = (foci: string[]) => {
        const watch = { mode: 'watch', limit: topN, candidateIds: foci } as const;
        return frozen && isGroupRanking(ranking)
          ? frozenRanking(ctx, boardId, ref, ranking, watch)
          : readBoard(ctx.redis, keys, boardId, ref, watch, from);
      };
      const foci = reset || !last ? [] : await fociOf(ctx, boardId, ranking, change, last);
      let slice: Awaited<ReturnType<typeof read>>;
      try {
        slice = await read(foci);
      } catch (error) {
        // A member of the room's last push left the group (a move whose reset has not reached
        // this relay yet, so the cached groups still name it there): the room takes the
        // ranking afresh, as a reset, which is what the move's reset sends it anyway.
        if (!(error instanceof AppError && error.code === 'UNKNOWN_MEMBER') || foci.length === 0) throw error;
        ctx.boards.cache.forget(boardId);
        reset = true;
        slice = await read([]);
      }
      if (stopped() || (!reset && last && slice.seq <= last.seq)) return true;

      const top = new Map(slice.entries.map((e) => [e.candidateId, e as MemberStanding]));
      const entries = reset || !last ? slice.entries : changedEntries(change, last, top, slice.foci);
      pushed.set(room, { seq: slice.seq, day, top });
      const update: RankUpdate = {
        boardId,
        window,
        day,
        fromSeq: last?.seq ?? 0,
        seq: slice.seq,
        reset,
        totals: slice.totals,
        entries,
        ...rankingFields(ranking),
      };
      // `local`: each server instance relays to its own sockets from its own subscription.
      io.local.to(room).emit('rank:updated', update);
      ctx.metrics?.pushed(window, Buffer.byteLength(JSON.stringify(update)));
      return true;
    } catch (error) {
      pushed.delete(room);
      if (error instanceof StaleStatusError) {
        // A freeze (or its end) made by another process, whose reset is on its way to this relay:
        // that reset sends the room the ranking of the status Redis has. Nothing was sent.
        ctx.boards.cache.forget(boardId);
        return true;
      }
      logger.error({ err: error, boardId, window, room }, 'relay could not push a board update');
      return false;
    }
  };
}

/**
 * The members a diff reads besides the top N: the changed ones and those of the room's last
 * push, less those no longer in the ranking by the board's groups (a move took them out).
 */
async function fociOf(
  ctx: RoomPushDeps,
  boardId: string,
  ranking: Ranking,
  change: Dirty,
  last: Pushed,
): Promise<string[]> {
  const foci = [...new Set([...change.members, ...last.top.keys()])];
  if (!isGroupRanking(ranking)) return foci;
  const { groups } = await ctx.boards.require(boardId);
  if (ranking.view === 'groups') {
    const named = new Set(groups.values());
    return foci.filter((group) => named.has(group));
  }
  return foci.filter((member) => groups.get(member) === ranking.group);
}

/**
 * What changed of one ranking: the board's changed members for the candidates; those of them in
 * the group for a group's; their groups for the groups'.
 */
async function changeOf(ctx: RoomPushDeps, boardId: string, ranking: Ranking, change: Dirty): Promise<Dirty> {
  if (!isGroupRanking(ranking)) return change;
  const { groups } = await ctx.boards.require(boardId);
  const members = new Set<string>();
  for (const member of change.members) {
    const group = groups.get(member);
    if (group === undefined) continue;
    if (ranking.view === 'groups') members.add(group);
    else if (group === ranking.group) members.add(member);
  }
  return { members, reset: change.reset };
}
