import {
  dropReferralsOf,
  insertReferrals,
  type LedgerVote,
  type ReferralCandidate,
  readLedgerVotesById,
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
 * A review can also reach a vote between its ledger write and this step (a rule's window, a
 * cluster's hold, on another worker): it drops the referral before and after its own ledger
 * write (review/referrals.ts), and the referrals made here are read back by their votes' ids
 * once they are in, so one made after the review's last drop finds the review on record and
 * goes. Only new referrals are read back: one read per invitee, once per campaign.
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
    const made = await insertReferrals(
      models,
      counted.map((c) => c.candidate),
    );
    const movedSince = await reviewedSince(
      deps,
      made.map((m) => ({ _id: m.voteId })),
    );
    const late = made.filter((m) => movedSince.has(m.voteId));
    await dropReferralsOf(models, late);
    return made.length - late.length;
  };
}

/**
 * Of counted votes, those review has moved since they were recorded: a hold took the vote back or
 * a void took it out, and dropped its referral (review/referrals.ts), which must not be made anew
 * (a re-delivered job's duplicates) or stay (one made as the review ran). Read by id, one find
 * each (FerretDB answers an `_id` equality from its key, but scans the whole ledger for an `$in`),
 * and only for votes that came with a share token.
 */
async function reviewedSince(deps: Pick<WorkerDeps, 'ledger'>, records: readonly Pick<LedgerVote, '_id'>[]) {
  if (records.length === 0) return new Set<string>();
  const moved = await readLedgerVotesById(
    deps.ledger,
    records.map((r) => r._id),
  );
  return new Set(moved.flatMap((r) => (r.review && r.review.state !== 'approved' ? [r._id] : [])));
}
