import { type PeriodWindow, periodStart } from '../protocol/periods.js';
import { markerOfFields } from '../redis/vote-marker.js';
import type { LedgerModel, LedgerVote } from './ledger.js';

/** A member's counted changes in one window, as the ledger has them. */
export interface LedgerTally {
  count: number;
  /** The seq of the member's last counted change. */
  lastSeq: number;
}

/** One window's tallies: its total and each member's. */
export interface WindowTallies {
  total: number;
  members: Map<string, LedgerTally>;
  /**
   * Its counted records. Records are only ever added or turned counted, never taken away, so
   * this number grows with every change to the window: an archive's version (see archives.ts).
   */
  counted?: number;
}

/**
 * The ledger's windows of a period kind, folded from its days: a week's or a month's member
 * counts are the sums of its days', and a member's last change the latest of them (every
 * counted change goes to its day, its week and its month in the same step). Days stay days.
 * @param weekStartsOn the board's first day of the week, 1 Monday … 7 Sunday
 */
export function periodTallies(
  days: ReadonlyMap<string, WindowTallies>,
  window: PeriodWindow,
  weekStartsOn: number,
): Map<string, WindowTallies> {
  if (window === 'day') return new Map(days);
  const periods = new Map<string, WindowTallies>();
  for (const [day, tallies] of days) {
    const period = entryOf(periods, periodStart(day, window, weekStartsOn), () => ({
      total: 0,
      members: new Map<string, LedgerTally>(),
      counted: 0,
    }));
    period.total += tallies.total;
    period.counted = (period.counted ?? 0) + (tallies.counted ?? 0);
    for (const [candidateId, t] of tallies.members) {
      const entry = entryOf(period.members, candidateId, () => ({ count: 0, lastSeq: 0 }));
      entry.count += t.count;
      entry.lastSeq = Math.max(entry.lastSeq, t.lastSeq);
    }
  }
  return periods;
}

/** A board's state as its ledger defines it. */
export interface LedgerState {
  /** The highest seq of any counted vote. */
  seq: number;
  all: WindowTallies;
  days: Map<string, WindowTallies>;
  /**
   * Day → the acceptance time (epoch ms) of its latest counted vote, which sets when the day's,
   * week's and month's keys expire in Redis (`dayExpiresAt`). A retraction or a re-count is left
   * out: it applies with its vote's acceptance time, and that vote is a counted record of the day.
   */
  lastAcceptedAt: Map<string, number>;
  /** Like boards: member → voters whose last counted action was a like. */
  likes: Map<string, Set<string>>;
  /**
   * Votes decided since a time, for restoring markers: id → the verdict's marker text. Collected
   * only when asked, and only those whose marker would still live: a board's whole ledger would
   * not fit in memory.
   */
  verdicts: Map<string, { text: string; decidedAt: Date }>;
  /**
   * Quota use of counted votes (action `vote`) with a voter: per voter over the board's life,
   * and per day → voter → member for the days asked for (those a quota still limits). Collected
   * only when asked.
   */
  quotas: { totals: Map<string, number>; days: Map<string, Map<string, Map<string, number>>> };
  /** Records read. */
  records: number;
}

function tally(members: Map<string, LedgerTally>, candidateId: string, delta: number, seq: number) {
  const entry = members.get(candidateId) ?? { count: 0, lastSeq: 0 };
  entry.count += delta;
  entry.lastSeq = Math.max(entry.lastSeq, seq);
  members.set(candidateId, entry);
}

/** The fields of a ledger record its quota use depends on. */
type QuotaRecord = Pick<LedgerVote, 'verdict' | 'action' | 'restores' | 'voterId' | 'day' | 'candidateId'>;

/** What a reader of the ledger asks for besides the rankings (see `readLedgerState`). */
export interface LedgerStateOptions {
  /** Also collect the verdicts of the votes decided after this time (rebuild restores their markers). */
  verdicts?: { decidedAfter: Date };
  /** Also collect the voters' quota use: totals, and these days' (rebuild restores the counters). */
  quotas?: { days: readonly string[] };
  /** Read only the records of these days (inclusive): one period's, for its archive. */
  days?: { from: string; to: string };
}

/** Finds or makes the value of a key in a map. */
function entryOf<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

/**
 * Quota use: every vote counted or held for its voter, but not a held vote counted again; per
 * day only on the days kept.
 */
function foldQuotaUse(quotas: LedgerState['quotas'], record: QuotaRecord, days: ReadonlySet<string>): void {
  const usesQuota =
    (record.verdict === 'counted' || record.verdict === 'held') &&
    record.action === 'vote' &&
    record.restores === undefined;
  if (!usesQuota || record.voterId === undefined) return;
  quotas.totals.set(record.voterId, (quotas.totals.get(record.voterId) ?? 0) + 1);
  if (!days.has(record.day)) return;
  const voters = entryOf(quotas.days, record.day, () => new Map<string, Map<string, number>>());
  const members = entryOf(voters, record.voterId, () => new Map<string, number>());
  members.set(record.candidateId, (members.get(record.candidateId) ?? 0) + 1);
}

/** Like sets: member → voters whose last counted change of it, by seq, was +1. */
function likesOf(lastLike: ReadonlyMap<string, { seq: number; delta: number }>): Map<string, Set<string>> {
  const likes = new Map<string, Set<string>>();
  for (const [key, { delta }] of lastLike) {
    if (delta !== 1) continue;
    const [candidateId = '', voterId = ''] = key.split('\u0000');
    const voters = likes.get(candidateId) ?? new Set<string>();
    voters.add(voterId);
    likes.set(candidateId, voters);
  }
  return likes;
}

/**
 * Reads a board's whole ledger once, in a cursor, and folds it into the state the rankings
 * should hold. Plain find with a projection: nothing FerretDB lacks.
 * What it keeps grows with the board's members and days, and with the votes of the verdicts and
 * the voters of the quota days asked for, never with the whole ledger.
 */
export async function readLedgerState(
  model: LedgerModel,
  boardId: string,
  options: LedgerStateOptions = {},
): Promise<LedgerState> {
  const state: LedgerState = {
    seq: 0,
    all: { total: 0, members: new Map() },
    days: new Map(),
    lastAcceptedAt: new Map(),
    likes: new Map(),
    verdicts: new Map(),
    quotas: { totals: new Map(), days: new Map() },
    records: 0,
  };
  const lastLike = new Map<string, { seq: number; delta: number }>();
  const decidedAfter = options.verdicts?.decidedAfter.getTime();
  const quotaDays = new Set(options.quotas?.days);
  const cursor = model
    .find(options.days ? { boardId, day: { $gte: options.days.from, $lte: options.days.to } } : { boardId }, {
      candidateId: 1,
      action: 1,
      voterId: 1,
      verdict: 1,
      reason: 1,
      delta: 1,
      seq: 1,
      day: 1,
      acceptedAt: 1,
      decidedAt: 1,
      retracts: 1,
      restores: 1,
    })
    .lean()
    .cursor({ batchSize: 5_000 });
  for await (const record of cursor) {
    state.records++;
    if (decidedAfter !== undefined && record.decidedAt.getTime() > decidedAfter) {
      state.verdicts.set(record._id, { text: markerOfFields(record), decidedAt: record.decidedAt });
    }
    if (options.quotas) foldQuotaUse(state.quotas, record, quotaDays);
    if (record.verdict !== 'counted' || record.delta === undefined || record.seq === undefined) continue;
    const { candidateId, delta, seq, day } = record;
    state.seq = Math.max(state.seq, seq);
    state.all.total += delta;
    tally(state.all.members, candidateId, delta, seq);
    const window = entryOf(state.days, day, () => ({
      total: 0,
      members: new Map<string, LedgerTally>(),
      counted: 0,
    }));
    window.total += delta;
    window.counted = (window.counted ?? 0) + 1;
    tally(window.members, candidateId, delta, seq);
    if (record.retracts === undefined && record.restores === undefined) {
      const acceptedAt = record.acceptedAt.getTime();
      if (acceptedAt > (state.lastAcceptedAt.get(day) ?? -Infinity))
        state.lastAcceptedAt.set(day, acceptedAt);
    }
    // Like sets: the voter's last counted change of a member; a retraction is an unlike.
    if (record.voterId !== undefined && record.action !== 'vote') {
      const key = `${candidateId}\u0000${record.voterId}`;
      if ((lastLike.get(key)?.seq ?? -1) < seq) lastLike.set(key, { seq, delta });
    }
  }
  state.likes = likesOf(lastLike);
  return state;
}
