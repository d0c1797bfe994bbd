import type { LedgerState } from '@rallyboard/core/db';
import type { RecoveryDeps } from './reconcile.js';

/**
 * Rewrites the like sets of the board's members, and of any member the ledger has likes of:
 * each voter whose last counted change of the member was a like.
 * @returns the like sets rewritten
 */
export async function restoreLikes(
  deps: Pick<RecoveryDeps, 'redis' | 'keys'>,
  boardId: string,
  memberIds: readonly string[],
  likes: LedgerState['likes'],
): Promise<number> {
  const k = deps.keys.board(boardId);
  const likeMembers = new Set([...memberIds, ...likes.keys()]);
  const pipeline = deps.redis.pipeline();
  for (const candidateId of likeMembers) {
    pipeline.del(k.likes(candidateId));
    const voters = [...(likes.get(candidateId) ?? [])];
    for (let i = 0; i < voters.length; i += 1_000)
      pipeline.sadd(k.likes(candidateId), ...voters.slice(i, i + 1_000));
  }
  await pipeline.exec();
  return likeMembers.size;
}
