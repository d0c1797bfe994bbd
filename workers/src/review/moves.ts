import type { LedgerReview, LedgerVote } from '@rallyboard/core/db';
import type { ReviewJob } from '@rallyboard/core/queue';
import {
  type ApplyAction,
  type ApplyMode,
  dayExpiresAt,
  quotaExpiresAt,
  type VoteToApply,
  type VoteVerdict,
  verdictFields,
} from '@rallyboard/core/redis';

/**
 * The moves of review: how one vote goes from the state it is in to the state a job asks for.
 * Every change to a ranking is a vote applied by applyVotes with its own id: the vote itself when
 * it was never applied (held), `<id>.x` to take a counted vote back, `<id>.a` to count a
 * taken-back vote again. So a move planned twice applies nothing twice.
 */

/** What a move writes to the ledger: new records, and the change of the moved vote's record. */
export interface LedgerWrite {
  inserts: LedgerVote[];
  set: Partial<LedgerVote>;
}

/** Moving one vote: at most one vote to apply, and the ledger write made after it. */
export type Move =
  /** Applies a vote, then writes what its verdict says. */
  (
    | { apply: VoteToApply; write(verdict: VoteVerdict): LedgerWrite }
    /** Writes the ledger only: the ranking is already as the job wants it. */
    | { apply?: undefined; write(): LedgerWrite }
  ) & {
    /**
     * Set when the move wrote down an earlier action's approval instead of this job's decision
     * (see decidedBefore): a void by rule, the later action, then takes the vote back as approved.
     */
    finished?: boolean;
  };

/** What a move is planned from: the job, the vote's record as this run read it, and the run. */
export interface MoveInput {
  job: ReviewJob;
  record: LedgerVote;
  /** The review action (the job) stamped on the vote. */
  actionId: string;
  now: Date;
  /** The board's daily retention, for the day window's expiry of an applied vote. */
  retentionDays: number;
  /** For a cluster hold: why the vote is the cluster's (its own evidence), kept as the review's note. */
  why?: string | undefined;
  /**
   * For a like taken back by a hold: the voter unliked the member since, so approving gives
   * nothing back over it.
   */
  actedSince?: boolean | undefined;
  /**
   * For a vote taken back by a hold: its re-count (`<id>.a`) is on the board already, an earlier
   * approval that stopped before its ledger write (the marker is Redis's answer).
   */
  creditApplied?: boolean | undefined;
  /**
   * For a counted like a retraction would take back: its voter unliked the member since, so the
   * like that stands now, if any, is a later one of theirs, which no hold or rule selected.
   */
  withdrawnSince?: boolean | undefined;
}

/** The note of a decision an earlier action made on the board and this one wrote down. */
const FINISHED = 'decided so by an earlier action, which stopped before the ledger: finished by this one';

/**
 * The decision a held vote's verdict shows when it is a duplicate: the board answered with the
 * first decision applied to it (an earlier action that stopped before its ledger write), which
 * stands whatever this action asked.
 */
function decidedBefore(verdict: VoteVerdict): 'approved' | 'voided' | undefined {
  if (!verdict.duplicate) return undefined;
  if (verdict.verdict === 'counted') return 'approved';
  if (verdict.verdict === 'rejected' && verdict.reason === 'VOIDED') return 'voided';
  return undefined;
}

/** A vote of the record's voter, candidate and day to apply, under its own id. */
function toApply(
  { record, retentionDays }: MoveInput,
  voteId: string,
  action: ApplyAction,
  mode: ApplyMode,
): VoteToApply {
  return {
    voteId,
    candidateId: record.candidateId,
    action,
    mode,
    voterId: record.voterId,
    day: record.day,
    dayExpiresAt: dayExpiresAt(record.acceptedAt.getTime(), retentionDays),
    quotaExpiresAt: quotaExpiresAt(record.acceptedAt.getTime()),
  };
}

/** The vote's review state after the move, stamped with the job. */
function stamp(
  { job, record, actionId, now }: MoveInput,
  state: LedgerReview['state'],
  extra: Partial<LedgerReview> = {},
): LedgerReview {
  return {
    ...record.review,
    state,
    at: now,
    by: job.by,
    actionId,
    note: 'note' in job ? job.note : 'rule' in job ? job.rule.note : undefined,
    ...extra,
  };
}

/** The ledger record of a vote a move applied besides the vote itself (a retraction, a re-count). */
function derived(
  { record, now }: MoveInput,
  voteId: string,
  verdict: VoteVerdict,
  fields: Partial<LedgerVote>,
): LedgerVote {
  return {
    _id: voteId,
    boardId: record.boardId,
    candidateId: record.candidateId,
    action: fields.action ?? record.action,
    voterId: record.voterId,
    ...verdictFields(verdict),
    day: record.day,
    acceptedAt: now,
    decidedAt: now,
    ...fields,
  };
}

/**
 * Decides a held vote, never applied: applies it itself, counted (`a`) or voided (`v`). When the
 * board answers with an earlier action's decision (applied, its ledger write not made), the record
 * says that decision, as the board has it, never this action's over the other's verdict.
 */
function decideHeld(input: MoveInput, mode: 'a' | 'v', state: 'approved' | 'voided'): Move {
  const move: Move = {
    apply: toApply(input, input.record._id, input.record.action, mode),
    write: (verdict) => {
      const before = decidedBefore(verdict);
      const other = before !== undefined && before !== state;
      move.finished = other && before === 'approved';
      const review = other ? stamp(input, before, { note: FINISHED }) : stamp(input, state);
      return { inserts: [], set: { ...verdictFields(verdict), review } };
    },
  };
  return move;
}

/**
 * Counts a taken-back vote again, with a vote of its own id (`<id>.a`). `finishing`: an earlier
 * approval applied it and stopped before the ledger; this one writes that approval down.
 */
function restore(input: MoveInput, finishing = false): Move {
  const creditId = `${input.record._id}.a`;
  return {
    finished: finishing,
    apply: toApply(input, creditId, input.record.action, 'a'),
    write: (verdict) => ({
      inserts: [derived(input, creditId, verdict, { restores: input.record._id })],
      set: {
        review: stamp(input, 'approved', { credit: creditId, ...(finishing ? { note: FINISHED } : {}) }),
      },
    }),
  };
}

/** Moves a vote on the ledger only: the ranking is already as the job wants it. */
function ledgerOnly(input: MoveInput, state: 'approved' | 'voided'): Move {
  return { write: () => ({ inserts: [], set: { review: stamp(input, state) } }) };
}

/** Takes a counted vote back with a retraction of its own id (`<counting id>.x`). */
function retract(input: MoveInput, state: LedgerReview['state'], extra: Partial<LedgerReview> = {}): Move {
  const { record } = input;
  const countingId = record.review?.credit ?? record._id;
  const retractionId = `${countingId}.x`;
  return {
    apply: toApply(input, retractionId, 'retract', 'n'),
    write: (verdict) => ({
      inserts: [derived(input, retractionId, verdict, { action: 'retract', retracts: record._id })],
      set: {
        review: stamp(input, state, {
          retraction: retractionId,
          // A like withdrawn since: nothing of it stood to take back, so nothing is to count again.
          ...(verdict.verdict === 'counted' ? {} : { nothingTaken: true }),
          ...extra,
        }),
      },
    }),
  };
}

/**
 * Takes back a like its voter withdrew since: nothing of it stands, so nothing is applied (the
 * script would take whatever like of theirs stands now, a later one), and the ledger says so.
 */
function nothingToTake(input: MoveInput, state: 'held' | 'voided', extra: Partial<LedgerReview> = {}): Move {
  return {
    write: () => ({ inserts: [], set: { review: stamp(input, state, { ...extra, nothingTaken: true }) } }),
  };
}

/** Taken back when it was held: by a retraction, or with nothing to take (a like withdrawn). */
export const takenBack = ({ verdict, review }: LedgerVote): boolean =>
  verdict === 'counted' &&
  review?.state === 'held' &&
  (review.retraction !== undefined || review.nothingTaken === true);

/**
 * The move a job makes of one vote, or undefined when the vote is not in a state the job moves
 * (already decided, or moved by an earlier run).
 */
export function planMove(input: MoveInput): Move | undefined {
  const { job, record } = input;
  // A re-count (`<id>.a`) is moved only through the vote it restores, which names it as its
  // credit: accepted when a host approved, it is in no window or cluster of its own.
  if (record.restores !== undefined) return undefined;
  const review = record.review;
  const neverApplied = record.verdict === 'held';
  const retracted = takenBack(record);
  const countedOnce = record.verdict === 'counted' && record.delta === 1;
  switch (job.kind) {
    case 'approve':
      if (review?.state !== 'held') return undefined;
      if (neverApplied) return decideHeld(input, 'a', 'approved');
      if (retracted && (review.nothingTaken || input.actedSince)) return ledgerOnly(input, 'approved');
      if (retracted) return restore(input);
      return undefined;
    case 'void':
    case 'void-by-rule':
      if (review?.state === 'voided') return undefined;
      if (neverApplied) return decideHeld(input, 'v', 'voided');
      // Counted again by an approval that stopped before the ledger: that approval stands (the
      // board counts it), and is written down; a void of it is a later action's.
      if (retracted && input.creditApplied) return restore(input, true);
      // Taken back when it was held: voiding it changes the ledger only.
      if (retracted) return ledgerOnly(input, 'voided');
      // A host voids held votes; only a rule reaches votes that still count.
      if (job.kind === 'void' || !countedOnce) return undefined;
      if (input.withdrawnSince) return nothingToTake(input, 'voided');
      return retract(input, 'voided');
    case 'hold-cluster': {
      if (review !== undefined || !countedOnce) return undefined;
      const held = { cluster: job.cluster, by: 'risk', note: input.why };
      if (input.withdrawnSince) return nothingToTake(input, 'held', held);
      return retract(input, 'held', held);
    }
  }
}
