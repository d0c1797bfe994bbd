import { z } from 'zod';
import { boardIdSchema, candidateIdSchema } from './ids.js';
import { shareTokenSchema } from './vote-context.js';

/**
 * Share links (助力): a participant shares a candidate; whoever opens the link and then votes is
 * their invitee. The link carries a share token, which is also the `scene` of the candidate's
 * mini-program code, so a scanned code and a tapped link name the same referral.
 */

/** The mini-program page a share link and a share code open. */
export const SHARE_PAGE = 'pages/candidate/index';

/**
 * The path of a share link (`onShareAppMessage`'s `path`): the candidate page with the campaign,
 * the candidate and the token in its query. Ids and tokens are URL-safe as they are.
 */
export function sharePathOf(target: { campaignId: string; candidateId: string; shareToken: string }): string {
  return `${SHARE_PAGE}?campaignId=${target.campaignId}&candidateId=${target.candidateId}&share=${target.shareToken}`;
}

/** Body of `POST /api/campaigns/:campaignId/share-tokens`: the candidate to share. */
export const createShareTokenBodySchema = z.strictObject({ candidateId: candidateIdSchema });
export type CreateShareTokenBody = z.infer<typeof createShareTokenBodySchema>;

/** A participant's share link for one candidate. */
export const shareLinkSchema = z.object({
  shareToken: shareTokenSchema,
  /** The mini-program path to share (`onShareAppMessage`): see sharePathOf. */
  path: z.string(),
  /** The `scene` of the candidate's mini-program code: the token itself. */
  scene: z.string().max(32),
});
export type ShareLink = z.infer<typeof shareLinkSchema>;

/** What a share token points at, for a scanned code's `scene`. The inviter is not told. */
export const shareTargetSchema = z.object({ campaignId: boardIdSchema, candidateId: candidateIdSchema });
export type ShareTarget = z.infer<typeof shareTargetSchema>;

/** What `inviter.participantId` says: nothing. */
export const HIDDEN_INVITER = 'hidden';

/** `GET /api/campaigns/:campaignId/referrals/mine`: whom I brought, and who brought me. */
export const myReferralsSchema = z.object({
  campaignId: boardIdSchema,
  /**
   * Participants whose first counted vote through a share link came through one of mine (one who
   * voted before without a link counts too: see docs/architecture.md, referrals).
   */
  invitees: z.number().int().nonnegative(),
  /** The referral that brought me (not whose link it was), or null. */
  inviter: z
    .object({
      /**
       * Always `hidden`: whose link it was is not told. Kept because mini-program builds before
       * 2026-12-07 require the field (they read the sharer's participant id here, and show none of it).
       */
      participantId: z.literal(HIDDEN_INVITER),
      /** The candidate the link shared. */
      candidateId: candidateIdSchema,
      at: z.iso.datetime(),
    })
    .nullable(),
});
export type MyReferrals = z.infer<typeof myReferralsSchema>;
