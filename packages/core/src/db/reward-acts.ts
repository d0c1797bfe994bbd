import type { LedgerModel, LedgerVote } from './ledger.js';

/** What working out rewards reads of a ledger record: what the act was, whether it counts, and where on the board it took effect. */
export type RewardActRecord = Pick<
  LedgerVote,
  | '_id'
  | 'voterId'
  | 'candidateId'
  | 'action'
  | 'verdict'
  | 'seq'
  | 'day'
  | 'acceptedAt'
  | 'review'
  | 'restores'
>;

/**
 * The counted ledger records of some voters on one board that their rewards are worked out from
 * (workers/src/rewards): their votes and likes, review's re-counts of them, and their unlikes,
 * which withdraw likes. One query for the lot: FerretDB reads are scans.
 */
export function readRewardActs(
  ledger: LedgerModel,
  boardId: string,
  voterIds: readonly string[],
): Promise<RewardActRecord[]> {
  return ledger
    .find(
      {
        boardId,
        voterId: { $in: [...voterIds] },
        verdict: 'counted',
        action: { $in: ['vote', 'like', 'unlike'] },
      },
      {
        voterId: 1,
        candidateId: 1,
        action: 1,
        verdict: 1,
        seq: 1,
        day: 1,
        acceptedAt: 1,
        review: 1,
        restores: 1,
      },
    )
    .lean<RewardActRecord[]>()
    .exec();
}
