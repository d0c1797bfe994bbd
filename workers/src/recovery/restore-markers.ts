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
 * again and count them then.
 * @returns the markers dropped
 */
export async function dropUnrecordedMarkers(
  deps: Pick<RecoveryDeps, 'redis' | 'keys'>,
  boardId: string,
  verdicts: LedgerState['verdicts'],
): Promise<number> {
  const { redis } = deps;
  let dropped = 0;
  const prefix = deps.keys.board(boardId).vote('');
  for await (const batch of scanKeys(redis, `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`)) {
    const orphans = batch.filter((key) => !verdicts.has(key.slice(prefix.length)));
    if (orphans.length > 0) dropped += await redis.del(...orphans);
  }
  return dropped;
}
