import type { LedgerVote } from '@rallyboard/core/db';
import type { ReviewJob, ReviewJobResult } from '@rallyboard/core/queue';

/** Reports a job's counts so far, with the share of its votes looked at (0 to 1). */
export type ReviewProgress = (p: ReviewJobResult & { progress: number }) => Promise<void>;

/** The steps of review-actions.ts a cluster hold runs its votes through (hold-cluster.ts). */
export interface ReviewSteps {
  /** Runs `work` under the campaign's review lock. */
  locked<T>(campaignId: string, work: () => Promise<T>): Promise<T>;
  /**
   * Moves records read under the lock (each only from the state it was read in), adding to
   * `result`; `whyOf` gives a hold's note for each vote.
   */
  moveRecords(
    job: ReviewJob,
    actionId: string,
    records: readonly LedgerVote[],
    result: ReviewJobResult,
    whyOf?: (record: LedgerVote) => string | undefined,
  ): Promise<void>;
  /** Runs a job over the votes a ledger filter selects, a page at a time. */
  byLedger(
    job: ReviewJob,
    actionId: string,
    progress: ReviewProgress,
    filter: Record<string, unknown>,
  ): Promise<ReviewJobResult>;
}
