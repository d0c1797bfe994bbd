import type { LedgerState, LedgerTally } from '@rallyboard/core/db';
import { installBoard, listDays, type WindowState } from '@rallyboard/core/redis';
import type { RecoveryDeps } from './reconcile.js';

function windowState(tallies: {
  total: number;
  members: Map<string, { count: number; lastSeq: number }>;
}): WindowState {
  return {
    total: tallies.total,
    members: [...tallies.members]
      .filter(([, t]) => t.count !== 0 || t.lastSeq !== 0)
      .map(([candidateId, t]) => ({ candidateId, count: t.count, seq: t.lastSeq })),
  };
}

/**
 * Installs the ledger's rankings and totals, all-time and of every retained day, in one script
 * that never lowers the seq, lifts the fence and tells watchers to resync. Days past retention
 * are removed instead.
 * @returns the board's seq and the days installed
 */
export async function installWindows(
  deps: Pick<RecoveryDeps, 'redis' | 'keys'>,
  boardId: string,
  state: LedgerState,
  options: { fence: string; origin: string; nowMs: number; dailyRetentionDays: number },
): Promise<{ seq: number; days: number }> {
  const { redis, keys } = deps;
  const k = keys.board(boardId);
  const nowSec = Math.floor(options.nowMs / 1000);
  // Every day the ledger has, and every day Redis has: a day only Redis has holds changes the
  // ledger never recorded (their markers were dropped before), so it is installed empty.
  const empty = { total: 0, members: new Map<string, LedgerTally>() };
  const dayNames = new Set([...state.days.keys(), ...(await listDays(redis, keys, boardId))]);
  const allDays = [...dayNames].sort().map((day) => ({
    day,
    // A day ends within two days of its UTC date, whatever the timezone.
    expiresAt: Date.parse(`${day}T00:00:00Z`) / 1000 + (options.dailyRetentionDays + 2) * 86_400,
    ...windowState(state.days.get(day) ?? empty),
  }));
  const days = allDays.filter((d) => d.expiresAt > nowSec);
  const expired = allDays
    .filter((d) => d.expiresAt <= nowSec)
    .flatMap((d) => [k.day(d.day).scores, k.day(d.day).total]);
  if (expired.length > 0) await redis.del(...expired);
  const seq = await installBoard(redis, keys, boardId, {
    fence: options.fence,
    seq: state.seq,
    all: windowState(state.all),
    days,
    origin: options.origin,
  });
  return { seq, days: days.length };
}
