import { type LedgerState, periodTallies, type WindowTallies } from '@rallyboard/core/db';
import { PERIOD_WINDOWS } from '@rallyboard/core/protocol';
import {
  type InstalledPeriod,
  type InstalledWindow,
  installBoard,
  listPeriods,
  periodExpiresAt,
  scanKeys,
  type WindowKeys,
} from '@rallyboard/core/redis';
import { type BoardWindow, groupWindows, windowState } from './group-windows.js';
import type { RecoveryDeps } from './reconcile.js';

/**
 * The group windows Redis holds that the ledger does not make (a group or a period with changes
 * it never recorded): the install deletes them in the same step.
 */
async function staleGroupWindows(
  deps: Pick<RecoveryDeps, 'redis' | 'keys'>,
  boardId: string,
  installed: readonly InstalledWindow[],
): Promise<WindowKeys[]> {
  const k = deps.keys.board(boardId);
  const kept = new Set(installed.map((w) => w.keys.scores));
  const stale = new Map<string, WindowKeys>();
  for (const pattern of k.groupPatterns) {
    for await (const batch of scanKeys(deps.redis, pattern)) {
      for (const key of batch) {
        const window = k.groupWindowOfKey(key);
        if (window && !kept.has(window.scores)) stale.set(window.scores, window);
      }
    }
  }
  return [...stale.values()];
}

/**
 * Installs the ledger's rankings and totals, all-time and of every retained day, week and
 * month, and the group boards of each, in one script that never lowers the seq, freezes the board
 * when asked (`freezeDay`), lifts the fence and tells watchers to resync.
 * Periods past retention are removed instead.
 * @returns the board's seq and the periods installed
 */
export async function installWindows(
  deps: Pick<RecoveryDeps, 'redis' | 'keys'>,
  boardId: string,
  state: LedgerState,
  options: {
    fence: string;
    origin: string;
    nowMs: number;
    dailyRetentionDays: number;
    weekStartsOn: number;
    /** Member id → group id, and every registered member: the group boards are installed too. */
    groups: ReadonlyMap<string, string>;
    members: readonly string[];
    /** Freeze the board in the install's step, on this day (board timezone): its campaign froze meanwhile. */
    freezeDay?: string | undefined;
  },
): Promise<{ seq: number; days: number; periods: number }> {
  const { redis, keys } = deps;
  const k = keys.board(boardId);
  const nowSec = Math.floor(options.nowMs / 1000);
  const inRedis = await listPeriods(redis, keys, boardId);
  const periods: InstalledPeriod[] = [];
  const expired: string[] = [];
  for (const window of PERIOD_WINDOWS) {
    const ledger = periodTallies(state.days, window, options.weekStartsOn);
    // Every period the ledger has, and every one Redis has: a period only Redis has holds
    // changes the ledger never recorded (their markers were dropped before), so it is installed empty.
    const empty: WindowTallies = { total: 0, members: new Map() };
    for (const start of [...new Set([...ledger.keys(), ...inRedis[window]])].sort()) {
      const expiresAt = periodExpiresAt(start, window, options.dailyRetentionDays);
      if (expiresAt <= nowSec) {
        const w = k.period(window, start);
        expired.push(w.scores, w.total);
      } else {
        periods.push({ window, start, expiresAt, ...windowState(ledger.get(start) ?? empty) });
      }
    }
  }
  if (expired.length > 0) await redis.del(...expired);
  const all = windowState(state.all);
  const windows: BoardWindow[] = [
    { state: all, expiresAt: null },
    ...periods.map((p) => ({ period: p, state: p, expiresAt: p.expiresAt })),
  ];
  const groups = groupWindows(keys, boardId, windows, options.groups, options.members);
  const seq = await installBoard(redis, keys, boardId, {
    fence: options.fence,
    seq: state.seq,
    all,
    periods,
    groups,
    drop: await staleGroupWindows(deps, boardId, groups),
    freeze:
      options.freezeDay === undefined
        ? undefined
        : { day: options.freezeDay, weekStartsOn: options.weekStartsOn },
    origin: options.origin,
  });
  return { seq, days: periods.filter((p) => p.window === 'day').length, periods: periods.length };
}
