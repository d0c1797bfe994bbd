import { z } from 'zod';
import { publicCampaignSchema } from './campaigns.js';
import type { ErrorBody } from './errors.js';
import { rankingViewSchema } from './groups.js';
import { boardIdSchema } from './ids.js';
import {
  type BoardView,
  boardViewSchema,
  leaderboardEntrySchema,
  screenWindowSchema,
} from './leaderboard.js';

/**
 * A screen token as it travels: in the screen's address after `#token=` (a fragment, which the
 * browser never sends), then in the `X-Screen-Token` header and in `screen:subscribe`, never in
 * a query string that access logs and proxies keep.
 */
export const screenTokenSchema = z.string().min(1).max(2_048);

/** The header of a screen's REST reads that carries its token (lower case, as Node reads it). */
export const SCREEN_TOKEN_HEADER = 'x-screen-token';

/** `GET /api/screens/:campaignId` and the join code: the token of an unlisted campaign, in its header. */
export const screenTokenHeadersSchema = z.object({ [SCREEN_TOKEN_HEADER]: screenTokenSchema.optional() });

/** `POST /api/campaigns/:campaignId/screen-token`: a read-only token for the screen of one campaign. */
export const screenTokenResponseSchema = z.object({
  token: z.string(),
  expiresAt: z.iso.datetime(),
  /** The screen's address with the token in its fragment (`/screen/:id#token=…`), to open on the venue's computer. */
  url: z.string(),
});
export type ScreenTokenResponse = z.infer<typeof screenTokenResponseSchema>;

/** `POST /api/campaigns/:campaignId/screen-token/revoke`: every screen token issued so far is void. */
export const screenTokenRevokeResponseSchema = z.object({ revokedAt: z.iso.datetime() });

/**
 * The host's reveal (揭晓) of the final ranking: the ranks then animate on every screen, from the
 * last to the first. Kept on the campaign, so a screen that loads afterwards shows it revealed.
 * `entries` is the counted ranking (not the frozen snapshot), read when the view is made.
 */
export const screenRevealSchema = z.object({
  revealedAt: z.iso.datetime(),
  entries: z.array(leaderboardEntrySchema),
});
export type ScreenReveal = z.infer<typeof screenRevealSchema>;

/** How a participant joins: WeChat's mini-program code, or a QR code of a web address. */
export const screenJoinSchema = z.object({
  kind: z.enum(['wechat', 'url']),
  /** The image to show (the join-code route, with the token when one is needed). */
  imageUrl: z.string(),
  /** What a `url` QR code holds; null for a mini-program code. */
  url: z.string().nullable(),
});

/**
 * `PUT /api/campaigns/:campaignId/screen`: what the host's screens show: a window, the candidates
 * or the groups by their totals (分组榜), or both; what is left out stays as it was.
 */
export const screenSettingsBodySchema = z
  .strictObject({ window: screenWindowSchema.optional(), view: rankingViewSchema.optional() })
  .refine((v) => v.window !== undefined || v.view !== undefined, {
    message: 'name a window, a view, or both',
  });
export type ScreenSettingsBody = z.infer<typeof screenSettingsBodySchema>;

/** Everything a screen shows besides the ranking itself. */
export const screenViewSchema = z.object({
  campaign: publicCampaignSchema.omit({ quotas: true }),
  reveal: screenRevealSchema.nullable(),
  join: screenJoinSchema,
  /** How many entries the ranking shows (the relay's top N). */
  topN: z.number().int(),
  /** The ranking the host put on the screen: the snapshot and the updates are of this window. */
  window: screenWindowSchema,
  /** Whose ranking: the candidates, or the groups by their totals (names in `campaign.groups`). */
  view: rankingViewSchema,
  /** The server's clock when the view was made: countdowns are corrected by it. */
  serverTime: z.iso.datetime(),
  /**
   * Votes ingest accepted (202) in the minute up to `serverTime`, 0 while frozen: a screen opened
   * after the votes of that minute starts its votes-per-minute from it, not from zero. Accepted,
   * not counted: a vote risk control holds later is in it.
   */
  recentVotes: z.number().int().min(0),
});
export type ScreenView = z.infer<typeof screenViewSchema>;

/** `screen:subscribe`: watch a campaign's screen (its view and its all-time ranking). */
export const screenSubscribeSchema = z.strictObject({
  campaignId: boardIdSchema,
  token: screenTokenSchema.optional(),
});
export type ScreenSubscribe = z.input<typeof screenSubscribeSchema>;

/** The ack of `screen:subscribe`: the view and a snapshot of the ranking, both after joining. */
export interface ScreenSnapshot {
  screen: ScreenView;
  board: BoardView;
}
export const screenSnapshotSchema = z.object({ screen: screenViewSchema, board: boardViewSchema });

export type ScreenAck = { data: ScreenSnapshot } | ErrorBody;
