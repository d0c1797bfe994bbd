import type { LedgerVote } from '@rallyboard/core/db';
import type { RiskFeatures } from '@rallyboard/core/protocol';
import type { QueuedVote } from '@rallyboard/core/queue';
import { type VoteVerdict, verdictFields } from '@rallyboard/core/redis';
import type { RiskDecision } from '../risk/assess.js';
import type { DecidedVote } from '../risk/follow-up.js';

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

/** A vote that could not be settled: its job fails with this (and is retried). */
export interface Failed {
  verdict: 'failed';
  failed: unknown;
}

/** A vote of the batch with its place in it: outcomes answer in the order the votes came. */
export interface Slot {
  at: number;
  item: BatchItem;
}

/** What became of one vote of the batch, with what the steps after Redis need of it. */
export interface SettledVote {
  at: number;
  outcome: VoteOutcome;
  /** Its ledger record; none for a vote that waits to be retried. */
  record?: LedgerVote | undefined;
  /** For a vote decided just now (not a duplicate): its dashboard tally field, and risk's view. */
  decided?: { tally: string | undefined; vote: DecidedVote } | undefined;
  /**
   * For a duplicate risk control had stopped: risk's view, followed up again (alerts and holds
   * are idempotent), since the run that decided it may have failed before its follow-up.
   */
  stoppedAgain?: DecidedVote | undefined;
  /**
   * For a counted vote risk control judged (a duplicate too): what was measured of it, from which
   * its clusters are recorded (cluster-members.ts).
   */
  features?: RiskFeatures | undefined;
}

/** A vote's ledger record, with risk control's assessment when it held or rejected the vote. */
export function ledgerRecord(
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
