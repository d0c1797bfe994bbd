import type { LedgerState } from '@rallyboard/core/db';
import { scanKeys } from '@rallyboard/core/redis';
import type { RecoveryDeps } from './reconcile.js';

/**
 * Restores the marker of every decided vote whose marker would still live (so a re-run job
 * cannot count it again), for what is left of its `dedupTtlSeconds` since it was decided.
 * @returns the markers written
 */
export async function restoreMarkers(
  deps: Pick<RecoveryDeps, 'redis' | 'keys'>,
  boardId: string,
  verdicts: LedgerState['verdicts'],
  options: { nowMs: number; dedupTtlSeconds: number },
): Promise<number> {
  const { redis } = deps;
  const k = deps.keys.board(boardId);
  let restored = 0;
  let pipeline = redis.pipeline();
  for (const [voteId, { text, decidedAt }] of verdicts) {
    const ttl = options.dedupTtlSeconds - Math.floor((options.nowMs - decidedAt.getTime()) / 1000);
    if (ttl <= 0) continue;
    pipeline.set(k.vote(voteId), text, 'EX', ttl);
    restored++;
    if (pipeline.length >= 5_000) {
      await pipeline.exec();
      pipeline = redis.pipeline();
    }
  }
  await pipeline.exec();
  return restored;
}

/**
 * Drops the markers of votes the ledger lacks (applied, never recorded): their jobs will run
 * again and count them then. A marker whose vote is not among `verdicts` (those decided within
 * the markers' life) is looked up on the ledger before it goes: a vote decided earlier whose
 * marker still lives is recorded, and keeps it.
 * @returns the markers dropped
 */
export async function dropUnrecordedMarkers(
  deps: Pick<RecoveryDeps, 'redis' | 'keys' | 'ledger'>,
  boardId: string,
  verdicts: LedgerState['verdicts'],
): Promise<number> {
  const { redis } = deps;
  let dropped = 0;
  const prefix = deps.keys.board(boardId).vote('');
  for await (const batch of scanKeys(redis, `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`)) {
    const unknown = batch.map((key) => key.slice(prefix.length)).filter((voteId) => !verdicts.has(voteId));
    if (unknown.length === 0) continue;
    const recorded = await deps.ledger.find({ _id: { $in: unknown }, boardId }, { _id: 1 }).lean();
    const onLedger = new Set(recorded.map((r) => r._id));
    const orphans = unknown.filter((voteId) => !onLedger.has(voteId)).map((voteId) => prefix + voteId);
    if (orphans.length > 0) dropped += await redis.del(...orphans);
  }
  return dropped;
}
