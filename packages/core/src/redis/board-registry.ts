import { type BoardKind, type CampaignStatus, campaignStatusSchema } from '../protocol/campaigns.js';
import { DEFAULT_TIMEZONE } from '../protocol/day.js';
import { DEFAULT_WEEK_STARTS_ON } from '../protocol/periods.js';
import { setMemberGroups } from './board-groups.js';
import type { RedisClient } from './connection.js';
import type { KeyBuilder } from './keys.js';

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
  /** The first day of the weekly ranking's week, 1 Monday … 7 Sunday. @default 1 */
  weekStartsOn?: number | undefined;
  /** How many days a day's ranking is kept after the day ends. */
  dailyRetentionDays: number;
  candidateIds: readonly string[];
  /** The campaign's status, when the board belongs to a campaign: ingest takes votes only while it is live or frozen. */
  status?: CampaignStatus | undefined;
  /**
   * The campaign's end (epoch ms), when the board belongs to a campaign: ingest takes no vote from
   * then on, whatever the status says (the end job may be late). Absent: left as Redis has it.
   */
  endAt?: number | undefined;
  /** Per-voter limits; what is absent is removed from Redis, so a registration replaces them. */
  quotas?: BoardQuotas | undefined;
  /**
   * Candidate id → its group's id (protocol/groups.ts); a candidate left out is in no group.
   * A member whose group changed moves with its counts (setMemberGroups). Absent: groups untouched.
   */
  groups?: ReadonlyMap<string, string> | undefined;
}

/** What Redis holds about a board besides its rankings. */
export interface BoardMeta {
  title: string;
  kind: BoardKind;
  timezone: string;
  /** 1 Monday … 7 Sunday. */
  weekStartsOn: number;
  dailyRetentionDays: number;
  /** The campaign's status; undefined for a board without a campaign. */
  status: CampaignStatus | undefined;
  /** The campaign's end (epoch ms); undefined for a board without a campaign (or registered before ends were). */
  endAt?: number | undefined;
  quotas: BoardQuotas;
  /**
   * While frozen (封榜), the freeze day and seq recorded with the snapshot; undefined otherwise,
   * and when Redis lost the board while it was frozen (a rebuild does not restore the snapshot).
   */
  frozen?: { day: string; seq: number } | undefined;
}

/**
 * Makes a board and its members known to Redis, and puts each member in its group. Idempotent;
 * adds members, never removes them
 * (removing a candidate with votes is a decision for a later, audited operation). A new member
 * enters every all-time ranking at 0, ranked after members that have votes, by id.
 * @param options.fence also set the board's rebuild fence, in the same transaction: expiring after
 *   `ttlMs`, or `held` (no expiry, lifted only by an install: see renewFence-1.lua)
 */
export async function registerBoard(
  redis: RedisClient,
  keys: KeyBuilder,
  board: BoardRegistration,
  options: { fence?: { token: string; ttlMs: number; held?: boolean } } = {},
): Promise<void> {
  const k = keys.board(board.boardId);
  const tx = redis.multi();
  if (options.fence?.held) tx.set(k.fence, options.fence.token);
  else if (options.fence) tx.set(k.fence, options.fence.token, 'PX', options.fence.ttlMs);
  tx.hset(k.meta, {
    title: board.title,
    kind: board.kind,
    timezone: board.timezone ?? DEFAULT_TIMEZONE,
    weekStartsOn: String(board.weekStartsOn ?? DEFAULT_WEEK_STARTS_ON),
    dailyRetentionDays: String(board.dailyRetentionDays),
    ...(board.status === undefined ? {} : { status: board.status }),
    ...(board.endAt === undefined ? {} : { endAt: String(board.endAt) }),
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
  const { groups } = board;
  if (groups) {
    const wanted = new Map(board.candidateIds.map((id) => [id, groups.get(id) ?? '']));
    await setMemberGroups(redis, keys, board.boardId, wanted);
  }
}

/** The board's meta, or undefined when Redis does not have the board. */
export async function readBoardMeta(
  redis: RedisClient,
  keys: KeyBuilder,
  boardId: string,
): Promise<BoardMeta | undefined> {
  const meta = await redis.hgetall(keys.board(boardId).meta);
  if (meta.kind !== 'vote' && meta.kind !== 'like') return undefined;
  return {
    title: meta.title ?? boardId,
    kind: meta.kind,
    timezone: meta.timezone ?? DEFAULT_TIMEZONE,
    weekStartsOn: Number(meta.weekStartsOn ?? DEFAULT_WEEK_STARTS_ON),
    dailyRetentionDays: Number(meta.dailyRetentionDays ?? 0),
    status: campaignStatusSchema.safeParse(meta.status).data,
    endAt: meta.endAt === undefined ? undefined : Number(meta.endAt),
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

/** Reads a board's registered members. */
export async function readMembers(redis: RedisClient, keys: KeyBuilder, boardId: string): Promise<string[]> {
  return redis.smembers(keys.board(boardId).members);
}

/**
 * Takes members off a board: no longer registered, no longer ranked. Only for a board that has
 * never taken a vote (a campaign before it goes live): a member with votes keeps them in the
 * totals and the ledger, so removing it would leave the board inconsistent.
 */
export async function removeBoardMembers(
  redis: RedisClient,
  keys: KeyBuilder,
  boardId: string,
  candidateIds: readonly string[],
): Promise<void> {
  if (candidateIds.length === 0) return;
  const k = keys.board(boardId);
  // Out of their groups first: a group ranking must not keep a candidate the board no longer has.
  await setMemberGroups(redis, keys, boardId, new Map(candidateIds.map((id) => [id, ''])));
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
 * Deletes a board's registration and its all-time keys, its groups' included, for a board that
 * has never taken a vote (a draft campaign being deleted): it has no day keys, like sets or vote
 * markers to clean up.
 */
export async function unregisterBoard(redis: RedisClient, keys: KeyBuilder, boardId: string): Promise<void> {
  const k = keys.board(boardId);
  const groups = await redis.smembers(k.groups.members);
  const groupKeys = groups.flatMap((id) => {
    const g = k.group(id);
    return [g.members, g.scores, g.total];
  });
  await redis.del(
    k.meta,
    k.members,
    k.scores,
    k.total,
    k.seq,
    k.periods,
    k.memberGroups,
    k.groups.members,
    k.groups.scores,
    k.groups.total,
    ...groupKeys,
  );
}
