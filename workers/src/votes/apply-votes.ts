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
  tallyVerdicts,
  type VerdictTally,
  type VoteToApply,
  type VoteVerdict,
  verdictField,
  verdictFields,
} from '@rallyboard/core/redis';
import type { WorkerDeps } from '../deps.js';
import { createRiskAssessor, type RiskDecision } from '../risk/assess.js';
import { createRiskFollowUp, type DecidedVote } from '../risk/follow-up.js';
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

function ledgerRecord(
  item: BatchItem,
  day: string,
  verdict: VoteVerdict,
  decidedAt: Date,
  decision?: RiskDecision,
): LedgerVote {
  const { vote } = item;
  const assessment = decision?.assessment;
  return {
    _id: vote.voteId,
    boardId: item.boardId,
    candidateId: vote.candidateId,
    action: vote.action,
    voterId: vote.voterId,
    ...verdictFields(verdict),
    day,
    acceptedAt: new Date(vote.acceptedAt),
    decidedAt,
    context: vote.context,
    // Kept when it held or rejected the vote; the ledger's schema keeps only its own fields.
    risk: assessment && assessment.verdict !== 'accept' ? assessment : undefined,
    review: verdict.verdict === 'held' ? { state: 'held', at: decidedAt, by: 'risk' } : undefined,
  };
}

const TALLIES: Partial<Record<VoteVerdict['verdict'], VerdictTally>> = {
  counted: 'counted',
  held: 'held',
  rejected: 'rejected',
};

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
  const assess = createRiskAssessor(deps);
  const followUp = createRiskFollowUp(deps);
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
    const decided: DecidedVote[] = [];
    const tallies = new Map<string, Map<string, number>>();
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
          const decisions = await assess(
            boardId,
            chunk.map((i) => (items[i] as BatchItem).vote),
          );
          const votes: VoteToApply[] = chunk.map((i, n) => {
            const { vote } = items[i] as BatchItem;
            return {
              mode: (decisions[n] as RiskDecision).mode,
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
            const boardTallies = tallies.get(boardId) ?? new Map<string, number>();
            tallies.set(boardId, boardTallies);
            chunk.forEach((i, n) => {
              const verdict = result.verdicts[n] as VoteVerdict;
              const decision = decisions[n] as RiskDecision;
              const item = items[i] as BatchItem;
              outcomes[i] = verdict;
              records.push(ledgerRecord(item, (votes[n] as VoteToApply).day, verdict, decidedAt, decision));
              if (verdict.duplicate) return;
              const tally = TALLIES[verdict.verdict];
              if (tally) {
                const field = verdictField(item.vote.acceptedAt, tally);
                boardTallies.set(field, (boardTallies.get(field) ?? 0) + 1);
              }
              decided.push({
                boardId,
                candidateId: item.vote.candidateId,
                acceptedAt: item.vote.acceptedAt,
                decision,
                stopped:
                  verdict.verdict === 'held' ||
                  (verdict.verdict === 'rejected' && verdict.reason === 'RISK_REJECTED'),
              });
            });
          }
        }
      }),
    );

    await Promise.all(records.map((record) => ledger.add(record)));
    // Only counted votes make referrals, and only once they are on record.
    await attributeReferrals(records);
    // Dashboard tallies, alerts and cluster holds: after the ledger, and never failing the batch.
    await Promise.all([
      ...[...tallies].map(([boardId, counts]) =>
        tallyVerdicts(deps.redis, deps.keys, boardId, counts).catch((error: unknown) =>
          logger.warn({ err: error, boardId }, 'could not tally verdicts'),
        ),
      ),
      followUp(decided),
    ]);
    return outcomes;
  };
}
