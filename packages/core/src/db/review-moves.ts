import type { QueryFilter } from 'mongoose';
import { bulkUpdate } from './bulk-updates.js';
import type { LedgerModel, LedgerVote } from './ledger.js';

/**
 * The ledger reads and writes of review jobs (approve, void, void by rule, cluster holds; the
 * workers' review/ decides what moves). A job selects vote ids a page at a time, and re-reads each
 * page under the campaign's review lock, so each chunk is moved from the state it is in then.
 */

/**
 * A page of the ids a review job's filter selects, in id order (the order chunks are moved in):
 * at most `limit` after `after`. A job walks them page by page, so a rule that matches a million
 * votes never has its ids read at once; a vote moved meanwhile keeps its place, since the page
 * after an id does not depend on what the votes before it became.
 */
export async function selectReviewVoteIdPage(
  model: LedgerModel,
  filter: QueryFilter<LedgerVote>,
  after: string | undefined,
  limit: number,
): Promise<string[]> {
  const page = after === undefined ? filter : { $and: [filter, { _id: { $gt: after } }] };
  // One reply: FerretDB v1 holds a SQLite connection for each cursor left open between batches.
  const found = await model.find(page, { _id: 1 }).sort({ _id: 1 }).limit(limit).batchSize(limit).lean();
  return found.map((r) => r._id);
}

/** How many votes a review job's filter selects now, for its progress. */
export function countReviewVotes(model: LedgerModel, filter: QueryFilter<LedgerVote>): Promise<number> {
  return model.countDocuments(filter).exec();
}

/** The ledger records of the given vote ids, whole (any order; unknown ids are left out). */
export async function readLedgerVotes(model: LedgerModel, voteIds: readonly string[]): Promise<LedgerVote[]> {
  return model
    .find({ _id: { $in: voteIds } })
    .batchSize(Math.max(voteIds.length, 1))
    .lean();
}

/** A voter's like or unlike, as a held like's approval weighs it. */
export type LikeAct = Pick<
  LedgerVote,
  '_id' | 'voterId' | 'candidateId' | 'action' | 'acceptedAt' | 'decidedAt'
>;

/**
 * The voters' own likes and unlikes on the board decided at `since` or after (the votes of one
 * worker batch share their decision time) that took effect (counted, or unchanged: what they
 * wanted already stood), not review's re-counts: what a like taken back by a hold is checked
 * against before it is given back, or before it is taken.
 */
export async function readLikeActsSince(
  model: LedgerModel,
  boardId: string,
  voterIds: readonly string[],
  since: Date,
): Promise<LikeAct[]> {
  return model
    .find(
      {
        boardId,
        voterId: { $in: voterIds },
        action: { $in: ['like', 'unlike'] },
        verdict: { $in: ['counted', 'unchanged'] },
        decidedAt: { $gte: since },
        restores: { $exists: false },
      },
      { voterId: 1, candidateId: 1, action: 1, acceptedAt: 1, decidedAt: 1 },
    )
    .lean<LikeAct[]>();
}

/**
 * The ledger records of the given vote ids, each read by its `_id` alone (unknown ids are left
 * out): for a few hundred ids known beforehand, such as a cluster's members. FerretDB
 * (development and tests) answers a lone `_id` equality from its key but scans the whole
 * collection for an `$in`; MongoDB answers each from the `_id` index.
 */
export async function readLedgerVotesById(
  model: LedgerModel,
  voteIds: readonly string[],
): Promise<LedgerVote[]> {
  const found = await Promise.all(voteIds.map((_id) => model.findOne({ _id }).lean<LedgerVote>().exec()));
  return found.filter((record) => record !== null);
}

/**
 * Each voter's earliest vote on a board, as epoch ms, over every record the ledger has of them
 * (retractions included); voters without records are absent.
 */
export async function earliestVoteTimes(
  model: LedgerModel,
  boardId: string,
  voterIds: readonly string[],
): Promise<Map<string, number>> {
  const earliest = new Map<string, number>();
  const theirs = await model
    .find({ boardId, voterId: { $in: voterIds } }, { voterId: 1, acceptedAt: 1 })
    .lean();
  for (const { voterId, acceptedAt } of theirs) {
    if (voterId === undefined) continue;
    earliest.set(voterId, Math.min(earliest.get(voterId) ?? Number.POSITIVE_INFINITY, acceptedAt.getTime()));
  }
  return earliest;
}

/** A review's change of one vote's record: the record as the job read it, and what to set on it. */
export interface ReviewedVote {
  from: Pick<LedgerVote, '_id' | 'verdict' | 'review'>;
  /** Fields to set; a field given as undefined is removed from the record. */
  set: Partial<LedgerVote>;
}

/** The update of a review change: fields to set, and those given as undefined removed. */
function updateOf(set: Partial<LedgerVote>) {
  const unset = Object.entries(set)
    .filter(([, v]) => v === undefined)
    .map(([k]) => k);
  const $set = Object.fromEntries(Object.entries(set).filter(([, v]) => v !== undefined));
  return { $set, ...(unset.length > 0 ? { $unset: Object.fromEntries(unset.map((k) => [k, ''])) } : {}) };
}

/**
 * Writes review changes onto their votes' records, each only if the record is still in the state
 * the job read (same verdict and review state): a concurrent change wins and is not overwritten.
 * Through the driver, as recordVotes writes: the records' shape is the review moves' to keep.
 */
export function updateReviewedVotes(model: LedgerModel, changes: readonly ReviewedVote[]): Promise<void> {
  return writeReviewed(model, changes, (from) => ({
    _id: from._id,
    verdict: from.verdict,
    'review.state': from.review?.state ?? null,
  }));
}

/**
 * Writes review changes onto their votes' records by `_id` alone, without comparing their state:
 * for risk's cluster holds, which move only votes no review has touched, from records re-read
 * under the campaign's review lock that every writer of a review holds. FerretDB (development
 * and tests) answers an update by a lone `_id` from its key but scans the whole collection for
 * any other filter (half a second a vote with 20,000 in the database), which made holds late.
 */
export function setReviewedVotesById(model: LedgerModel, changes: readonly ReviewedVote[]): Promise<void> {
  return writeReviewed(model, changes, (from) => ({ _id: from._id }));
}

/**
 * The changes as bulk update commands (bulkUpdate keeps each small), each record chosen by
 * `filterOf`. Never as single updates sent at once: on FerretDB each held two of a database's
 * SQLite connections, and 200 of them ran it dry for good.
 */
async function writeReviewed(
  model: LedgerModel,
  changes: readonly ReviewedVote[],
  filterOf: (from: ReviewedVote['from']) => Record<string, unknown>,
): Promise<void> {
  await bulkUpdate(
    model.collection,
    changes.map(({ from, set }) => ({ updateOne: { filter: filterOf(from), update: updateOf(set) } })),
  );
}
