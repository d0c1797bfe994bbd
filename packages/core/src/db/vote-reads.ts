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
  /** How many of a board's votes are held (of one rule or cluster). */
  heldCount(boardId: string, select: HeldSelection): Promise<number>;
  /**
   * A page of a board's held votes, newest first, with only the fields the review queue shows
   * (HELD_VIEW_FIELDS): `limit` at a time, from `cursor`.
   */
  heldPage(
    boardId: string,
    select: HeldSelection,
    page: { limit: number; cursor?: string | undefined },
  ): Promise<Page<LedgerVote>>;
  /**
   * A board's held votes oldest first, at most `max`, with the fields the review queue shows,
   * as a cursor of 1,000 documents at a time: for grouping without holding them all.
   */
  heldScan(
    boardId: string,
    select: HeldSelection,
    max: number,
  ): AsyncIterable<LedgerVote> & { close(): Promise<void> };
  /**
   * A board's records in the order they were accepted, as a cursor of `batchSize` documents at a
   * time, with only the fields of `projection`: for exports of any size.
   */
  inOrder(
    boardId: string,
    projection: Record<string, 1>,
  ): AsyncIterable<LedgerVote> & { close(): Promise<void> };
}

/**
 * What the review queue shows of a held vote (server/src/review/held.ts heldVoteOf), and no more:
 * not its user agent, share token or risk features, which make most of a ledger record.
 */
const HELD_VIEW_FIELDS = {
  candidateId: 1,
  action: 1,
  voterId: 1,
  verdict: 1,
  acceptedAt: 1,
  'context.ip': 1,
  'context.deviceId': 1,
  'context.fingerprint': 1,
  'risk.score': 1,
  'risk.reasons': 1,
  'risk.clusters': 1,
  'review.cluster': 1,
} as const;

function heldFilter(boardId: string, select: HeldSelection): Record<string, unknown> {
  const filter: Record<string, unknown> = { boardId, 'review.state': 'held' };
  if (select.reason) filter['risk.reasons.rule'] = select.reason;
  if (select.cluster)
    filter.$or = [{ 'risk.clusters': select.cluster }, { 'review.cluster': select.cluster }];
  return filter;
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
    heldCount: (boardId, select) => ledger.countDocuments(heldFilter(boardId, select)).exec(),
    heldPage: (boardId, select, page) =>
      findPage<LedgerVote>(ledger, heldFilter(boardId, select), 'acceptedAt', page, HELD_VIEW_FIELDS),
    heldScan: (boardId, select, max) =>
      ledger
        .find(heldFilter(boardId, select), HELD_VIEW_FIELDS)
        .sort({ acceptedAt: 1, _id: 1 })
        .limit(max)
        .lean<LedgerVote[]>()
        .cursor({ batchSize: 1_000 }) as unknown as AsyncIterable<LedgerVote> & { close(): Promise<void> },
    inOrder: (boardId, projection) =>
      // The index { boardId, acceptedAt } serves both the filter and the order on MongoDB.
      ledger
        .find({ boardId }, projection)
        .sort({ acceptedAt: 1 })
        .lean<LedgerVote[]>()
        .cursor({ batchSize: 1_000 }) as unknown as AsyncIterable<LedgerVote> & { close(): Promise<void> },
  };
}
