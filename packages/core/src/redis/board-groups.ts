import { PERIOD_WINDOWS, type PeriodWindow } from '../protocol/periods.js';
import { listPeriods } from './board-periods.js';
import type { RedisClient } from './connection.js';
import type { GroupKeys, KeyBuilder, WindowKeys } from './keys.js';
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

/** One window of a board or a group board: all-time, or one period. */
type Spot = { window: 'all' } | { window: PeriodWindow; start: string };

const at = (board: GroupKeys | (WindowKeys & Pick<GroupKeys, 'period'>), spot: Spot): WindowKeys =>
  spot.window === 'all' ? board : board.period(spot.window, spot.start);

/** Attempts at a move that a concurrent move of the same member keeps overtaking. */
const MOVE_ATTEMPTS = 5;

/**
 * Puts each member named in `wanted` in the group it names ('' for none), moving its counts in
 * every window Redis holds with it (setMemberGroup-4+.lua), one member at a time, each atomic.
 * Members already where they belong cost one HMGET; the windows are listed (SCAN) only when a
 * member moves. Watchers are told to resync (a `reset` on the board's change channel) after any move.
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
  const held = await listPeriods(redis, keys, boardId);
  const spots: Spot[] = [
    { window: 'all' },
    ...PERIOD_WINDOWS.flatMap((window) => held[window].map((start) => ({ window, start }))),
  ];
  const move = (candidateId: string, from: string, to: string) => {
    const [old, next] = [k.group(from), k.group(to)];
    const windowKeys = spots.flatMap((spot) => {
      const [w, o, n, g] = [at(k, spot), at(old, spot), at(next, spot), at(k.groups, spot)];
      return [w.scores, o.scores, o.total, n.scores, n.total, g.scores, g.total];
    });
    return runScript(
      redis,
      'setMemberGroup',
      [k.memberGroups, k.groups.members, old.members, next.members, ...windowKeys],
      [candidateId, from, to, SEQ_SPAN],
    );
  };
  let moved = 0;
  for (let attempt = 1; moves.length > 0; attempt++) {
    const replies = await Promise.all(moves.map(([id, to]) => move(id, current.get(id) ?? '', to)));
    moved += replies.filter((reply) => reply === 1).length;
    const stale = moves.filter((_, i) => replies[i] === SCRIPT_CODES.staleGroup);
    if (stale.length > 0 && attempt >= MOVE_ATTEMPTS) {
      throw scriptFailure(SCRIPT_CODES.staleGroup, 'setMemberGroup');
    }
    current = await readMemberGroups(
      redis,
      keys,
      boardId,
      stale.map(([id]) => id),
    );
    moves = stale;
  }
  if (moved > 0) {
    // Every watcher of a group ranking takes a fresh snapshot (a diff cannot say that a member
    // left a ranking), and every process reads the board's groups again.
    const seq = Number((await redis.get(k.seq)) ?? 0);
    await redis.publish(
      keys.boardChanges(boardId),
      JSON.stringify({ boardId, seq, members: [], reset: true, origin: 'groups' }),
    );
  }
  return moved;
}
