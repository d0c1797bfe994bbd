import type { MemberStanding, RankUpdate, RankWindow } from '@rallyboard/core/protocol';
import { WINDOWS } from '@rallyboard/core/protocol';
import { boardChangeSchema, readBoard } from '@rallyboard/core/redis';
import { publicSource } from '../boards/queries.js';
import type { AppContext } from '../deps.js';
import { boardRoom, parseBoardRoom, type RealtimeServer } from '../realtime/types.js';

export interface Relay {
  /** Subscribes to every board's change channel. Resolves once the subscription is active. */
  start(): Promise<void>;
  /** Unsubscribes and stops the tick. Pending changes are dropped: clients resync on reconnect. */
  stop(): Promise<void>;
}

/** What a room was last sent: the base of the next diff. */
interface Pushed {
  seq: number;
  day: string | null;
  top: Map<string, MemberStanding>;
}

/** Changes gathered for one board during the current tick. */
interface Dirty {
  members: Set<string>;
  reset: boolean;
}

/** Most changed members a tick reads individually; past this, the room gets a full reset. */
const MAX_FOCI = 500;
/** How often watched day rooms are checked for a new day. */
const DAY_CHECK_MS = 5_000;

/**
 * Relays workers' changes to socket.io rooms, coalesced per board per tick.
 *
 * However many votes land in one tick, each watching room (a board window) gets at most one
 * `rank:updated`, so fan-out cost grows with ticks × clients, not votes × clients. That update
 * carries only what changed since the room's previous one: the members whose score changed,
 * and the top-N members whose rank moved, each with its new rank and score, plus the totals.
 * One script call per room reads it all at one instant. A room's first push, a new day, a
 * rebuild and a Redis reconnect send `reset` (the whole top N) instead. A frozen board's rooms
 * get no diffs: the public ranking is the freeze's snapshot until the freeze ends with a reset.
 */
export function createRelay(io: RealtimeServer, ctx: AppContext): Relay {
  const { subscriber, keys, logger } = ctx;
  const { tickMs, topN } = ctx.config.relay;
  const dirty = new Map<string, Dirty>();
  const pushed = new Map<string, Pushed>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let everReady = false;
  let lastFlush = 0;
  let dayCheck: NodeJS.Timeout | undefined;

  const onMessage = (_pattern: string, channel: string, message: string) => {
    const boardId = keys.boardIdFromChannel(channel);
    if (!boardId) return;
    const change = boardChangeSchema.safeParse(safeJson(message));
    if (!change.success) {
      logger.warn({ channel }, 'ignoring a malformed change message');
      return;
    }
    // A reset may come with a new status (a freeze or its end): read it again, here and for
    // every public read of this process, before anything of the board is pushed.
    if (change.data.reset) ctx.boards.cache.forget(boardId);
    const entry = dirty.get(boardId) ?? { members: new Set<string>(), reset: false };
    for (const member of change.data.members) entry.members.add(member);
    entry.reset ||= change.data.reset;
    dirty.set(boardId, entry);
    // At most one flush per tick, but no waiting after a quiet spell: a change that comes more
    // than a tick after the last flush goes out at once.
    timer ??= setTimeout(() => void flush(), Math.max(0, lastFlush + tickMs - Date.now()));
  };

  // After a reconnect, messages may have been missed: every room starts over with a reset.
  const onReady = () => {
    if (everReady) pushed.clear();
    everReady = true;
  };

  /**
   * A day window's screen must turn to the new day at midnight (board timezone) even if no vote
   * comes: every few seconds, each watched day room whose day has passed gets a reset.
   */
  async function checkDays(): Promise<void> {
    for (const [room, last] of pushed) {
      const parsed = parseBoardRoom(room);
      if (parsed?.window !== 'day' || last.day === null) continue;
      try {
        const ref = await ctx.boards.window(parsed.boardId, 'day');
        if (ref.window === 'day' && ref.day !== last.day) {
          const entry = dirty.get(parsed.boardId) ?? { members: new Set<string>(), reset: false };
          dirty.set(parsed.boardId, entry);
          timer ??= setTimeout(() => void flush(), 0);
        }
      } catch (error) {
        logger.warn({ err: error, room }, 'relay could not check the day of a room');
      }
    }
  }

  async function flush(): Promise<void> {
    timer = undefined;
    lastFlush = Date.now();
    const boards = [...dirty];
    dirty.clear();
    await Promise.all(
      boards.flatMap(([boardId, change]) => WINDOWS.map((window) => push(boardId, window, change))),
    );
  }

  async function push(boardId: string, window: RankWindow, change: Dirty): Promise<void> {
    const room = boardRoom(boardId, window);
    // Nobody watching: nothing to read. A later subscriber gets a fresh snapshot anyway.
    if (!io.sockets.adapter.rooms.get(room)?.size) {
      pushed.delete(room);
      return;
    }
    try {
      const ref = await ctx.boards.window(boardId, window);
      const day = ref.window === 'day' ? ref.day : null;
      const last = pushed.get(room);
      const resync = !last || last.day !== day || change.reset;
      const reset = resync || change.members.size > MAX_FOCI;
      const { from, frozen } = await publicSource(ctx, boardId, ref);
      // A frozen board's public ranking does not change: no diffs for its votes. A resync (the
      // freeze itself, a new day, a rebuild, a room's first push) still sends the public
      // ranking, which is the snapshot.
      if (frozen && !resync) return;
      const foci = reset ? [] : [...new Set([...change.members, ...last.top.keys()])];
      const slice = await readBoard(
        ctx.redis,
        keys,
        boardId,
        ref,
        { mode: 'watch', limit: topN, candidateIds: foci },
        from,
      );
      if (stopped || (!reset && slice.seq <= last.seq)) return;

      const top = new Map(slice.entries.map((e) => [e.candidateId, e as MemberStanding]));
      let entries: MemberStanding[];
      if (reset) {
        entries = slice.entries;
      } else {
        const now = new Map([...slice.foci.map((f) => [f.candidateId, f] as const), ...top]);
        entries = [...now.values()].filter((standing) => {
          const before = last.top.get(standing.candidateId);
          return (
            change.members.has(standing.candidateId) ||
            !before ||
            before.rank !== standing.rank ||
            before.score !== standing.score
          );
        });
      }
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
      };
      // `local`: each server instance relays to its own sockets from its own subscription.
      io.local.to(room).emit('rank:updated', update);
    } catch (error) {
      pushed.delete(room);
      logger.error({ err: error, boardId, window }, 'relay could not push a board update');
    }
  }

  return {
    async start() {
      subscriber.on('pmessage', onMessage);
      subscriber.on('ready', onReady);
      everReady = subscriber.status === 'ready';
      await subscriber.psubscribe(keys.boardChangesPattern);
      dayCheck = setInterval(() => void checkDays(), DAY_CHECK_MS);
      dayCheck.unref();
      logger.info({ pattern: keys.boardChangesPattern, tickMs }, 'relay subscribed');
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      clearInterval(dayCheck);
      subscriber.off('pmessage', onMessage);
      subscriber.off('ready', onReady);
      if (subscriber.status === 'ready') await subscriber.punsubscribe(keys.boardChangesPattern);
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
