import { DEFAULT_WEEK_STARTS_ON, PERIOD_MAX_DAYS, periodStart } from '../protocol/periods.js';
import type { VoteAction } from '../protocol/votes.js';
import { readMemberGroups } from './board-groups.js';
import type { RedisClient } from './connection.js';
import type { KeyBuilder } from './keys.js';
import { MAX_COUNT, MAX_SEQ, SEQ_SPAN } from './score.js';
import { runScript, SCRIPT_CODES, scriptFailure } from './scripts.js';
import { parseVerdict, type VoteVerdict } from './vote-marker.js';

/**
 * What risk control decided for a vote to apply: `n` apply as usual, `h` hold for review, `x`
 * reject (RISK_REJECTED), `a` approve a held vote, `v` void a held vote. See applyVotes-9+.lua.
 */
export type ApplyMode = 'n' | 'h' | 'x' | 'a' | 'v';

/** What a vote to apply does: a participant's action, or the retraction of a counted vote. */
export type ApplyAction = VoteAction | 'retract';

/** One vote to apply, with the day it counts for (from its acceptance time, board timezone). */
export interface VoteToApply {
  voteId: string;
  candidateId: string;
  action: ApplyAction;
  /** @default 'n' */
  mode?: ApplyMode | undefined;
  voterId?: string | undefined;
  day: string;
  /**
   * When that day's keys may expire, unix seconds (dayExpiresAt). Its week's and month's keys
   * may expire as many days later as those periods are longer.
   */
  dayExpiresAt: number;
  /** When the voter's quota counters of that day may expire, unix seconds. @default quotaExpiresAt(now) */
  quotaExpiresAt?: number | undefined;
  /**
   * Risk control's assessment of a vote it did not accept, as text: kept beside the vote's marker
   * (written in the same atomic step, for as long as the marker) when the vote is decided now, and
   * answered with its verdict whenever the vote comes again. Never written over a first run's.
   */
  assessment?: string | undefined;
}

/** A vote's verdict; for a duplicate, with the assessment kept when it was first decided, if any. */
export type AppliedVerdict = VoteVerdict & { assessment?: string };

/** What a batch came to: each vote's verdict, or why none of them was applied. */
export type ApplyVotesResult =
  | { outcome: 'applied'; seq: number; verdicts: AppliedVerdict[] }
  /** Redis does not have the board: never registered, or its state was lost. */
  | { outcome: 'board-missing' }
  /** A rebuild holds the board; nothing was applied. */
  | { outcome: 'fenced' };

/** Attempts at a batch whose members keep moving group meanwhile (a host's edits). */
const GROUP_ATTEMPTS = 5;

/**
 * Applies a batch of votes of one board in one script call (applyVotes-9+.lua): each counted
 * change goes to the all-time window and to its day's, week's and month's, and, for a member in
 * a group, to those windows of its group's ranking and of the groups' ranking. Safe to call again
 * with any of the same vote ids: those come back as duplicates with their first verdict.
 * @param options.weekStartsOn the board's first day of the week, 1 Monday … 7 Sunday @default 1
 */
export async function applyVotes(
  redis: RedisClient,
  keys: KeyBuilder,
  boardId: string,
  votes: readonly VoteToApply[],
  options: { dedupTtlSeconds: number; origin: string; weekStartsOn?: number | undefined },
): Promise<ApplyVotesResult> {
  if (votes.length === 0) return { outcome: 'applied', seq: 0, verdicts: [] };
  const k = keys.board(boardId);
  const weekStartsOn = options.weekStartsOn ?? DEFAULT_WEEK_STARTS_ON;
  const candidateIds = [...new Set(votes.map((v) => v.candidateId))];
  let reply: unknown;
  for (let attempt = 1; ; attempt++) {
    // The script refuses the batch (-5) if a member moved group since this read; read again.
    const groups = await readMemberGroups(redis, keys, boardId, candidateIds);
    const voteKeys: string[] = [];
    const voteArgs: (string | number)[] = [];
    for (const vote of votes) {
      const weekStart = periodStart(vote.day, 'week', weekStartsOn);
      const monthStart = periodStart(vote.day, 'month');
      const day = k.day(vote.day);
      const week = k.period('week', weekStart);
      const month = k.period('month', monthStart);
      const voter = vote.voterId ?? '';
      const group = groups.get(vote.candidateId) ?? '';
      voteKeys.push(
        k.vote(vote.voteId),
        day.scores,
        day.total,
        week.scores,
        week.total,
        month.scores,
        month.total,
        k.likes(vote.candidateId),
        k.quotaDay(vote.day, voter),
        k.risk.decision(vote.voteId),
      );
      if (group !== '') {
        const g = k.group(group);
        for (const [own, all] of [
          [g, k.groups],
          [g.period('day', vote.day), k.groups.period('day', vote.day)],
          [g.period('week', weekStart), k.groups.period('week', weekStart)],
          [g.period('month', monthStart), k.groups.period('month', monthStart)],
        ] as const) {
          voteKeys.push(own.scores, own.total, all.scores, all.total);
        }
      }
      voteArgs.push(
        vote.candidateId,
        vote.action,
        voter,
        vote.day,
        vote.dayExpiresAt,
        periodExpiresAfter(vote.dayExpiresAt, 'week'),
        periodExpiresAfter(vote.dayExpiresAt, 'month'),
        vote.quotaExpiresAt ?? quotaExpiresAt(Date.now()),
        vote.mode ?? 'n',
        group,
        vote.assessment ?? '',
      );
    }
    reply = await runScript(
      redis,
      'applyVotes',
      [
        k.meta,
        k.members,
        k.scores,
        k.total,
        k.seq,
        k.fence,
        k.quotaTotals,
        k.memberGroups,
        k.periods,
        ...voteKeys,
      ],
      [
        SEQ_SPAN,
        MAX_COUNT,
        MAX_SEQ,
        options.dedupTtlSeconds,
        keys.boardChanges(boardId),
        boardId,
        options.origin,
        ...voteArgs,
      ],
    );
    if (reply !== SCRIPT_CODES.staleGroup) break;
    if (attempt >= GROUP_ATTEMPTS) throw scriptFailure(reply, 'applyVotes');
  }
  if (reply === SCRIPT_CODES.boardMissing) return { outcome: 'board-missing' };
  if (reply === SCRIPT_CODES.fenced) return { outcome: 'fenced' };
  if (!Array.isArray(reply) || reply.length !== 4) throw new Error('applyVotes returned an unexpected reply');
  const [seq, verdicts, duplicates, assessments] = reply as [number, string[], number[], string[]];
  return {
    outcome: 'applied',
    seq: Number(seq),
    verdicts: verdicts.map((text, i): AppliedVerdict => {
      const verdict = parseVerdict(String(text), duplicates[i] === 1);
      const assessment = String(assessments[i] ?? '');
      return assessment === '' ? verdict : { ...verdict, assessment };
    }),
  };
}

/**
 * When a day's keys may expire: at least `retentionDays` after the day ends. Each vote pushes
 * the expiry of its day's keys to its own acceptance time plus retention plus one day, so the
 * latest vote of the day sets it (the apply script sets each key's expiry once a batch, the
 * latest of its votes').
 */
export function dayExpiresAt(acceptedAtMs: number, retentionDays: number): number {
  return Math.floor(acceptedAtMs / 1000) + (retentionDays + 1) * 86_400;
}

/**
 * When a vote's week's or month's keys may expire, from its day's expiry: as many days later as
 * the period may be longer than a day (six for a week, thirty for a month), so a period's keys
 * outlive its last day's. The apply script sets these; reconcile expects them.
 */
export function periodExpiresAfter(dayExpiresAtSeconds: number, window: 'day' | 'week' | 'month'): number {
  return dayExpiresAtSeconds + (PERIOD_MAX_DAYS[window] - PERIOD_MAX_DAYS.day) * 86_400;
}

/**
 * When a voter's quota counters of a day may expire: two days after a vote, past the end of its
 * day in any timezone, and never before two days from now. Quotas need only the current day;
 * keeping them longer would cost memory per voter per day. A vote applied days after it was
 * accepted (a replayed dead letter) keeps its day's counters two days from its apply: an expiry
 * in the past would delete them at once, and each of the voter's late votes of that day would
 * find them empty and pass the day's quotas.
 * @param nowMs when the vote is applied @default Date.now()
 */
export function quotaExpiresAt(acceptedAtMs: number, nowMs = Date.now()): number {
  return Math.floor(Math.max(acceptedAtMs, nowMs) / 1000) + 2 * 86_400;
}

/** What one voter has used of a board's quotas: on a day, per member that day, and in total. */
export interface QuotaUse {
  day: number;
  byCandidate: Record<string, number>;
  total: number;
}

/** Reads a voter's quota use on a day (the apply script's counters). */
export async function readQuotaUse(
  redis: RedisClient,
  keys: KeyBuilder,
  boardId: string,
  voterId: string,
  day: string,
): Promise<QuotaUse> {
  const k = keys.board(boardId);
  const [dayHash, total] = await Promise.all([
    redis.hgetall(k.quotaDay(day, voterId)),
    redis.hget(k.quotaTotals, voterId),
  ]);
  const { '*': dayCount, ...byCandidate } = dayHash;
  return {
    day: Number(dayCount ?? 0),
    byCandidate: Object.fromEntries(Object.entries(byCandidate).map(([id, n]) => [id, Number(n)])),
    total: Number(total ?? 0),
  };
}
