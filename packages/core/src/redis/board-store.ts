import type { Redis } from 'ioredis';
import { type CampaignStatus, campaignStatusSchema } from '../protocol/campaigns.js';
import { DEFAULT_TIMEZONE } from '../protocol/day.js';
import type { BoardTotals, LeaderboardEntry, MemberStanding, RankWindow } from '../protocol/leaderboard.js';
import type { VoteAction } from '../protocol/votes.js';
import type { KeyBuilder, WindowKeys } from './keys.js';
import { decodeScore, MAX_COUNT, MAX_SEQ, SEQ_SPAN } from './score.js';
import { runScript, SCRIPT_CODES, scriptFailure } from './scripts.js';
import { parseVerdict, type VoteVerdict } from './vote-marker.js';

export type BoardKind = 'vote' | 'like';

/**
 * A vote board's limits per voter (a campaign's rules); absent means no limit. Enforced by the
 * apply script atomically with the score; ingest's check is only a fast path.
 */
export interface BoardQuotas {
  /** Votes per voter per day (the board's day, in its timezone). */
  perDay?: number | undefined;
  /** Votes per voter per member per day. */
  perCandidatePerDay?: number | undefined;
  /** Votes per voter over the board's life. */
  total?: number | undefined;
}

/** True when the quotas set any limit. */
export const hasQuotas = (quotas: BoardQuotas | undefined): boolean =>
  quotas !== undefined && Object.values(quotas).some((q) => q !== undefined);

/** Meta hash fields of the quotas, as the apply script reads them. */
const QUOTA_FIELDS = {
  perDay: 'quotaDay',
  perCandidatePerDay: 'quotaCandidateDay',
  total: 'quotaTotal',
} as const;

/** A board as registered in Redis; the system of record is the `boards` collection. */
export interface BoardRegistration {
  boardId: string;
  title: string;
  kind: BoardKind;
  /** IANA timezone of the daily ranking. @default Asia/Shanghai */
  timezone?: string;
  /** How many days a day's ranking is kept after the day ends. */
  dailyRetentionDays: number;
  candidateIds: readonly string[];
  /** The campaign's status, when the board belongs to a campaign: ingest takes votes only while it is live or frozen. */
  status?: CampaignStatus | undefined;
  /** Per-voter limits; what is absent is removed from Redis, so a registration replaces them. */
  quotas?: BoardQuotas | undefined;
}

/** What Redis holds about a board besides its rankings. */
export interface BoardMeta {
  title: string;
  kind: BoardKind;
  timezone: string;
  dailyRetentionDays: number;
  /** The campaign's status; undefined for a board without a campaign. */
  status: CampaignStatus | undefined;
  quotas: BoardQuotas;
  /**
   * While frozen (封榜), the freeze day and seq recorded with the snapshot; undefined otherwise,
   * and when Redis lost the board while it was frozen (a rebuild does not restore the snapshot).
   */
  frozen?: { day: string; seq: number } | undefined;
}

/**
 * Makes a board and its members known to Redis. Idempotent; adds members, never removes them
 * (removing a candidate with votes is a decision for a later, audited operation). A new member
 * enters every all-time ranking at 0, ranked after members that have votes, by id.
 * @param options.fence also set the board's rebuild fence, in the same transaction
 */
export async function registerBoard(
  redis: Redis,
  keys: KeyBuilder,
  board: BoardRegistration,
  options: { fence?: { token: string; ttlMs: number } } = {},
): Promise<void> {
  const k = keys.board(board.boardId);
  const tx = redis.multi();
  if (options.fence) tx.set(k.fence, options.fence.token, 'PX', options.fence.ttlMs);
  tx.hset(k.meta, {
    title: board.title,
    kind: board.kind,
    timezone: board.timezone ?? DEFAULT_TIMEZONE,
    dailyRetentionDays: String(board.dailyRetentionDays),
    ...(board.status === undefined ? {} : { status: board.status }),
  });
  const quotas = Object.entries(QUOTA_FIELDS).map(([name, field]) => ({
    field,
    value: board.quotas?.[name as keyof BoardQuotas],
  }));
  const set = quotas.filter((q) => q.value !== undefined);
  const unset = quotas.filter((q) => q.value === undefined);
  if (set.length > 0) tx.hset(k.meta, Object.fromEntries(set.map((q) => [q.field, String(q.value)])));
  if (unset.length > 0) tx.hdel(k.meta, ...unset.map((q) => q.field));
  if (board.candidateIds.length > 0) {
    tx.sadd(k.members, ...board.candidateIds);
    tx.zadd(k.scores, 'NX', ...board.candidateIds.flatMap((id) => ['0', id]));
  }
  const results = await tx.exec();
  const failed = results?.find(([error]) => error);
  if (!results || failed) {
    throw new Error(`registering board ${board.boardId} failed`, { cause: failed?.[0] });
  }
}

/** The board's meta, or undefined when Redis does not have the board. */
export async function readBoardMeta(
  redis: Redis,
  keys: KeyBuilder,
  boardId: string,
): Promise<BoardMeta | undefined> {
  const meta = await redis.hgetall(keys.board(boardId).meta);
  if (meta.kind !== 'vote' && meta.kind !== 'like') return undefined;
  return {
    title: meta.title ?? boardId,
    kind: meta.kind,
    timezone: meta.timezone ?? DEFAULT_TIMEZONE,
    dailyRetentionDays: Number(meta.dailyRetentionDays ?? 0),
    status: campaignStatusSchema.safeParse(meta.status).data,
    quotas: quotasOf(meta),
    frozen:
      meta.frozenDay === undefined ? undefined : { day: meta.frozenDay, seq: Number(meta.frozenSeq ?? 0) },
  };
}

function quotasOf(meta: Record<string, string | undefined>): BoardQuotas {
  const quotas: BoardQuotas = {};
  for (const [name, field] of Object.entries(QUOTA_FIELDS)) {
    const value = Number(meta[field]);
    if (Number.isInteger(value) && value > 0) quotas[name as keyof BoardQuotas] = value;
  }
  return quotas;
}

/** What one voter has used of a board's quotas: on a day, per member that day, and in total. */
export interface QuotaUse {
  day: number;
  byCandidate: Record<string, number>;
  total: number;
}

/** Reads a voter's quota use on a day (the apply script's counters). */
export async function readQuotaUse(
  redis: Redis,
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

/** Reads a board's registered members. */
export async function readMembers(redis: Redis, keys: KeyBuilder, boardId: string): Promise<string[]> {
  return redis.smembers(keys.board(boardId).members);
}

/**
 * Takes members off a board: no longer registered, no longer ranked. Only for a board that has
 * never taken a vote (a campaign before it goes live): a member with votes keeps them in the
 * totals and the ledger, so removing it would leave the board inconsistent.
 */
export async function removeBoardMembers(
  redis: Redis,
  keys: KeyBuilder,
  boardId: string,
  candidateIds: readonly string[],
): Promise<void> {
  if (candidateIds.length === 0) return;
  const k = keys.board(boardId);
  const results = await redis
    .multi()
    .srem(k.members, ...candidateIds)
    .zrem(k.scores, ...candidateIds)
    .exec();
  const failed = results?.find(([error]) => error);
  if (!results || failed)
    throw new Error(`removing members of board ${boardId} failed`, { cause: failed?.[0] });
}

/**
 * Deletes a board's registration and its all-time keys, for a board that has never taken a vote
 * (a draft campaign being deleted): it has no day keys, like sets or vote markers to clean up.
 */
export async function unregisterBoard(redis: Redis, keys: KeyBuilder, boardId: string): Promise<void> {
  const k = keys.board(boardId);
  await redis.del(k.meta, k.members, k.scores, k.total, k.seq);
}

/** One vote to apply, with the day it counts for (from its acceptance time, board timezone). */
/**
 * What risk control decided for a vote to apply: `n` apply as usual, `h` hold for review, `x`
 * reject (RISK_REJECTED), `a` approve a held vote, `v` void a held vote. See applyVotes-7+.lua.
 */
export type ApplyMode = 'n' | 'h' | 'x' | 'a' | 'v';

/** What a vote to apply does: a participant's action, or the retraction of a counted vote. */
export type ApplyAction = VoteAction | 'retract';

export interface VoteToApply {
  voteId: string;
  candidateId: string;
  action: ApplyAction;
  /** @default 'n' */
  mode?: ApplyMode | undefined;
  voterId?: string | undefined;
  day: string;
  /** When that day's keys may expire, unix seconds. */
  dayExpiresAt: number;
  /** When the voter's quota counters of that day may expire, unix seconds. @default quotaExpiresAt(now) */
  quotaExpiresAt?: number | undefined;
}

export type ApplyVotesResult =
  | { outcome: 'applied'; seq: number; verdicts: VoteVerdict[] }
  /** Redis does not have the board: never registered, or its state was lost. */
  | { outcome: 'board-missing' }
  /** A rebuild holds the board; nothing was applied. */
  | { outcome: 'fenced' };

/**
 * Applies a batch of votes of one board in one script call (applyVotes-7+.lua). Safe to call
 * again with any of the same vote ids: those come back as duplicates with their first verdict.
 */
export async function applyVotes(
  redis: Redis,
  keys: KeyBuilder,
  boardId: string,
  votes: readonly VoteToApply[],
  options: { dedupTtlSeconds: number; origin: string },
): Promise<ApplyVotesResult> {
  if (votes.length === 0) return { outcome: 'applied', seq: 0, verdicts: [] };
  const k = keys.board(boardId);
  const voteKeys: string[] = [];
  const voteArgs: (string | number)[] = [];
  for (const vote of votes) {
    const day = k.day(vote.day);
    const voter = vote.voterId ?? '';
    voteKeys.push(
      k.vote(vote.voteId),
      day.scores,
      day.total,
      k.likes(vote.candidateId),
      k.quotaDay(vote.day, voter),
    );
    voteArgs.push(
      vote.candidateId,
      vote.action,
      voter,
      vote.day,
      vote.dayExpiresAt,
      vote.quotaExpiresAt ?? quotaExpiresAt(Date.now()),
      vote.mode ?? 'n',
    );
  }
  const reply = await runScript(
    redis,
    'applyVotes',
    [k.meta, k.members, k.scores, k.total, k.seq, k.fence, k.quotaTotals, ...voteKeys],
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
  if (reply === SCRIPT_CODES.boardMissing) return { outcome: 'board-missing' };
  if (reply === SCRIPT_CODES.fenced) return { outcome: 'fenced' };
  if (!Array.isArray(reply) || reply.length !== 3) throw new Error('applyVotes returned an unexpected reply');
  const [seq, verdicts, duplicates] = reply as [number, string[], number[]];
  return {
    outcome: 'applied',
    seq: Number(seq),
    verdicts: verdicts.map((text, i) => parseVerdict(String(text), duplicates[i] === 1)),
  };
}

/** Which ranking of a board: all-time, or one day's. */
export type WindowRef = { window: 'all' } | { window: 'day'; day: string };

/** The keys one read takes its ranking, total and seq from. */
export interface ReadKeys extends WindowKeys {
  readonly seq: string;
}

/** The live keys of a window: what workers count into. */
export function liveReadKeys(keys: KeyBuilder, boardId: string, ref: WindowRef): ReadKeys {
  const k = keys.board(boardId);
  return { ...(ref.window === 'all' ? k : k.day(ref.day)), seq: k.seq };
}

export type BoardRead =
  | { mode: 'range'; offset: number; limit: number }
  | { mode: 'member'; candidateId: string }
  | { mode: 'around'; candidateId: string; k: number }
  | { mode: 'watch'; limit: number; candidateIds: readonly string[] };

/** One read of a window at one instant (readBoard-5.lua). */
export interface BoardSlice {
  boardId: string;
  window: RankWindow;
  day: string | null;
  seq: number;
  totals: BoardTotals;
  entries: LeaderboardEntry[];
  /** The members a `member`, `around` or `watch` read named, in that order. */
  foci: MemberStanding[];
}

function readTriples(flat: unknown[]): MemberStanding[] {
  const out: MemberStanding[] = [];
  for (let i = 0; i + 2 < flat.length; i += 3) {
    const rank = Number(flat[i + 2]);
    out.push({
      candidateId: String(flat[i]),
      rank: rank < 0 ? null : rank + 1,
      score: decodeScore(Number(flat[i + 1])).count,
    });
  }
  return out;
}

/**
 * Reads a window: entries, foci, seq and totals together. Throws BOARD_NOT_FOUND or UNKNOWN_MEMBER.
 * @param from the keys to read the window from @default liveReadKeys (see publicReadKeys)
 */
export async function readBoard(
  redis: Redis,
  keys: KeyBuilder,
  boardId: string,
  ref: WindowRef,
  read: BoardRead,
  from: ReadKeys = liveReadKeys(keys, boardId, ref),
): Promise<BoardSlice> {
  const k = keys.board(boardId);
  const args: (string | number)[] =
    read.mode === 'range'
      ? ['range', read.offset, read.limit]
      : read.mode === 'member'
        ? ['member', read.candidateId]
        : read.mode === 'around'
          ? ['around', read.candidateId, read.k]
          : ['watch', read.limit, ...read.candidateIds];
  const reply = await runScript(
    redis,
    'readBoard',
    [k.meta, k.members, from.scores, from.total, from.seq],
    args,
  );
  if (typeof reply === 'number') throw scriptFailure(reply, 'readBoard');
  if (!Array.isArray(reply) || reply.length !== 5) throw new Error('readBoard returned an unexpected reply');
  const [seq, total, members, entries, foci] = reply as [number, number, number, unknown[], unknown[]];
  return {
    boardId,
    window: ref.window,
    day: ref.window === 'day' ? ref.day : null,
    seq: Number(seq),
    totals: { votes: Number(total), members: Number(members) },
    entries: readTriples(entries).map((e) => ({
      rank: e.rank ?? 0,
      candidateId: e.candidateId,
      score: e.score,
    })),
    foci: readTriples(foci),
  };
}

/** One window's state as a rebuild recomputed it from the ledger. */
export interface WindowState {
  total: number;
  /** Members with at least one counted change: their count and the seq of their last change. */
  members: { candidateId: string; count: number; seq: number }[];
}

/**
 * Fences a board for a rebuild: registers it again from the system of record (its meta may be
 * gone) and sets the fence, in one transaction, so no vote applies from now until installBoard
 * lifts it, or until `ttlMs` passes if the rebuild dies.
 */
export function fenceBoard(
  redis: Redis,
  keys: KeyBuilder,
  board: BoardRegistration,
  fence: { token: string; ttlMs: number },
): Promise<void> {
  return registerBoard(redis, keys, board, { fence });
}

/** Lifts a fence if this token still holds it (a rebuild that failed part-way). */
export async function liftFence(
  redis: Redis,
  keys: KeyBuilder,
  boardId: string,
  token: string,
): Promise<void> {
  const k = keys.board(boardId);
  if ((await redis.get(k.fence)) === token) await redis.del(k.fence);
}

/**
 * The last, atomic step of a rebuild (installBoard-6+.lua): replaces the rankings and totals of a
 * fenced board, lifts the fence and tells watchers to resync. Throws unless `fence` still holds.
 * @returns the board's seq after the install
 */
export async function installBoard(
  redis: Redis,
  keys: KeyBuilder,
  boardId: string,
  state: {
    fence: string;
    seq: number;
    all: WindowState;
    days: readonly ({ day: string; expiresAt: number } & WindowState)[];
    origin: string;
  },
): Promise<number> {
  const k = keys.board(boardId);
  const pairs = (w: WindowState) => [
    w.members.length,
    ...w.members.flatMap((m) => [m.candidateId, String(m.seq - m.count * SEQ_SPAN)]),
  ];
  const dayKeys = state.days.flatMap((d) => [k.day(d.day).scores, k.day(d.day).total]);
  const dayArgs = state.days.flatMap((d) => [d.total, d.expiresAt, ...pairs(d)]);
  const reply = await runScript(
    redis,
    'installBoard',
    [k.meta, k.scores, k.total, k.seq, k.members, k.fence, ...dayKeys],
    [
      state.fence,
      state.seq,
      keys.boardChanges(boardId),
      boardId,
      state.origin,
      state.all.total,
      ...pairs(state.all),
      ...dayArgs,
    ],
  );
  if (typeof reply === 'number' && reply < 0) throw scriptFailure(reply, 'installBoard');
  return Number(reply);
}

/**
 * When a day's keys may expire: at least `retentionDays` after the day ends. Each vote pushes
 * the expiry of its day's keys to its own acceptance time plus retention plus one day, so the
 * last vote of the day sets it.
 */
export function dayExpiresAt(acceptedAtMs: number, retentionDays: number): number {
  return Math.floor(acceptedAtMs / 1000) + (retentionDays + 1) * 86_400;
}

/**
 * When a voter's quota counters of a day may expire: two days after a vote, past the end of its
 * day in any timezone. Quotas need only the current day; keeping them longer would cost memory
 * per voter per day.
 */
export function quotaExpiresAt(acceptedAtMs: number): number {
  return Math.floor(acceptedAtMs / 1000) + 2 * 86_400;
}

/** The days Redis holds a window for, found by SCAN (a recovery tool's read, not a hot path). */
export async function listDays(redis: Redis, keys: KeyBuilder, boardId: string): Promise<string[]> {
  const k = keys.board(boardId);
  const days = new Set<string>();
  for await (const batch of redis.scanStream({ match: k.dayTotalsPattern, count: 1_000 })) {
    for (const key of batch as string[]) {
      const day = k.dayOfKey(key);
      if (day) days.add(day);
    }
  }
  return [...days].sort();
}
