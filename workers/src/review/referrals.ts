import {
  dropReferralsOf,
  type LedgerVote,
  type ReferralCandidate,
  type ReferralVote,
  recordReferrals,
  referralModel,
  shareTokenModel,
} from '@rallyboard/core/db';
import type { WorkerDeps } from '../deps.js';
import type { LedgerWrite } from './moves.js';

/** A moved vote's record as the job read it, and what its move writes. */
type MovedVote = LedgerWrite & { record: LedgerVote };

/** Whether the move counts the vote once more: a held vote approved and counted, or a taken-back one counted again. */
function countsAgain({ record, set, inserts }: MovedVote): boolean {
  if (set.review?.state !== 'approved') return false;
  if (set.verdict === 'counted' && set.delta === 1) return true;
  return inserts.some((i) => i.restores === record._id && i.verdict === 'counted' && i.delta === 1);
}

/** Whether the move takes a counted vote out of the count: held by risk control, or voided. */
const leavesTheCount = ({ record, set }: MovedVote): boolean =>
  record.verdict === 'counted' && (set.review?.state === 'held' || set.review?.state === 'voided');

/**
 * Referrals follow review (助力 is attribution of a counted vote, see attribute-referrals.ts): a
 * vote through a share link that a hold takes back or a void takes out no longer brings its voter
 * to the sharer, and one a host approves does, as if it had been counted when it came. Run with
 * a chunk's moves before their ledger write, so a run that dies after it comes back with the same
 * moves (their votes answer as duplicates) and does this again; both steps are idempotent.
 */
export async function followReferrals(deps: Pick<WorkerDeps, 'ledger'>, moved: readonly MovedVote[]) {
  const dropped: ReferralVote[] = [];
  const counted: ReferralCandidate[] = [];
  for (const m of moved) {
    const { record } = m;
    const shareToken = record.context?.shareToken;
    if (shareToken === undefined || record.voterId === undefined || record.action === 'unlike') continue;
    const vote = { voteId: record._id, campaignId: record.boardId, inviteeId: record.voterId };
    if (leavesTheCount(m)) dropped.push(vote);
    else if (countsAgain(m)) counted.push({ ...vote, shareToken, at: record.decidedAt });
  }
  if (dropped.length === 0 && counted.length === 0) return;
  const models = { shareTokens: shareTokenModel(deps.ledger.db), referrals: referralModel(deps.ledger.db) };
  await dropReferralsOf(models, dropped);
  await recordReferrals(models, counted);
}
