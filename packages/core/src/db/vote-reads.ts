import type { Connection } from 'mongoose';
import { type LedgerVote, ledgerModel } from './ledger.js';
import { findPage, type Page } from './paging.js';

/** How the review queue selects held votes: all of a board's, or those of one rule or cluster. */
export interface HeldSelection {
  reason?: string | undefined;
  cluster?: string | undefined;
}

/** The ledger reads the server answers participants and hosts from. */
export interface VoteReads {
  /** One vote's record on a board, if it was written. */
  vote(boardId: string, voteId: string): Promise<LedgerVote | null>;
  /**
   * A voter's decided votes on a board, newest first, without the compensations review makes on
   * the voter's behalf (retractions, re-counts). `before` is the older clients' way to page on.
   */
  voterVotes(query: {
    boardId: string;
    voterId: string;
    limit: number;
    cursor?: string | undefined;
    before?: string | undefined;
  }): Promise<Page<LedgerVote>>;
  /** A board's held votes, oldest first, at most `max`. */
  held(boardId: string, select: HeldSelection, max: number): Promise<LedgerVote[]>;
  /**
   * A board's records in the order they were accepted, as a cursor of `batchSize` documents at a
   * time, with only the fields of `projection`: for exports of any size.
   */
  inOrder(
    boardId: string,
    projection: Record<string, 1>,
  ): AsyncIterable<LedgerVote> & { close(): Promise<void> };
}

export function createVoteReads(mongo: Connection): VoteReads {
  const ledger = ledgerModel(mongo);
  return {
    vote: (boardId, voteId) => ledger.findOne({ _id: voteId, boardId }).lean<LedgerVote>().exec(),
    voterVotes: ({ boardId, voterId, before, ...page }) =>
      // Ordered by acceptance time, then by id: the cursor names one place even among votes
      // accepted in the same millisecond.
      findPage<LedgerVote>(
        ledger,
        {
          boardId,
          voterId,
          action: { $ne: 'retract' },
          restores: { $exists: false },
          ...(before ? { acceptedAt: { $lt: new Date(before) } } : {}),
        },
        'acceptedAt',
        page,
      ),
    held(boardId, select, max) {
      const filter: Record<string, unknown> = { boardId, 'review.state': 'held' };
      if (select.reason) filter['risk.reasons.rule'] = select.reason;
      if (select.cluster)
        filter.$or = [{ 'risk.clusters': select.cluster }, { 'review.cluster': select.cluster }];
      return ledger.find(filter).sort({ acceptedAt: 1, _id: 1 }).limit(max).lean<LedgerVote[]>().exec();
    },
    inOrder: (boardId, projection) =>
      // The index { boardId, acceptedAt } serves both the filter and the order on MongoDB.
      ledger
        .find({ boardId }, projection)
        .sort({ acceptedAt: 1 })
        .lean<LedgerVote[]>()
        .cursor({ batchSize: 1_000 }) as unknown as AsyncIterable<LedgerVote> & { close(): Promise<void> },
  };
}
