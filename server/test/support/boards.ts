import { randomUUID } from 'node:crypto';
import { dayOf, type VoteAction } from '@rallyboard/core/protocol';
import {
  type ApplyVotesResult,
  applyVotes,
  dayExpiresAt,
  type KeyBuilder,
  type RedisClient,
  scanKeys,
  type VoteToApply,
} from '@rallyboard/core/redis';

export interface DirectVote {
  candidateId: string;
  action?: VoteAction;
  voterId?: string;
  /** The day it counts for; today in `timezone` when absent. */
  day?: string;
}

/**
 * Applies votes straight to Redis with the workers' script (no queue, no ledger), in order,
 * in one call: each counted vote takes the next seq. What the leaderboard reads is then exact.
 */
export async function applyDirect(
  store: { redis: RedisClient; keys: KeyBuilder },
  boardId: string,
  votes: readonly (string | DirectVote)[],
  timezone = 'Asia/Shanghai',
): Promise<ApplyVotesResult> {
  const now = Date.now();
  const batch: VoteToApply[] = votes.map((v) => {
    const vote = typeof v === 'string' ? { candidateId: v } : v;
    return {
      voteId: randomUUID(),
      candidateId: vote.candidateId,
      action: vote.action ?? 'vote',
      voterId: vote.voterId,
      day: vote.day ?? dayOf(now, timezone),
      dayExpiresAt: dayExpiresAt(now, 8),
    };
  });
  const result = await applyVotes(store.redis, store.keys, boardId, batch, {
    dedupTtlSeconds: 3_600,
    origin: 'test',
  });
  if (result.outcome !== 'applied') throw new Error(`applyVotes answered ${result.outcome}`);
  return result;
}

/** Deletes every Redis key of a board, as if Redis had lost it; MongoDB still has the board. */
export async function loseBoardState(redis: RedisClient, keys: KeyBuilder, boardId: string): Promise<number> {
  const pattern = `${keys.board(boardId).meta.slice(0, -'meta'.length)}*`;
  let deleted = 0;
  for await (const batch of scanKeys(redis, pattern.replace(/[[\]]/g, '\\$&'))) {
    const found = batch as string[];
    if (found.length > 0) deleted += await redis.del(...found);
  }
  return deleted;
}

/** GETs a URL and reads its JSON answer. */
export async function getJson<T = unknown>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as T };
}

/** The day in a timezone, read before and after `probe`: the answer must be one of the two. */
export async function aroundToday<T>(timezone: string, probe: () => Promise<T>): Promise<[T, string[]]> {
  const before = dayOf(Date.now(), timezone);
  const result = await probe();
  return [result, [...new Set([before, dayOf(Date.now(), timezone)])]];
}
