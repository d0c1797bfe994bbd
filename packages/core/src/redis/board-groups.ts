import { PERIOD_WINDOWS } from '../protocol/periods.js';
import { listPeriods } from './board-periods.js';
import type { RedisClient } from './connection.js';
import { type KeyBuilder, type PeriodRef, windowOf } from './keys.js';
import { SEQ_SPAN } from './score.js';
import { runScript, SCRIPT_CODES, scriptFailure } from './scripts.js';

/** Member id → its group's id ('' for none), as Redis holds them. */
export async function readMemberGroups(
  redis: RedisClient,
  keys: KeyBuilder,
  boardId: string,
  candidateIds: readonly string[],
): Promise<Map<string, string>> {
  if (candidateIds.length === 0) return new Map();
  const groups = await redis.hmget(keys.board(boardId).memberGroups, ...candidateIds);
  return new Map(candidateIds.map((id, i) => [id, groups[i] ?? '']));
}

/** One window of a board or a group board: all-time (undefined), or one period. */
type Spot = PeriodRef | undefined;

/**
 * Every window of the board a move must carry counts in: the all-time window, each period a SCAN
 * finds, and each period the periods zset names (a vote may have created one during the SCAN; the
 * move script refuses a period created after this read).
 */
async function listWindows(redis: RedisClient, keys: KeyBuilder, boardId: string): Promise<Spot[]> {
  const k = keys.board(boardId);
  const held = await listPeriods(redis, keys, boardId);
  const named = await redis.zrange(k.periods, '0', '-1');
  const starts = Object.fromEntries(PERIOD_WINDOWS.map((w) => [w, new Set(held[w])]));
  for (const key of named) {
    const period = k.periodOfKey(key);
    if (period) starts[period.window]?.add(period.start);
  }
  return [
    undefined,
    ...PERIOD_WINDOWS.flatMap((window) =>
      [...(starts[window] ?? [])].sort().map((start) => ({ window, start })),
    ),
  ];
}

/** Tells the board's watchers and every process to read the board again (a `reset` change). */
async function publishReset(redis: RedisClient, keys: KeyBuilder, boardId: string): Promise<void> {
  const seq = Number((await redis.get(keys.board(boardId).seq)) ?? 0);
  await redis.publish(
    keys.boardChanges(boardId),
    JSON.stringify({ boardId, seq, members: [], reset: true, origin: 'groups' }),
  );
}

/** Attempts at a move that a concurrent move of the same member keeps overtaking. */
const MOVE_ATTEMPTS = 5;

/**
 * Puts each member named in `wanted` in the group it names ('' for none), moving its counts in
 * every window Redis holds with it (setMemberGroup-5+.lua), one member at a time, each atomic.
 * Members already where they belong cost one HMGET; the windows are listed (SCAN) only when a
 * member moves. Watchers are told to resync (a `reset` on the board's change channel) after any
 * move, also when the call then fails for another member (one a concurrent move or vote kept
 * overtaking): the members that moved are announced either way.
 * @returns how many members moved
 */
export async function setMemberGroups(
  redis: RedisClient,
  keys: KeyBuilder,
  boardId: string,
  wanted: ReadonlyMap<string, string>,
): Promise<number> {
  const k = keys.board(boardId);
  let current = await readMemberGroups(redis, keys, boardId, [...wanted.keys()]);
  let moves = [...wanted].filter(([id, group]) => current.get(id) !== group);
  if (moves.length === 0) return 0;
  let spots = await listWindows(redis, keys, boardId);
  const move = (candidateId: string, from: string, to: string) => {
    const [old, next] = [k.group(from), k.group(to)];
    const windowKeys = spots.flatMap((spot) => {
      const [w, o, n, g] = [
        windowOf(k, spot),
        windowOf(old, spot),
        windowOf(next, spot),
        windowOf(k.groups, spot),
      ];
      return [w.scores, o.scores, o.total, n.scores, n.total, g.scores, g.total, w.total];
    });
    return runScript(
      redis,
      'setMemberGroup',
      [k.memberGroups, k.groups.members, old.members, next.members, k.periods, ...windowKeys],
      [candidateId, from, to, SEQ_SPAN],
    );
  };
  let moved = 0;
  try {
    for (let attempt = 1; moves.length > 0; attempt++) {
      // Settled, not all: a move that fails must not hide the others of the batch that moved.
      const settled = await Promise.allSettled(moves.map(([id, to]) => move(id, current.get(id) ?? '', to)));
      const replies = settled.map((s) => (s.status === 'fulfilled' ? s.value : undefined));
      moved += replies.filter((reply) => reply === 1).length;
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
      const again = (code: number) => moves.filter((_, i) => replies[i] === code);
      const [staleGroup, staleWindows] = [again(SCRIPT_CODES.staleGroup), again(SCRIPT_CODES.staleWindows)];
      if (staleGroup.length + staleWindows.length > 0 && attempt >= MOVE_ATTEMPTS) {
        throw scriptFailure(
          staleGroup.length > 0 ? SCRIPT_CODES.staleGroup : SCRIPT_CODES.staleWindows,
          'setMemberGroup',
        );
      }
      if (staleWindows.length > 0) spots = await listWindows(redis, keys, boardId);
      moves = [...staleGroup, ...staleWindows];
      current = await readMemberGroups(
        redis,
        keys,
        boardId,
        moves.map(([id]) => id),
      );
    }
  } finally {
    // Every watcher of a group ranking takes a fresh snapshot (a diff cannot say that a member
    // left a ranking), and every process reads the board's groups again: after any move, also
    // when another member of the call failed to (its error is what the caller sees).
    if (moved > 0) await publishReset(redis, keys, boardId);
  }
  return moved;
}
