import { countReviewVotes, readLedgerVotes, selectReviewVoteIdPage } from '@rallyboard/core/db';
import type { ReviewJob, ReviewJobResult } from '@rallyboard/core/queue';
import { createBoardCache, withLock } from '@rallyboard/core/redis';
import type { WorkerDeps } from '../deps.js';
import { applyMoves, BoardBusyError, type PlannedMove } from './apply-moves.js';
import { firstVotes } from './first-votes.js';
import { planMove } from './moves.js';
import { createMatcher, holdsWave, selectionFilter } from './selection.js';

/** Votes selected, then re-read and moved under the campaign's review lock, at a time. */
const CHUNK = 200;

/** Reports a job's counts so far, with the share of its votes looked at (0 to 1). */
export type ReviewProgress = (p: ReviewJobResult & { progress: number }) => Promise<void>;

/**
 * Runs review jobs: approve or void held votes, void by rule, and hold a cluster's counted votes.
 * Each vote moves only from the state the job expects, under the campaign's review lock, and
 * every change to a ranking is a vote applied by applyVotes with its own id (see moves.ts), so a
 * retried job, or the same job run twice, changes nothing the first run did. Ledger records are
 * written after Redis, idempotently, as the vote worker writes them.
 */
export function createReviewActions(
  deps: WorkerDeps,
): (job: ReviewJob, actionId: string, progress: ReviewProgress) => Promise<ReviewJobResult> {
  const boards = createBoardCache(deps.redis, deps.keys, deps.config.ingest.boardCacheMs);

  /** Moves one chunk of the job's votes, re-read under the lock, adding to `result`. */
  async function moveChunk(job: ReviewJob, actionId: string, ids: string[], result: ReviewJobResult) {
    const boardId = job.campaignId;
    const board = await boards.get(boardId);
    if (!board) throw new BoardBusyError(`board ${boardId} is not in Redis`);
    const records = await readLedgerVotes(deps.ledger, ids);
    const now = new Date();
    let selected = records.filter(createMatcher(job));
    if (holdsWave(job) && selected.length > 0) {
      const firsts = await firstVotes(deps.ledger, boardId, selected);
      selected = selected.filter((record) => firsts.has(record._id));
    }
    const planned: PlannedMove[] = [];
    for (const record of selected) {
      result.matched++;
      const move = planMove({ job, record, actionId, now, retentionDays: board.dailyRetentionDays });
      if (move) planned.push({ record, move });
      else result.unchanged++;
    }
    await applyMoves(deps, boardId, planned);
    result.changed += planned.length;
  }

  return async (job, actionId, progress) => {
    const filter = selectionFilter(job);
    // For the progress only: votes that match meanwhile are moved too, and it stays at most 1.
    const total = await countReviewVotes(deps.ledger, filter);
    const result: ReviewJobResult = { matched: 0, changed: 0, unchanged: 0 };
    let seen = 0;
    let after: string | undefined;
    for (;;) {
      // A page of ids at a time, by id: never every id the filter matches at once.
      const chunkIds = await selectReviewVoteIdPage(deps.ledger, filter, after, CHUNK);
      if (chunkIds.length === 0) break;
      await withLock(
        deps.redis,
        deps.keys.reviewLock(job.campaignId),
        () => moveChunk(job, actionId, chunkIds, result),
        {
          ttlMs: 60_000,
          waitMs: 60_000,
        },
      );
      seen += chunkIds.length;
      after = chunkIds.at(-1);
      await progress({ ...result, progress: total === 0 ? 1 : Math.min(1, seen / total) });
      if (chunkIds.length < CHUNK) break;
    }
    return result;
  };
}
