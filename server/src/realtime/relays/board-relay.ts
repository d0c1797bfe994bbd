import { boardChangeSchema, type RedisClient } from '@rallyboard/core/redis';
import { parseBoardRoom, type RealtimeServer } from '../types.js';
import { createBoardRooms } from './board-rooms.js';
import { parseChannelMessage, type Relay, whenResubscribed } from './channel.js';
import { createPushRetries } from './push-retries.js';
import { createRoomPusher, type Dirty, type Pushed, type RoomPushDeps } from './room-push.js';

export interface BoardRelayDeps extends RoomPushDeps {
  /** The subscriber connection, shared with the other relays. */
  subscriber: RedisClient;
  config: { relay: { tickMs: number; topN: number } };
}

/** A board room's name, read back. */
type BoardRoom = NonNullable<ReturnType<typeof parseBoardRoom>>;
/** How often watched day, week and month rooms are checked for a new period. */
const DAY_CHECK_MS = 5_000;

/** The board's entry among this tick's changes (created if need be): the next flush pushes it. */
function markDirty(dirty: Map<string, Dirty>, boardId: string, reset: boolean): Dirty {
  const entry = dirty.get(boardId) ?? { members: new Set<string>(), reset: false };
  entry.reset ||= reset;
  dirty.set(boardId, entry);
  return entry;
}

/** The board's rooms among some room names, each once, read back. */
function roomsIn(boardId: string, ...lists: Iterable<string>[]) {
  const rooms = new Map<string, { name: string } & BoardRoom>();
  for (const list of lists) {
    for (const name of list) {
      const parsed = parseBoardRoom(name);
      if (parsed?.boardId === boardId) rooms.set(name, { name, ...parsed });
    }
  }
  return [...rooms.values()];
}

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
 * A room whose push failed is tried again (push-retries.ts) without waiting for a vote.
 */
export function createBoardRelay(io: RealtimeServer, ctx: BoardRelayDeps): Relay {
  const { subscriber, keys, logger } = ctx;
  const { tickMs } = ctx.config.relay;
  const dirty = new Map<string, Dirty>();
  const pushed = new Map<string, Pushed>();
  let timer: NodeJS.Timeout | undefined;
  let flushing = false;
  let stopped = false;
  const push = createRoomPusher(io, ctx, pushed, () => stopped);
  let lastFlush = 0;
  let dayCheck: NodeJS.Timeout | undefined;

  const watched = createBoardRooms(io);
  // A failed push sent nothing and may hear of no other change: its board is pushed again later.
  const retries = createPushRetries((boardIds) => {
    for (const boardId of boardIds) markDirty(dirty, boardId, false);
    timer ??= setTimeout(() => void flush(), Math.max(0, lastFlush + tickMs - Date.now()));
  });
  /**
   * A board's rooms: those watched, those last pushed to, and those whose push failed (a push
   * forgets a room nobody watches).
   */
  const roomsOf = (boardId: string) => roomsIn(boardId, watched.of(boardId), pushed.keys(), retries.rooms());

  const onMessage = (_pattern: string, channel: string, message: string) => {
    const boardId = keys.boardIdFromChannel(channel);
    if (!boardId) return;
    const change = parseChannelMessage(boardChangeSchema, message, logger, `change message on ${channel}`);
    if (!change) return;
    // A reset may come with a new status (a freeze or its end): read it again, here and for
    // every public read of this process, before anything of the board is pushed.
    if (change.reset) ctx.boards.cache.forget(boardId);
    const entry = markDirty(dirty, boardId, change.reset);
    for (const member of change.members) entry.members.add(member);
    // At most one flush per tick, but no waiting after a quiet spell: a change that comes more
    // than a tick after the last flush goes out at once.
    timer ??= setTimeout(() => void flush(), Math.max(0, lastFlush + tickMs - Date.now()));
  };

  // After a reconnect, changes published meanwhile were never heard (and a freeze or its end
  // among them never made this process read the board's status again): once subscribed again,
  // every watched board is read again and every room starts over with a reset.
  const reconnects = whenResubscribed({
    subscriber,
    resubscribe: () => subscriber.psubscribe(keys.boardChangesPattern),
    resync: () => {
      pushed.clear();
      for (const boardId of watched.boards()) {
        ctx.boards.cache.forget(boardId);
        markDirty(dirty, boardId, true);
      }
      timer ??= setTimeout(() => void flush(), 0);
    },
    logger,
  });

  /**
   * A day, week or month window's screen must turn to the new period at midnight (board
   * timezone) even if no vote comes: every few seconds, each watched period room whose period
   * has passed gets a reset. A watched room never pushed to (joined after its board's last
   * change, or forgotten by a reconnect or a failed push) has no period to compare: it gets its
   * first push, a reset with the current period, and is compared from then on.
   */
  async function checkDays(): Promise<void> {
    for (const room of new Set([...pushed.keys(), ...watched.all()])) {
      const parsed = parseBoardRoom(room);
      if (!parsed || parsed.window === 'all') continue;
      const last = pushed.get(room);
      try {
        if (last) {
          const ref = await ctx.boards.window(parsed.boardId, parsed.window);
          if (ref.window === 'all' || ref.day === last.day) continue;
        }
        markDirty(dirty, parsed.boardId, false);
        timer ??= setTimeout(() => void flush(), 0);
      } catch (error) {
        logger.warn({ err: error, room }, 'relay could not check the period of a room');
      }
    }
  }

  /**
   * One flush at a time: a push reads what the room was last sent and records what it sends, so
   * two flushes at once (reads slower than a tick) sent a room an update from an older base after
   * a newer one. Changes that come meanwhile wait for the next flush, scheduled as it ends.
   */
  async function flush(): Promise<void> {
    timer = undefined;
    if (flushing) return;
    flushing = true;
    try {
      lastFlush = Date.now();
      const boards = [...dirty];
      dirty.clear();
      ctx.metrics?.tick(boards.length);
      await Promise.all(
        boards.flatMap(([boardId, change]) =>
          roomsOf(boardId).map(async (room) => {
            retries.settle(room.name, await push(boardId, room.window, room.ranking, change));
          }),
        ),
      );
    } finally {
      flushing = false;
      if (dirty.size > 0 && !stopped) {
        timer ??= setTimeout(() => void flush(), Math.max(0, lastFlush + tickMs - Date.now()));
      }
      if (!stopped) retries.schedule();
    }
  }

  return {
    async start() {
      watched.start();
      subscriber.on('pmessage', onMessage);
      reconnects.start();
      await subscriber.psubscribe(keys.boardChangesPattern);
      dayCheck = setInterval(() => void checkDays(), DAY_CHECK_MS);
      dayCheck.unref();
      logger.info({ pattern: keys.boardChangesPattern, tickMs }, 'relay subscribed');
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      clearInterval(dayCheck);
      retries.stop();
      watched.stop();
      subscriber.off('pmessage', onMessage);
      reconnects.stop();
      if (subscriber.status === 'ready') await subscriber.punsubscribe(keys.boardChangesPattern);
    },
  };
}
