import {
  type ArchiveModels,
  type BoardModel,
  type LedgerModel,
  type LedgerTally,
  memberGroupsOf,
  periodTallies,
  readLedgerState,
  type WindowTallies,
} from '@rallyboard/core/db';
import { PERIOD_WINDOWS, type PeriodWindow, periodStart, weekStartOf } from '@rallyboard/core/protocol';
import {
  dayExpiresAt,
  decodeScore,
  type KeyBuilder,
  listPeriods,
  periodExpiresAfter,
  periodExpiresAt,
  type RedisClient,
} from '@rallyboard/core/redis';
import { driftOf } from './drift.js';
import { type BoardWindow, groupWindows, windowState } from './group-windows.js';
import { type ArchiveReport, reconcileArchives } from './reconcile-archives.js';

export interface RecoveryDeps {
  redis: RedisClient;
  keys: KeyBuilder;
  ledger: LedgerModel;
  boards: BoardModel;
  /** Ended periods' rankings: compared with the ledger, and written again by a rebuild. */
  archives: ArchiveModels;
}

/** One member whose Redis standing differs from what its ledger records add up to. */
export interface MemberDrift {
  candidateId: string;
  redis: { count: number; seq: number } | null;
  ledger: { count: number; seq: number };
}

export interface WindowReport {
  /** `all`, the day (`YYYY-MM-DD`), or `week:<first day>` / `month:<first day>`. */
  window: string;
  total: { redis: number; ledger: number };
  drift: MemberDrift[];
}

export interface ReconcileReport {
  boardId: string;
  ledgerRecords: number;
  seq: { redis: number; ledger: number };
  windows: WindowReport[];
  /**
   * Periods on the ledger that Redis no longer has and whose keys may have expired (retention
   * after their latest counted vote), named as `window` is; and the group rankings of periods
   * Redis holds (`<window> group:<id>`, `<window> groups`) that Redis no longer has, once any key
   * of their period may have expired (a group's keys expire with its own latest vote or move in
   * the period, which only Redis knows): not compared.
   */
  expired: string[];
  /** Each ended period's archive against its ledger records. */
  archives: ArchiveReport[];
  /** True when every compared window and archive matches, tie-breaks included. */
  ok: boolean;
}

async function compareWindow(
  redis: RedisClient,
  window: string,
  scoresKey: string,
  totalKey: string,
  ledger: { total: number; members: Map<string, LedgerTally> },
): Promise<WindowReport> {
  const [flat, total] = await Promise.all([
    redis.zrange(scoresKey, '0', '-1', 'WITHSCORES'),
    redis.get(totalKey),
  ]);
  const inRedis = new Map<string, { count: number; seq: number }>();
  for (let i = 0; i + 1 < flat.length; i += 2) {
    inRedis.set(String(flat[i]), decodeScore(Number(flat[i + 1])));
  }
  const drift = driftOf(inRedis, ledger.members).map(({ candidateId, found, ledger: expected }) => ({
    candidateId,
    redis: found,
    ledger: expected,
  }));
  return { window, total: { redis: Number(total ?? 0), ledger: ledger.total }, drift };
}

/** The latest acceptance time of each period's counted votes: the latest of its days'. */
function lastAcceptedOf(
  days: ReadonlyMap<string, number>,
  window: PeriodWindow,
  weekStartsOn: number,
): Map<string, number> {
  const periods = new Map<string, number>();
  for (const [day, at] of days) {
    const start = periodStart(day, window, weekStartsOn);
    periods.set(start, Math.max(at, periods.get(start) ?? at));
  }
  return periods;
}

/**
 * When a period's keys may first have expired, unix seconds: the earlier of the expiry its votes
 * set (its latest counted vote's acceptance time plus retention plus one day, for a week six
 * days more, for a month thirty: `dayExpiresAt`) and the one a rebuild sets (retention after
 * the period's end). A period east of UTC ends before its UTC date does, so its votes' expiry
 * comes first, by up to a day and a half.
 * @param lastAcceptedMs its latest counted vote's acceptance time, if it has any
 */
function mayExpireAt(
  window: PeriodWindow,
  start: string,
  lastAcceptedMs: number | undefined,
  retentionDays: number,
): number {
  const byRebuild = periodExpiresAt(start, window, retentionDays);
  if (lastAcceptedMs === undefined) return byRebuild;
  return Math.min(byRebuild, periodExpiresAfter(dayExpiresAt(lastAcceptedMs, retentionDays), window));
}

/** How long before its UTC date a calendar day begins in the easternmost timezone (UTC+14). */
const EARLIEST_DAY_START_MS = 14 * 3_600_000;

/**
 * When a group ranking of a period (a group's, or the groups') may first have expired, unix
 * seconds. Its keys expire with the group's own latest vote or move in the period, which only
 * Redis knows (a move gives a group the counts of votes made in another, and the board's window
 * of the period its expiry), so this is the earliest any write to the period's keys sets: a
 * vote at the period's first instant in any timezone, or a rebuild.
 */
function groupMayExpireAt(period: { window: PeriodWindow; start: string }, retentionDays: number): number {
  const firstInstant = Date.parse(`${period.start}T00:00:00Z`) - EARLIEST_DAY_START_MS;
  return mayExpireAt(period.window, period.start, firstInstant, retentionDays);
}

/**
 * Compares a board's Redis rankings with its ledger: every member's count and tie-break seq,
 * the totals, in the all-time window and in each retained day, week and month. Read-only. Votes in flight at
 * that moment (applied, not yet recorded) show up as drift; run it again once they settle.
 */
export async function reconcile(deps: RecoveryDeps, boardId: string): Promise<ReconcileReport> {
  const state = await readLedgerState(deps.ledger, boardId);
  const k = deps.keys.board(boardId);
  const windows = [await compareWindow(deps.redis, 'all', k.scores, k.total, state.all)];
  const expired: string[] = [];
  // Periods either side has: a period only Redis has holds changes the ledger never recorded.
  const inRedis = await listPeriods(deps.redis, deps.keys, boardId);
  const board = await deps.boards
    .findById(boardId, { dailyRetentionDays: 1, weekStartsOn: 1, members: 1 })
    .lean();
  const retentionDays = board?.dailyRetentionDays ?? 0;
  const nowSec = Date.now() / 1000;
  const compared: BoardWindow[] = [{ name: 'all', state: windowState(state.all), expiresAt: null }];
  for (const window of PERIOD_WINDOWS) {
    const ledger = periodTallies(state.days, window, weekStartOf(board));
    const lastAccepted = lastAcceptedOf(state.lastAcceptedAt, window, weekStartOf(board));
    const held = new Set(inRedis[window]);
    for (const start of [...new Set([...ledger.keys(), ...held])].sort()) {
      const name = window === 'day' ? start : `${window}:${start}`;
      // Gone from Redis, and its keys may have expired: the ledger's tallies are not Redis's to hold.
      if (!held.has(start) && mayExpireAt(window, start, lastAccepted.get(start), retentionDays) <= nowSec) {
        expired.push(name);
        continue;
      }
      const w = k.period(window, start);
      const empty: WindowTallies = { total: 0, members: new Map<string, LedgerTally>() };
      const tallies = ledger.get(start) ?? empty;
      windows.push(await compareWindow(deps.redis, name, w.scores, w.total, tallies));
      compared.push({ name, period: { window, start }, state: windowState(tallies), expiresAt: null });
    }
  }
  // The group boards of the same windows, as the ledger and the board's groups make them.
  const members = board?.members ?? [];
  const derived = groupWindows(
    deps.keys,
    boardId,
    compared,
    memberGroupsOf(members),
    members.map((m) => m.candidateId),
  );
  for (const w of derived) {
    // A group's keys of a period may expire before the board's window does (its latest vote
    // came earlier): gone once they may have, they are not Redis's to hold.
    if (
      w.period &&
      groupMayExpireAt(w.period, retentionDays) <= nowSec &&
      (await deps.redis.exists(w.keys.scores, w.keys.total)) === 0
    ) {
      expired.push(w.name);
      continue;
    }
    const tallies = new Map(w.members.map((m) => [m.candidateId, { count: m.count, lastSeq: m.seq }]));
    windows.push(
      await compareWindow(deps.redis, w.name, w.keys.scores, w.keys.total, {
        total: w.total,
        members: tallies,
      }),
    );
  }
  const seq = { redis: Number((await deps.redis.get(k.seq)) ?? 0), ledger: state.seq };
  const archives = await reconcileArchives(deps, boardId);
  const ok =
    windows.every((w) => w.drift.length === 0 && w.total.redis === w.total.ledger) &&
    archives.every((a) => a.drift.length === 0 && a.total.archive === a.total.ledger) &&
    seq.redis >= seq.ledger;
  return { boardId, ledgerRecords: state.records, seq, windows, expired, archives, ok };
}
