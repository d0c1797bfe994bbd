import { AppError } from '../protocol/errors.js';
import type { BoardTotals, LeaderboardEntry, MemberStanding, RankWindow } from '../protocol/leaderboard.js';
import type { PeriodWindow } from '../protocol/periods.js';
import type { RedisClient } from './connection.js';
import { type KeyBuilder, type WindowKeys, windowOf } from './keys.js';
import { decodeScore } from './score.js';
import { runScript, SCRIPT_CODES, scriptFailure } from './scripts.js';

/** Which ranking of a board: all-time, or one period's, named by its first day (`day`). */
export type WindowRef = { window: 'all' } | { window: PeriodWindow; day: string };

/**
 * Which ranking of a board a read takes: its candidates (all of them, or one group's), or its
 * groups ranked by their totals (protocol/groups.ts).
 */
export type Ranking = { view: 'candidates'; group?: string | undefined } | { view: 'groups' };

/** A group's ranking or the groups': one that is not the board's own ranking of its candidates. */
export type GroupRanking = Exclude<Ranking, { view: 'candidates'; group?: undefined }>;

/** Whether a ranking is a group's or the groups' (not the board's own). */
export const isGroupRanking = (ranking: Ranking): ranking is GroupRanking =>
  ranking.view === 'groups' || ranking.group !== undefined;

/** The keys one read takes its ranking, total and seq from. */
export interface ReadKeys extends WindowKeys {
  readonly seq: string;
  /** The set of who may be ranked (a focus must be in it; its size is `totals.members`). @default the board's members */
  readonly members?: string | undefined;
  /**
   * Set on a public read's keys, chosen from a cached status: the read is refused
   * (StaleStatusError) when Redis's status says otherwise meanwhile (the live keys of a board
   * frozen since, or a freeze's keys of a board no longer frozen, whose copies are gone).
   */
  readonly publicStatus?: 'live' | 'frozen' | undefined;
}

/**
 * A public read found the board's status changed since the cached one its keys were chosen by
 * (readBoard-5.lua's -7, `staleStatus`): frozen since, or no longer frozen. The caller forgets
 * that status and reads again; one that does not answers a retryable SERVICE_UNAVAILABLE rather
 * than show votes counted after a freeze, or an empty ranking after its end.
 */
export class StaleStatusError extends AppError {
  constructor() {
    super('SERVICE_UNAVAILABLE');
    this.name = 'StaleStatusError';
  }
}

/** The live keys of a window: what workers count into. */
export function liveReadKeys(
  keys: KeyBuilder,
  boardId: string,
  ref: WindowRef,
  ranking: Ranking = { view: 'candidates' },
): ReadKeys {
  const k = keys.board(boardId);
  const owner =
    ranking.view === 'groups' ? k.groups : ranking.group === undefined ? k : k.group(ranking.group);
  const window = windowOf(owner, ref.window === 'all' ? undefined : { window: ref.window, start: ref.day });
  return { scores: window.scores, total: window.total, seq: k.seq, members: owner.members };
}

/** What a read takes of a window: a page of ranks, one member, a member and its neighbours, or the top and some members. */
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
  /** Each entry's seq of its last change in the window (its tie-break), in the entries' order. */
  seqs: number[];
  /** The members a `member`, `around` or `watch` read named, in that order. */
  foci: MemberStanding[];
}

/** A read's ARGV for readBoard-5.lua: its mode, then the mode's arguments. */
function readArgs(read: BoardRead): (string | number)[] {
  switch (read.mode) {
    case 'range':
      return ['range', read.offset, read.limit];
    case 'member':
      return ['member', read.candidateId];
    case 'around':
      return ['around', read.candidateId, read.k];
    case 'watch':
      return ['watch', read.limit, ...read.candidateIds];
  }
}

/** The tie-break seq of each member of flat triples (member, encoded score, rank). */
function seqsOf(flat: unknown[]): number[] {
  const seqs: number[] = [];
  for (let i = 0; i + 2 < flat.length; i += 3) seqs.push(decodeScore(Number(flat[i + 1])).seq);
  return seqs;
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
 * Reads a window: entries, foci, seq and totals together. Throws BOARD_NOT_FOUND or UNKNOWN_MEMBER,
 * and StaleStatusError for public keys whose status is no longer the board's (see `publicStatus`).
 * @param from the keys to read the window from @default liveReadKeys (see publicReadKeys)
 */
export async function readBoard(
  redis: RedisClient,
  keys: KeyBuilder,
  boardId: string,
  ref: WindowRef,
  read: BoardRead,
  from: ReadKeys = liveReadKeys(keys, boardId, ref),
): Promise<BoardSlice> {
  const k = keys.board(boardId);
  const reply = await runScript(
    redis,
    'readBoard',
    [k.meta, from.members ?? k.members, from.scores, from.total, from.seq],
    [from.publicStatus === undefined ? 'any' : `public-${from.publicStatus}`, ...readArgs(read)],
  );
  if (reply === SCRIPT_CODES.staleStatus) throw new StaleStatusError();
  if (typeof reply === 'number') throw scriptFailure(reply, 'readBoard');
  if (!Array.isArray(reply) || reply.length !== 5) throw new Error('readBoard returned an unexpected reply');
  const [seq, total, members, entries, foci] = reply as [number, number, number, unknown[], unknown[]];
  return {
    boardId,
    window: ref.window,
    day: ref.window === 'all' ? null : ref.day,
    seq: Number(seq),
    totals: { votes: Number(total), members: Number(members) },
    seqs: seqsOf(entries),
    entries: readTriples(entries).map((e) => ({
      rank: e.rank ?? 0,
      candidateId: e.candidateId,
      score: e.score,
    })),
    foci: readTriples(foci),
  };
}

/** A candidate's counted votes (likes) now: its all-time score on the board, 0 before any. */
export async function candidateCount(
  redis: RedisClient,
  keys: Pick<KeyBuilder, 'board'>,
  boardId: string,
  candidateId: string,
): Promise<number> {
  const key = await redis.zscore(keys.board(boardId).scores, candidateId);
  return key === null ? 0 : decodeScore(Number(key)).count;
}
