import { dayOf } from '@rallyboard/core/protocol';
import type { QueuedVote } from '@rallyboard/core/queue';
import {
  type AppliedVerdict,
  applyVotes,
  type CachedBoard,
  dayExpiresAt,
  formatVerdict,
  parseVerdict,
  quotaExpiresAt,
  type VerdictTally,
  type VoteToApply,
  type VoteVerdict,
  verdictField,
} from '@rallyboard/core/redis';
import type { WorkerDeps } from '../deps.js';
import { firstDecision, keptOf, type RiskDecision } from '../risk/assess.js';
import type { DecidedVote } from '../risk/follow-up.js';
import { zip } from '../zip.js';
import { ledgerRecord, type SettledVote, type Slot, type VoteOutcome } from './settled.js';

/** What settling a board's votes takes besides the services. */
export interface BoardSteps {
  deps: Pick<WorkerDeps, 'redis' | 'keys' | 'config' | 'instanceId'>;
  /** The board as Redis has it, or undefined when Redis has lost it. */
  board(boardId: string): Promise<CachedBoard | undefined>;
  /** Risk control's decision for each vote, in order. */
  assess(boardId: string, votes: readonly QueuedVote[]): Promise<RiskDecision[]>;
  /** For a board Redis does not have: the outcome of its votes, or that no such board exists. */
  missing(boardId: string): Promise<VoteOutcome | 'unknown-board'>;
}

/** A vote of a chunk on its way to the script: risk control's decision, and what applyVotes takes. */
interface Planned {
  slot: Slot;
  decision: RiskDecision;
  vote: VoteToApply;
}

const TALLIES: Partial<Record<VoteVerdict['verdict'], VerdictTally>> = {
  counted: 'counted',
  held: 'held',
  rejected: 'rejected',
};

/**
 * Settles one board's votes of the batch: judged by risk control and applied with one
 * applyVotes call per `batchMax` votes, in the order they came.
 */
export async function settleBoardVotes(
  steps: BoardSteps,
  boardId: string,
  slots: readonly Slot[],
  decidedAt: Date,
): Promise<SettledVote[]> {
  const board = await steps.board(boardId);
  // Days unknown: the board's timezone went with it.
  if (!board) return settleMissing(steps, boardId, slots.map(withoutDay), decidedAt);
  const settled: SettledVote[] = [];
  const { batchMax } = steps.deps.config.worker;
  for (let start = 0; start < slots.length; start += batchMax) {
    settled.push(
      ...(await settleChunk(steps, boardId, board, slots.slice(start, start + batchMax), decidedAt)),
    );
  }
  return settled;
}

const withoutDay = (slot: Slot) => ({ slot });

/** One script call's worth of a board's votes: judged, applied, and settled by their verdicts. */
async function settleChunk(
  steps: BoardSteps,
  boardId: string,
  board: CachedBoard,
  chunk: readonly Slot[],
  decidedAt: Date,
): Promise<SettledVote[]> {
  const { deps } = steps;
  const decisions = await steps.assess(
    boardId,
    chunk.map((slot) => slot.item.vote),
  );
  const planned = zip(chunk, decisions).map(
    ([slot, decision]): Planned => ({
      slot,
      decision,
      vote: toApply(slot.item.vote, decision, board, decidedAt),
    }),
  );
  const result = await applyVotes(
    deps.redis,
    deps.keys,
    boardId,
    planned.map((p) => p.vote),
    {
      dedupTtlSeconds: deps.config.votes.dedupTtlSeconds,
      origin: deps.instanceId,
      weekStartsOn: board.weekStartsOn,
    },
  );
  if (result.outcome === 'board-missing') {
    return settleMissing(
      steps,
      boardId,
      planned.map(({ slot, vote }) => ({ slot, day: vote.day })),
      decidedAt,
    );
  }
  if (result.outcome === 'fenced') {
    return chunk.map(({ at }) => ({ at, outcome: { verdict: 'retry', why: 'fenced' } }));
  }
  return zip(planned, result.verdicts).map(([p, verdict]) => settleDecided(boardId, p, verdict, decidedAt));
}

/**
 * What applyVotes takes of a vote, counted for its day in the board's timezone, with the
 * assessment kept beside its marker when risk control did not accept it.
 */
function toApply(vote: QueuedVote, decision: RiskDecision, board: CachedBoard, decidedAt: Date): VoteToApply {
  return {
    mode: decision.mode,
    voteId: vote.voteId,
    candidateId: vote.candidateId,
    action: vote.action,
    voterId: vote.voterId,
    day: dayOf(vote.acceptedAt, board.timezone),
    dayExpiresAt: dayExpiresAt(vote.acceptedAt, board.dailyRetentionDays),
    // From its apply, when later than its acceptance (a replay days late): see quotaExpiresAt.
    quotaExpiresAt: quotaExpiresAt(vote.acceptedAt, decidedAt.getTime()),
    assessment: keptOf(decision),
  };
}

/**
 * A vote the script decided: its record, and unless a duplicate, its tally and risk follow-up. A
 * duplicate's record and follow-up carry its first run's decision, kept with its marker (what the
 * settings would decide now may differ: changed since, or risk control switched off).
 */
function settleDecided(
  boardId: string,
  planned: Planned,
  verdict: AppliedVerdict,
  decidedAt: Date,
): SettledVote {
  const { slot, vote } = planned;
  const { item } = slot;
  const decision = verdict.duplicate ? firstDecision(verdict, planned.decision) : planned.decision;
  const settled: SettledVote = {
    at: slot.at,
    // The verdict alone: a duplicate's kept assessment is for its record and follow-up.
    outcome: verdict.assessment === undefined ? verdict : parseVerdict(formatVerdict(verdict), true),
    record: ledgerRecord(item, vote.day, verdict, decidedAt, decision),
    // A re-delivered vote's clusters are recorded again (the same members, from its stored
    // measurements): see cluster-members.ts.
    features: verdict.verdict === 'counted' ? planned.decision.assessment?.features : undefined,
  };
  const decided: DecidedVote = {
    boardId,
    candidateId: item.vote.candidateId,
    acceptedAt: item.vote.acceptedAt,
    decision,
    stopped:
      verdict.verdict === 'held' || (verdict.verdict === 'rejected' && verdict.reason === 'RISK_REJECTED'),
  };
  // A duplicate was tallied when it was first decided. Its cluster's holds are queued again when
  // it was stopped: the run that decided it may have failed after Redis, before its follow-up.
  if (verdict.duplicate) return decided.stopped ? { ...settled, stoppedAgain: decided } : settled;
  const tally = TALLIES[verdict.verdict];
  settled.decided = { tally: tally && verdictField(item.vote.acceptedAt, tally), vote: decided };
  return settled;
}

/**
 * Votes of a board Redis does not have: retried once a rebuild restores it, or rejected as
 * BOARD_NOT_FOUND, on the ledger, when MongoDB has no such board either.
 * Each vote comes with the day it was to count for, when the board was read (UTC's otherwise).
 */
async function settleMissing(
  steps: BoardSteps,
  boardId: string,
  votes: readonly { slot: Slot; day?: string }[],
  decidedAt: Date,
): Promise<SettledVote[]> {
  const outcome = await steps.missing(boardId);
  return votes.map(({ slot: { at, item }, day }) => {
    if (outcome !== 'unknown-board') return { at, outcome };
    const verdict: VoteVerdict = { verdict: 'rejected', reason: 'BOARD_NOT_FOUND', duplicate: false };
    return {
      at,
      outcome: verdict,
      record: ledgerRecord(item, day ?? dayOf(item.vote.acceptedAt, 'UTC'), verdict, decidedAt),
    };
  });
}
