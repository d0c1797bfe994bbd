import type { BoardCache } from '@rallyboard/core/redis';
import type { WorkerDeps } from '../deps.js';
import type { VoteOutcome } from './settled.js';

/** A lost board is logged at most this often, however many batches meet it. */
const LOG_EVERY_MS = 10_000;

/**
 * Redis has no such board: lost state (its votes retry after a rebuild) or no board at all
 * (`unknown-board`: its votes are rejected). Forgets the cached board either way.
 */
export function createMissingBoardCheck(
  deps: Pick<WorkerDeps, 'boards' | 'logger'>,
  boards: BoardCache,
): (boardId: string) => Promise<VoteOutcome | 'unknown-board'> {
  const missingLogged = new Map<string, number>();
  return async (boardId) => {
    boards.forget(boardId);
    if (!(await deps.boards.exists({ _id: boardId }))) return 'unknown-board';
    if (Date.now() - (missingLogged.get(boardId) ?? 0) > LOG_EVERY_MS) {
      missingLogged.set(boardId, Date.now());
      deps.logger.error(
        { boardId },
        'board is in MongoDB but not in Redis: votes wait until `npm run rebuild -- <board>` restores it',
      );
    }
    return { verdict: 'retry', why: 'board-missing' };
  };
}
