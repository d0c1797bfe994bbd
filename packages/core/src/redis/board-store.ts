import type { Redis } from 'ioredis';
import { AppError } from '../protocol/errors.js';
import type { LeaderboardEntry, LeaderboardSnapshot } from '../protocol/leaderboard.js';
import type { KeyBuilder } from './keys.js';
import { runScript, SCRIPT_ERRORS } from './scripts.js';

/** A board as registered in Redis; the system of record is the `boards` collection. */
export interface BoardRegistration {
  boardId: string;
  title: string;
  kind: 'vote' | 'like';
  candidateIds: readonly string[];
}

function scriptFailure(code: number, what: string): AppError {
  const errorCode = SCRIPT_ERRORS[code];
  if (errorCode) return new AppError(errorCode);
  return new AppError('INTERNAL', { message: `${what} returned an unknown code ${code}` });
}

/**
 * Makes a board and its candidates known to Redis. Idempotent; adds candidates, never removes
 * them (removing a candidate with votes is a decision for a later, audited operation).
 */
export async function registerBoard(redis: Redis, keys: KeyBuilder, board: BoardRegistration): Promise<void> {
  const k = keys.board(board.boardId);
  const tx = redis.multi().hset(k.meta, { title: board.title, kind: board.kind });
  if (board.candidateIds.length > 0) tx.sadd(k.members, ...board.candidateIds);
  const results = await tx.exec();
  const failed = results?.find(([error]) => error);
  if (!results || failed) {
    throw new Error(`registering board ${board.boardId} failed`, { cause: failed?.[0] });
  }
}

/** Throws BOARD_NOT_FOUND or UNKNOWN_MEMBER unless the board has the candidate. */
export async function assertCandidate(
  redis: Redis,
  keys: KeyBuilder,
  boardId: string,
  candidateId: string,
): Promise<void> {
  const k = keys.board(boardId);
  const code = Number(await runScript(redis, 'checkMember', [k.meta, k.members], [candidateId]));
  if (code !== 1) throw scriptFailure(code, 'checkMember');
}

/** Reads the top `limit` entries and the board's seq atomically (one script call). */
export async function readLeaderboard(
  redis: Redis,
  keys: KeyBuilder,
  boardId: string,
  limit: number,
): Promise<LeaderboardSnapshot> {
  const k = keys.board(boardId);
  const reply = await runScript(redis, 'readLeaderboard', [k.meta, k.scores, k.seq], [limit]);
  if (typeof reply === 'number') throw scriptFailure(reply, 'readLeaderboard');
  if (!Array.isArray(reply) || reply.length !== 2 || !Array.isArray(reply[1])) {
    throw new Error('readLeaderboard returned an unexpected reply');
  }
  const flat = reply[1] as string[];
  const entries: LeaderboardEntry[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    entries.push({ rank: i / 2 + 1, candidateId: String(flat[i]), score: Number(flat[i + 1]) });
  }
  return { boardId, seq: Number(reply[0]), entries };
}

export type ApplyVoteResult =
  | { outcome: 'applied' | 'duplicate'; score: number; seq: number }
  | { outcome: 'rejected'; reason: 'BOARD_NOT_FOUND' | 'UNKNOWN_MEMBER' };

export interface ApplyVoteInput {
  voteId: string;
  boardId: string;
  candidateId: string;
}

/**
 * Applies one vote through applyVote-5.lua: marker, score, seq and change message in one atomic
 * step. Safe to call again for the same vote id: the second call reports `duplicate`.
 */
export async function applyVote(
  redis: Redis,
  keys: KeyBuilder,
  vote: ApplyVoteInput,
  options: { dedupTtlSeconds: number; origin: string },
): Promise<ApplyVoteResult> {
  const k = keys.board(vote.boardId);
  const reply = await runScript(
    redis,
    'applyVote',
    [k.meta, k.members, k.scores, k.seq, k.vote(vote.voteId)],
    [
      vote.candidateId,
      options.dedupTtlSeconds,
      keys.boardChanges(vote.boardId),
      vote.boardId,
      options.origin,
    ],
  );
  if (typeof reply === 'number') {
    if (reply === -1) return { outcome: 'rejected', reason: 'BOARD_NOT_FOUND' };
    if (reply === -2) return { outcome: 'rejected', reason: 'UNKNOWN_MEMBER' };
    throw scriptFailure(reply, 'applyVote');
  }
  if (!Array.isArray(reply) || reply.length !== 3) {
    throw new Error('applyVote returned an unexpected reply');
  }
  const [flag, score, seq] = reply.map(Number) as [number, number, number];
  return { outcome: flag === 1 ? 'applied' : 'duplicate', score, seq };
}
