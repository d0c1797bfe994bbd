import { type BoardModel, type LedgerModel, type LedgerTally, readLedgerState } from '@rallyboard/core/db';
import { decodeScore, type KeyBuilder, listDays, type RedisClient } from '@rallyboard/core/redis';

export interface RecoveryDeps {
  redis: RedisClient;
  keys: KeyBuilder;
  ledger: LedgerModel;
  boards: BoardModel;
}

/** One member whose Redis standing differs from what its ledger records add up to. */
export interface MemberDrift {
  candidateId: string;
  redis: { count: number; seq: number } | null;
  ledger: { count: number; seq: number };
}

export interface WindowReport {
  /** `all`, or the day. */
  window: string;
  total: { redis: number; ledger: number };
  drift: MemberDrift[];
}

export interface ReconcileReport {
  boardId: string;
  ledgerRecords: number;
  seq: { redis: number; ledger: number };
  windows: WindowReport[];
  /** Days on the ledger whose Redis keys have expired (past retention): not compared. */
  expiredDays: string[];
  /** True when every compared window matches, tie-breaks included. */
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
  const drift: MemberDrift[] = [];
  const ids = new Set([...inRedis.keys(), ...ledger.members.keys()]);
  for (const candidateId of ids) {
    const tally = ledger.members.get(candidateId) ?? { count: 0, lastSeq: 0 };
    const expected = { count: tally.count, seq: tally.lastSeq };
    const actual = inRedis.get(candidateId) ?? null;
    // A member that never changed may be absent (a day) or present at 0 (all-time): both fine.
    const matches =
      actual === null
        ? expected.count === 0 && expected.seq === 0
        : actual.count === expected.count && actual.seq === expected.seq;
    if (!matches) drift.push({ candidateId, redis: actual, ledger: expected });
  }
  return { window, total: { redis: Number(total ?? 0), ledger: ledger.total }, drift };
}

/** True when a day's keys may have expired: retention has passed since the day surely ended. */
function dayExpired(day: string, retentionDays: number): boolean {
  // A day ends within two days of its UTC date, whatever the timezone.
  return Date.parse(`${day}T00:00:00Z`) + (retentionDays + 2) * 86_400_000 <= Date.now();
}

/**
 * Compares a board's Redis rankings with its ledger: every member's count and tie-break seq,
 * the totals, in the all-time window and in each retained day. Read-only. Votes in flight at
 * that moment (applied, not yet recorded) show up as drift; run it again once they settle.
 */
export async function reconcile(deps: RecoveryDeps, boardId: string): Promise<ReconcileReport> {
  const state = await readLedgerState(deps.ledger, boardId);
  const k = deps.keys.board(boardId);
  const windows = [await compareWindow(deps.redis, 'all', k.scores, k.total, state.all)];
  const expiredDays: string[] = [];
  // Days either side has: a day only Redis has holds changes the ledger never recorded.
  const inRedis = new Set(await listDays(deps.redis, deps.keys, boardId));
  const board = await deps.boards.findById(boardId, { dailyRetentionDays: 1 }).lean();
  const retentionDays = board?.dailyRetentionDays ?? 0;
  const days = [...new Set([...state.days.keys(), ...inRedis])].sort();
  for (const day of days) {
    const d = k.day(day);
    if (!inRedis.has(day) && dayExpired(day, retentionDays)) {
      expiredDays.push(day);
      continue;
    }
    const tallies = state.days.get(day) ?? { total: 0, members: new Map<string, LedgerTally>() };
    windows.push(await compareWindow(deps.redis, day, d.scores, d.total, tallies));
  }
  const seq = { redis: Number((await deps.redis.get(k.seq)) ?? 0), ledger: state.seq };
  const ok =
    windows.every((w) => w.drift.length === 0 && w.total.redis === w.total.ledger) && seq.redis >= seq.ledger;
  return { boardId, ledgerRecords: state.records, seq, windows, expiredDays, ok };
}
