import { createBatcher } from '@rallyboard/core/batch';
import { type LedgerVote, recordVotes } from '@rallyboard/core/db';
import { dayOf } from '@rallyboard/core/protocol';
import type { QueuedVote } from '@rallyboard/core/queue';
import {
  type ApplyVotesResult,
  applyVotes,
  createBoardCache,
  dayExpiresAt,
  quotaExpiresAt,
  type VoteToApply,
  type VoteVerdict,
} from '@rallyboard/core/redis';
import type { WorkerDeps } from '../deps.js';
import { createReferralAttributor } from './attribute-referrals.js';

/** One vote of a job, as the batch sees it. */
export interface BatchItem {
  boardId: string;
  vote: QueuedVote;
}

/**
 * What became of one vote: its verdict, or `retry` when it could not be decided now (its board
 * is fenced by a rebuild, or the board's Redis state is missing until a rebuild restores it).
 */
export type VoteOutcome = VoteVerdict | { verdict: 'retry'; why: 'fenced' | 'board-missing' };

function ledgerRecord(item: BatchItem, day: string, verdict: VoteVerdict, decidedAt: Date): LedgerVote {
  const { vote } = item;
  return {
    _id: vote.voteId,
    boardId: item.boardId,
    candidateId: vote.candidateId,
    action: vote.action,
    voterId: vote.voterId,
    verdict: verdict.verdict,
    reason: verdict.verdict === 'rejected' ? verdict.reason : undefined,
    delta: verdict.verdict === 'counted' ? verdict.delta : undefined,
    seq: verdict.verdict === 'counted' ? verdict.seq : undefined,
    day,
    acceptedAt: new Date(vote.acceptedAt),
    decidedAt,
    context: vote.context,
  };
}

/**
 * Builds the work of one worker batch: the votes of concurrently processed jobs, applied with
 * one applyVotes script call per board (per `batchMax` votes), then recorded with unordered
 * insertManys by group commit (at most `LEDGER_BATCH_MAX` records each, one at a time).
 *
 * Order matters. Redis first: the script decides each vote and marks its id in the same atomic
 * step. Then the ledger. If the process dies in between, the jobs are re-delivered; the script
 * finds the markers and answers the same verdicts as duplicates, changing nothing, and the
 * ledger write happens then. The ledger write is idempotent by vote id, so dying after it is
 * harmless too. Jobs complete only after both.
 */
export function createVoteApplier(deps: WorkerDeps): (items: BatchItem[]) => Promise<VoteOutcome[]> {
  const { config, logger } = deps;
  const boards = createBoardCache(deps.redis, deps.keys, config.ingest.boardCacheMs);
  // The ledger is written by group commit: one insertMany at a time, holding every record that
  // arrived while the previous one ran. A store with one writer (FerretDB on SQLite) takes large
  // batches far better than many small concurrent ones; Redis was already updated, so this
  // delays only the jobs' completion, not what watchers see.
  const ledger = createBatcher<LedgerVote, void>({
    maxItems: config.worker.ledgerBatchMax,
    maxWaitMs: config.worker.batchWaitMs,
    maxConcurrent: 1,
    async run(batch) {
      await recordVotes(deps.ledger, batch);
      return batch.map(() => undefined);
    },
  });
  const attributeReferrals = createReferralAttributor(deps);
  const missingLogged = new Map<string, number>();

  /** Redis has no such board: lost state (retry after a rebuild) or no board at all (reject). */
  async function missing(boardId: string): Promise<VoteOutcome | 'unknown-board'> {
    boards.forget(boardId);
    if (!(await deps.boards.exists({ _id: boardId }))) return 'unknown-board';
    if (Date.now() - (missingLogged.get(boardId) ?? 0) > 10_000) {
      missingLogged.set(boardId, Date.now());
      logger.error(
        { boardId },
        'board is in MongoDB but not in Redis: votes wait until `npm run rebuild -- <board>` restores it',
      );
    }
    return { verdict: 'retry', why: 'board-missing' };
  }

  return async (items) => {
    const outcomes: VoteOutcome[] = new Array(items.length);
    const records: LedgerVote[] = [];
    const decidedAt = new Date();
    const byBoard = new Map<string, number[]>();
    items.forEach((item, i) => {
      const list = byBoard.get(item.boardId) ?? [];
      list.push(i);
      byBoard.set(item.boardId, list);
    });

    const settleMissing = async (boardId: string, indexes: number[], days: string[]) => {
      const outcome = await missing(boardId);
      indexes.forEach((i, n) => {
        if (outcome !== 'unknown-board') {
          outcomes[i] = outcome;
          return;
        }
        const verdict: VoteVerdict = { verdict: 'rejected', reason: 'BOARD_NOT_FOUND', duplicate: false };
        outcomes[i] = verdict;
        const item = items[i] as BatchItem;
        records.push(ledgerRecord(item, days[n] ?? dayOf(item.vote.acceptedAt, 'UTC'), verdict, decidedAt));
      });
    };

    await Promise.all(
      [...byBoard].map(async ([boardId, indexes]) => {
        const board = await boards.get(boardId);
        if (!board) return settleMissing(boardId, indexes, []);
        for (let start = 0; start < indexes.length; start += config.worker.batchMax) {
          const chunk = indexes.slice(start, start + config.worker.batchMax);
          const votes: VoteToApply[] = chunk.map((i) => {
            const { vote } = items[i] as BatchItem;
            return {
              voteId: vote.voteId,
              candidateId: vote.candidateId,
              action: vote.action,
              voterId: vote.voterId,
              day: dayOf(vote.acceptedAt, board.timezone),
              dayExpiresAt: dayExpiresAt(vote.acceptedAt, board.dailyRetentionDays),
              quotaExpiresAt: quotaExpiresAt(vote.acceptedAt),
            };
          });
          const result: ApplyVotesResult = await applyVotes(deps.redis, deps.keys, boardId, votes, {
            dedupTtlSeconds: config.votes.dedupTtlSeconds,
            origin: deps.instanceId,
          });
          if (result.outcome === 'board-missing') {
            await settleMissing(
              boardId,
              chunk,
              votes.map((v) => v.day),
            );
          } else if (result.outcome === 'fenced') {
            for (const i of chunk) outcomes[i] = { verdict: 'retry', why: 'fenced' };
          } else {
            chunk.forEach((i, n) => {
              const verdict = result.verdicts[n] as VoteVerdict;
              outcomes[i] = verdict;
              records.push(
                ledgerRecord(items[i] as BatchItem, (votes[n] as VoteToApply).day, verdict, decidedAt),
              );
            });
          }
        }
      }),
    );

    await Promise.all(records.map((record) => ledger.add(record)));
    // Only counted votes make referrals, and only once they are on record.
    await attributeReferrals(records);
    return outcomes;
  };
}
