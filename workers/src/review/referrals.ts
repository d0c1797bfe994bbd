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
import { type LedgerWrite, takenBack } from './moves.js';

/** A moved vote's record as the job read it, and what its move writes. */
type MovedVote = LedgerWrite & { record: LedgerVote };

/**
 * Whether the move counts the vote once more: a held vote approved and counted, or a taken-back
 * one approved, whether counted again or written down on the ledger only (a like its voter
 * withdrew, before the hold or since: it counted when it came, as a like later unliked that was
 * never held, whose referral stays).
 */
function countsAgain({ record, set }: MovedVote): boolean {
  if (set.review?.state !== 'approved') return false;
  if (set.verdict === 'counted' && set.delta === 1) return true;
  return takenBack(record) && record.delta === 1;
}

/** Whether the move takes a counted vote out of the count: held by risk control, or voided. */
const leavesTheCount = ({ record, set }: MovedVote): boolean =>
  record.verdict === 'counted' && (set.review?.state === 'held' || set.review?.state === 'voided');

/**
 * Referrals follow review (助力 is attribution of a counted vote, see attribute-referrals.ts): a
 * vote through a share link that a hold takes back or a void takes out no longer brings its voter
 * to the sharer, and one a host approves does, as if it had been counted when it came.
 *
 * Run with a chunk's moves `before` their ledger write, so a run that dies after it comes back
 * with the same moves (their votes answer as duplicates) and does this again; and `after` it, for
 * a vote worker that made a moved vote's referral late (the vote's ledger record was in, its
 * attribution not yet) in between: this second run drops it, and one made after the second run
 * finds the move on record and goes by itself (attribute-referrals.ts). The second run makes no
 * referral (nothing takes an approval's back) and reads the ledger only when it dropped one.
 * Every step is idempotent.
 */
export async function followReferrals(
  deps: Pick<WorkerDeps, 'ledger'>,
  moved: readonly MovedVote[],
  when: 'before' | 'after' = 'before',
) {
  const dropped: ReferralVote[] = [];
  const counted: ReferralCandidate[] = [];
  for (const m of moved) {
    const { record } = m;
    const shareToken = record.context?.shareToken;
    if (shareToken === undefined || record.voterId === undefined || record.action === 'unlike') continue;
    const vote = { voteId: record._id, campaignId: record.boardId, inviteeId: record.voterId };
    if (leavesTheCount(m)) dropped.push(vote);
    else if (countsAgain(m) && when === 'before') counted.push({ ...vote, shareToken, at: record.decidedAt });
  }
  if (dropped.length === 0 && counted.length === 0) return;
  const models = { shareTokens: shareTokenModel(deps.ledger.db), referrals: referralModel(deps.ledger.db) };
  const gone = await dropReferralsOf(models, dropped);
  if (when === 'after' && gone === 0) return;
  const leaving = new Set(dropped.map((d) => d.voteId));
  const voters = new Map(dropped.map((d) => [`${d.campaignId}:${d.inviteeId}`, d]));
  const others = await Promise.all([...voters.values()].map((d) => stillThrough(deps, d, leaving)));
  await recordReferrals(models, [...counted, ...others.flatMap((o) => (o ? [o] : []))]);
}

/**
 * The earliest other vote of a voter whose vote through a link leaves the count that came through
 * a link too and still counts, if any: the mini-program sends every later vote of an invitee with
 * the link that brought them, so a hold of their first vote alone (a wave's), or a void of a
 * window that holds it alone, leaves them brought by it. It then makes the referral (a no-op when
 * the dropped referral was another vote's). One read of the voter's votes on the board.
 */
async function stillThrough(
  deps: Pick<WorkerDeps, 'ledger'>,
  { campaignId, inviteeId }: ReferralVote,
  leaving: ReadonlySet<string>,
): Promise<ReferralCandidate | undefined> {
  const theirs = await deps.ledger
    .find({ voterId: inviteeId, boardId: campaignId, verdict: 'counted', delta: 1 })
    .lean<LedgerVote[]>();
  const standing = theirs
    .filter((r) => r.context?.shareToken !== undefined && !leaving.has(r._id) && r.restores === undefined)
    .filter((r) => r.review === undefined || r.review.state === 'approved')
    .sort((a, b) => a.acceptedAt.getTime() - b.acceptedAt.getTime())[0];
  const shareToken = standing?.context?.shareToken;
  if (!standing || shareToken === undefined) return undefined;
  return { voteId: standing._id, campaignId, inviteeId, shareToken, at: standing.decidedAt };
}
