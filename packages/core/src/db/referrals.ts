import { createHmac } from 'node:crypto';
import { type Connection, Schema } from 'mongoose';
import { duplicatesOnly, isDuplicateKey, writeErrorsOf } from './duplicate-key.js';

/**
 * Share tokens and referrals (助力). A participant asks for a share token for one candidate of a
 * campaign and shares it (a link, a mini-program code); a participant who opens it and whose
 * vote is then counted becomes the sharer's invitee, once per campaign.
 */

/** A share token: who shared which candidate of which campaign. Immutable once written. */
export interface ShareTokenDoc {
  /** The token: 22 base64url characters (see createShareTokenIssuer). */
  _id: string;
  campaignId: string;
  candidateId: string;
  /** The participant who shared. */
  inviterId: string;
  createdAt: Date;
}

/**
 * A referral: the share token that brought a participant (the invitee) to a campaign. The id is
 * the campaign and the invitee (referralIdOf), so an invitee has at most one per campaign and the
 * first insert wins; a racing second is a duplicate-key error, not a second referral.
 */
export interface ReferralDoc {
  _id: string;
  campaignId: string;
  /** The candidate the share token was for (the invitee may have voted for another). */
  candidateId: string;
  inviterId: string;
  inviteeId: string;
  shareToken: string;
  /** The counted vote that made the referral. */
  firstVoteId: string;
  at: Date;
}

const shareTokenSchema = new Schema<ShareTokenDoc>(
  {
    _id: { type: String, required: true },
    campaignId: { type: String, required: true },
    candidateId: { type: String, required: true },
    inviterId: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'shareTokens', versionKey: false },
);

const referralSchema = new Schema<ReferralDoc>(
  {
    _id: { type: String, required: true },
    campaignId: { type: String, required: true },
    candidateId: { type: String, required: true },
    inviterId: { type: String, required: true },
    inviteeId: { type: String, required: true },
    shareToken: { type: String, required: true },
    firstVoteId: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { collection: 'referrals', versionKey: false },
);
// An inviter's invitees in a campaign.
referralSchema.index({ campaignId: 1, inviterId: 1 });

/** The ShareToken model on a connection, compiled once per connection. */
export function shareTokenModel(connection: Connection) {
  return connection.models.ShareToken
    ? connection.model<ShareTokenDoc>('ShareToken')
    : connection.model<ShareTokenDoc>('ShareToken', shareTokenSchema);
}
export type ShareTokenModel = ReturnType<typeof shareTokenModel>;

/** The Referral model on a connection, compiled once per connection. */
export function referralModel(connection: Connection) {
  return connection.models.Referral
    ? connection.model<ReferralDoc>('Referral')
    : connection.model<ReferralDoc>('Referral', referralSchema);
}
export type ReferralModel = ReturnType<typeof referralModel>;

/** What a share token points at. */
export interface ShareTokenTarget {
  campaignId: string;
  candidateId: string;
  inviterId: string;
}

/**
 * Share tokens derived, not drawn: 16 bytes of an HMAC of (campaign, candidate, inviter) under a
 * key of their own (from the token secret), in base64url: 22 characters of `[A-Za-z0-9_-]`, which
 * getUnlimitedQRCode's `scene` takes as they are. Unguessable without the secret, and the same
 * participant sharing the same candidate again gets the same token with no lookup, so asking
 * again (or twice at once) never makes a second one.
 */
export function createShareTokenIssuer(secret: string): (target: ShareTokenTarget) => string {
  const key = createHmac('sha256', secret).update('rallyboard share tokens').digest();
  return ({ campaignId, candidateId, inviterId }) =>
    createHmac('sha256', key)
      .update(`${campaignId}\n${candidateId}\n${inviterId}`)
      .digest()
      .subarray(0, 16)
      .toString('base64url');
}

/**
 * Stores a share token unless it is stored already (the same token always names the same
 * target, so a duplicate-key error means it was there).
 */
export async function saveShareToken(
  model: ShareTokenModel,
  token: string,
  target: ShareTokenTarget,
  now: Date = new Date(),
): Promise<void> {
  if (await model.exists({ _id: token })) return;
  try {
    const doc: Record<string, unknown> = { _id: token, ...target, createdAt: now } satisfies ShareTokenDoc;
    await model.collection.insertOne(doc);
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
}

/** The referral id of an invitee in a campaign. Campaign ids have no ':', so it splits back. */
export const referralIdOf = (campaignId: string, inviteeId: string): string => `${campaignId}:${inviteeId}`;

/** A counted vote that came with a share token. */
export interface ReferralCandidate {
  voteId: string;
  /** The vote's board, which is its campaign. */
  campaignId: string;
  /** The voter. */
  inviteeId: string;
  shareToken: string;
  at: Date;
}

/**
 * Records the referrals that counted votes with share tokens make, in one read of the tokens and
 * one unordered insert. A vote makes none when its token is unknown or belongs to another
 * campaign, or when the voter shared it (self-referral); an invitee who already has a referral
 * in the campaign keeps it (the insert is a duplicate-key no-op). Within one call, the first
 * candidate of an invitee wins. Idempotent: recording the same votes again changes nothing.
 * @returns how many referrals were new
 */
export async function recordReferrals(
  models: { shareTokens: ShareTokenModel; referrals: ReferralModel },
  candidates: readonly ReferralCandidate[],
): Promise<number> {
  return (await insertReferrals(models, candidates)).length;
}

/**
 * recordReferrals, answering the referrals this call made (not those already there): their
 * votes, for a caller that checks them once they are in (see attribute-referrals.ts).
 */
export async function insertReferrals(
  models: { shareTokens: ShareTokenModel; referrals: ReferralModel },
  candidates: readonly ReferralCandidate[],
): Promise<ReferralVote[]> {
  if (candidates.length === 0) return [];
  const tokens = [...new Set(candidates.map((c) => c.shareToken))];
  const found = await models.shareTokens.find({ _id: { $in: tokens } }).lean();
  const byToken = new Map(found.map((t) => [t._id, t]));
  // Plain documents for the driver (`_id` is ours, not an ObjectId), checked against ReferralDoc.
  const referrals = new Map<string, { doc: Record<string, unknown>; made: ReferralVote }>();
  for (const c of candidates) {
    const token = byToken.get(c.shareToken);
    if (!token || token.campaignId !== c.campaignId || token.inviterId === c.inviteeId) continue;
    const _id = referralIdOf(c.campaignId, c.inviteeId);
    if (referrals.has(_id)) continue;
    const doc = {
      _id,
      campaignId: c.campaignId,
      candidateId: token.candidateId,
      inviterId: token.inviterId,
      inviteeId: c.inviteeId,
      shareToken: c.shareToken,
      firstVoteId: c.voteId,
      at: c.at,
    } satisfies ReferralDoc;
    referrals.set(_id, { doc, made: { voteId: c.voteId, campaignId: c.campaignId, inviteeId: c.inviteeId } });
  }
  const inOrder = [...referrals.values()];
  if (inOrder.length === 0) return [];
  try {
    await models.referrals.collection.insertMany(
      inOrder.map((r) => r.doc),
      { ordered: false },
    );
    return inOrder.map((r) => r.made);
  } catch (error) {
    if (duplicatesOnly(error) === undefined) throw error;
    // Every write error a duplicate: the others went in. A lone duplicate without its place is
    // the only document's (writeErrorsOf).
    const present = new Set((writeErrorsOf(error) ?? []).map((e) => e.index ?? 0));
    return inOrder.flatMap((r, i) => (present.has(i) ? [] : [r.made]));
  }
}

/** A vote that made an invitee's referral, and its voter. */
export interface ReferralVote {
  voteId: string;
  campaignId: string;
  inviteeId: string;
}

/**
 * Drops the referrals that these votes made, when a vote no longer counts (taken back and held
 * by risk control, or voided): a referral is an invitee's counted vote, so it follows its vote's
 * review. A referral another vote made (the invitee's first counted one came later, or earlier)
 * stays. Idempotent.
 * @returns how many referrals were dropped
 */
export async function dropReferralsOf(models: { referrals: ReferralModel }, votes: readonly ReferralVote[]) {
  if (votes.length === 0) return 0;
  const result = await models.referrals.deleteMany({
    _id: { $in: votes.map((v) => referralIdOf(v.campaignId, v.inviteeId)) },
    firstVoteId: { $in: votes.map((v) => v.voteId) },
  });
  return result.deletedCount;
}
