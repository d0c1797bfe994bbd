import { parseBoardRoom } from '../types.js';

/** The wait before the first retry of a failed push; each failure in a row doubles it. */
const FIRST_RETRY_MS = 250;
/** The longest wait between retries: while Redis is down, a failing room costs a read this often. */
const MAX_RETRY_MS = 5_000;

/** The rooms whose last push failed, tried again with a growing wait until they succeed. */
export interface PushRetries {
  /** Every room whose last push failed. */
  rooms(): string[];
  /** Records how a room's push went: a failure is tried again later, a success forgets the room. */
  settle(room: string, ok: boolean): void;
  /** After a flush: when rooms failed, calls `due` with their boards once their wait is over. */
  schedule(): void;
  stop(): void;
}

/**
 * A push that failed (a Redis command timeout, MongoDB unreachable) sent its room nothing, and
 * nothing else may come to the room: a board's last vote, or an all-time room, which no period
 * check ever looks at again. So the room is tried again, after 250 ms, then 500 ms, and so on up
 * to 5 s between tries while the failures go on (no hot loop while a store is down), until a push
 * succeeds or nobody watches the room any more (its push then succeeds without a read).
 */
export function createPushRetries(due: (boardIds: string[]) => void): PushRetries {
  /** Each failing room's failures in a row. */
  const failing = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  return {
    rooms: () => [...failing.keys()],
    settle(room, ok) {
      if (ok) failing.delete(room);
      else failing.set(room, (failing.get(room) ?? 0) + 1);
    },
    schedule() {
      if (timer || failing.size === 0) return;
      const failures = Math.max(...failing.values());
      const wait = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (failures - 1));
      timer = setTimeout(() => {
        timer = undefined;
        due([...new Set([...failing.keys()].flatMap((room) => parseBoardRoom(room)?.boardId ?? []))]);
      }, wait);
      timer.unref();
    },
    stop() {
      clearTimeout(timer);
      timer = undefined;
      failing.clear();
    },
  };
}
