import { boardChangeSchema, readLeaderboard } from '@rallyboard/core/redis';
import type { AppDeps } from '../deps.js';
import { boardRoom, type RealtimeServer } from '../realtime/types.js';

export interface Relay {
  /** Subscribes to every board's change channel. Resolves once the subscription is active. */
  start(): Promise<void>;
  /** Unsubscribes and stops the tick. Pending changes are dropped: clients resync on reconnect. */
  stop(): Promise<void>;
}

/**
 * Relays workers' changes to socket.io rooms, coalesced per board per tick: however many votes
 * land in one tick, each watching room gets at most one `rank:updated`, so fan-out cost grows
 * with ticks × clients, not votes × clients.
 */
export function createRelay(io: RealtimeServer, deps: AppDeps): Relay {
  const { subscriber, keys, logger } = deps;
  const { tickMs, topN } = deps.config.relay;
  /** Boards with changes since their last push. */
  const dirty = new Set<string>();
  /** The seq last pushed per board, so a board is never pushed the same state twice. */
  const lastPushed = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const onMessage = (_pattern: string, channel: string, message: string) => {
    const boardId = keys.boardIdFromChannel(channel);
    if (!boardId) return;
    const change = boardChangeSchema.safeParse(safeJson(message));
    if (!change.success) {
      logger.warn({ channel }, 'ignoring a malformed change message');
      return;
    }
    dirty.add(boardId);
    timer ??= setTimeout(() => void flush(), tickMs);
  };

  async function flush(): Promise<void> {
    timer = undefined;
    const boards = [...dirty];
    dirty.clear();
    await Promise.all(boards.map((boardId) => push(boardId)));
  }

  async function push(boardId: string): Promise<void> {
    const room = boardRoom(boardId);
    // Nobody watching: nothing to read. A later subscriber gets a fresh snapshot anyway.
    if (!io.sockets.adapter.rooms.get(room)?.size) {
      lastPushed.delete(boardId);
      return;
    }
    try {
      const snapshot = await readLeaderboard(deps.redis, keys, boardId, topN);
      if (stopped || snapshot.seq <= (lastPushed.get(boardId) ?? -1)) return;
      lastPushed.set(boardId, snapshot.seq);
      io.to(room).emit('rank:updated', snapshot);
    } catch (error) {
      logger.error({ err: error, boardId }, 'relay could not push a board update');
    }
  }

  return {
    async start() {
      subscriber.on('pmessage', onMessage);
      await subscriber.psubscribe(keys.boardChangesPattern);
      logger.info({ pattern: keys.boardChangesPattern, tickMs }, 'relay subscribed');
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      subscriber.off('pmessage', onMessage);
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
