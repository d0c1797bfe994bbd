import type { RedisClient } from './connection.js';
import { scanKeys } from './cross-slot.js';
import type { KeyBuilder } from './keys.js';

/** A board's dead letters: vote jobs that failed for good, and the accepted votes they hold. */
export interface DeadLetterCount {
  jobs: number;
  votes: number;
}

/**
 * Records a vote job that failed for good on its board's dead letters (BullMQ's failed set is
 * the job itself; this is the board's count of them, which the console's monitor reads).
 * @returns whether the job was not already recorded
 */
export async function recordDeadLetter(
  redis: RedisClient,
  keys: KeyBuilder,
  boardId: string,
  job: { id: string; votes: number },
): Promise<boolean> {
  return (await redis.hset(keys.board(boardId).deadLetters, job.id, String(job.votes))) === 1;
}

/**
 * Keeps the markers of a dead-lettered job's votes (and the assessments kept beside them) until
 * the job is replayed, however late: a vote applied in Redis whose ledger write failed for good
 * is counted, and a replay after its marker expired (`VOTE_DEDUP_TTL_SECONDS`) would count it
 * again. The apply script gives a kept marker its life back when the replay meets it
 * (applyVotes-9+.lua); a rebuild drops the markers of votes the ledger lacks, kept ones too, and
 * takes their counts off the board with them. A vote never applied has no marker: nothing is kept.
 */
export async function keepMarkersOf(
  redis: RedisClient,
  keys: KeyBuilder,
  boardId: string,
  voteIds: readonly string[],
): Promise<void> {
  if (voteIds.length === 0) return;
  const board = keys.board(boardId);
  const pipeline = redis.pipeline();
  for (const voteId of voteIds) pipeline.persist(board.vote(voteId)).persist(board.risk.decision(voteId));
  for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
}

/** Forgets dead-lettered jobs of a board (replayed, or gone from the failed set). */
export async function clearDeadLetters(
  redis: RedisClient,
  keys: KeyBuilder,
  boardId: string,
  jobIds: readonly string[],
): Promise<void> {
  if (jobIds.length > 0) await redis.hdel(keys.board(boardId).deadLetters, ...jobIds);
}

/** How many vote jobs of the board are dead-lettered, and how many accepted votes they hold. */
export async function readDeadLetters(
  redis: RedisClient,
  keys: KeyBuilder,
  boardId: string,
): Promise<DeadLetterCount> {
  const votes = await redis.hvals(keys.board(boardId).deadLetters);
  return { jobs: votes.length, votes: votes.reduce((n, v) => n + (Number(v) || 0), 0) };
}

/**
 * Every board's dead letters, for the boards that have any (a hash with no field does not exist).
 * One SCAN over the key space, a page at a time, never KEYS: it does not block Redis however
 * many keys there are, and costs a round trip per thousand keys.
 */
export async function readAllDeadLetters(
  redis: RedisClient,
  keys: KeyBuilder,
): Promise<Array<DeadLetterCount & { boardId: string }>> {
  const boardIds = new Set<string>();
  for await (const batch of scanKeys(redis, keys.deadLettersPattern)) {
    for (const key of batch) {
      const boardId = keys.boardIdFromDeadLetters(key);
      if (boardId !== undefined) boardIds.add(boardId);
    }
  }
  const counts = await Promise.all(
    [...boardIds].map(async (boardId) => ({ boardId, ...(await readDeadLetters(redis, keys, boardId)) })),
  );
  // Emptied between the SCAN and the read (replayed): no longer a board with dead letters.
  return counts.filter((count) => count.jobs > 0).sort((a, b) => a.boardId.localeCompare(b.boardId));
}
