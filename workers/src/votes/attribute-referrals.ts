import {
  type LedgerVote,
  type ReferralCandidate,
  readLedgerVotesById,
  recordReferrals,
  referralModel,
  shareTokenModel,
} from '@rallyboard/core/db';
import type { WorkerDeps } from '../deps.js';

/**
 * Referral attribution (助力), run on a batch's ledger records after they are written: a vote
 * that came with a share token makes its voter the sharer's invitee once it is counted, so a
 * vote that is rejected (a quota, an unknown member) or an unlike brings no one. The rules
 * (token of the vote's campaign, no self-referral, the first referral of an invitee wins) are
 * recordReferrals'. A token that is unknown or foreign stays on the vote's ledger context as it
 * came and makes nothing; the vote counts all the same.
 *
 * Runs again with the same records when a job is re-delivered (its votes come back as
 * duplicates with their first verdicts), and inserting the same referral again is a no-op: a
 * process that dies between the ledger write and this step loses no referral. A duplicate that
 * review has held or voided since makes none (its referral went with the review).
 *
 * Referrals live in the ledger's database (the ledger model's connection).
 * @returns a function of the batch's records, resolving to the number of new referrals
 */
export function createReferralAttributor(
  deps: Pick<WorkerDeps, 'ledger'>,
): (records: readonly LedgerVote[], redelivered?: ReadonlySet<LedgerVote>) => Promise<number> {
  const models = { shareTokens: shareTokenModel(deps.ledger.db), referrals: referralModel(deps.ledger.db) };
  return async (records, redelivered = new Set()) => {
    const through = records.filter(
      (r) =>
        r.context?.shareToken !== undefined &&
        r.voterId !== undefined &&
        r.verdict === 'counted' &&
        r.delta === 1,
    );
    const reviewed = await reviewedSince(
      deps,
      through.filter((r) => redelivered.has(r)),
    );
    const counted: { seq: number; candidate: ReferralCandidate }[] = [];
    for (const r of through) {
      const shareToken = r.context?.shareToken;
      if (shareToken === undefined || r.voterId === undefined || reviewed.has(r._id)) continue;
      counted.push({
        seq: r.seq ?? 0,
        candidate: {
          voteId: r._id,
          campaignId: r.boardId,
          inviteeId: r.voterId,
          shareToken,
          at: r.decidedAt,
        },
      });
    }
    // Within a batch, an invitee's first counted vote (lowest seq on its board) names the referral.
    counted.sort((a, b) => a.seq - b.seq);
    return recordReferrals(
      models,
      counted.map((c) => c.candidate),
    );
  };
}

/**
 * Of a re-delivered job's counted votes (duplicates, answered with their first verdicts), those
 * review has moved since their first run: a hold took the vote back or a void took it out, and
 * dropped its referral (review/referrals.ts), which the job's run again must not make anew. Read
 * by id, one find each (FerretDB answers an `_id` equality from its key, but scans the whole
 * ledger for an `$in`), and only for votes that came back with a share token.
 */
async function reviewedSince(deps: Pick<WorkerDeps, 'ledger'>, records: readonly LedgerVote[]) {
  if (records.length === 0) return new Set<string>();
  const moved = await readLedgerVotesById(
    deps.ledger,
    records.map((r) => r._id),
  );
  return new Set(moved.flatMap((r) => (r.review && r.review.state !== 'approved' ? [r._id] : [])));
}
