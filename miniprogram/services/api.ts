import { z } from 'zod';
import { settings } from '../config.js';
import { publicCampaignPageSchema, publicCampaignSchema } from '../protocol/campaigns.js';
import type { RankingView } from '../protocol/groups.js';
import type { RankWindow } from '../protocol/leaderboard.js';
import { boardViewSchema, memberViewSchema } from '../protocol/leaderboard.js';
import { nextCursorSchema } from '../protocol/pages.js';
import { shareLinkSchema, shareTargetSchema } from '../protocol/referrals.js';
import { myLikesSchema, quotaStatusSchema, voteStatusSchema } from '../protocol/votes.js';
import { authorized } from './auth.js';
import { request } from './request.js';

/** The public campaigns, newest first, a page at a time. */
export const listCampaigns = (cursor?: string, limit = 20) =>
  request(
    { method: 'GET', path: '/api/public/campaigns', query: { limit, cursor } },
    publicCampaignPageSchema,
  );

export const getCampaign = (campaignId: string) =>
  request({ method: 'GET', path: `/api/public/campaigns/${campaignId}` }, publicCampaignSchema);

/** Which ranking of a window: the candidates (none given), one group's (`group`), or the groups' (`view: 'groups'`). */
export interface RankingChoice {
  view?: RankingView | undefined;
  group?: string | undefined;
}

/** A page of a window's ranking: ranks offset+1 … offset+limit (the current period for day, week, month). */
export const readRanking = (
  boardId: string,
  window: RankWindow,
  offset: number,
  limit: number,
  ranking: RankingChoice = {},
) =>
  request(
    {
      method: 'GET',
      path: `/api/boards/${boardId}/leaderboard`,
      query: { window, offset, limit, view: ranking.view, group: ranking.group },
    },
    boardViewSchema,
  );

/**
 * A candidate (a group, on the groups' ranking) and the ranks `k` either side of it, in a window
 * (the current period).
 */
export const readAround = (
  boardId: string,
  candidateId: string,
  window: RankWindow,
  k = 1,
  ranking: RankingChoice = {},
) =>
  request(
    {
      method: 'GET',
      path: `/api/boards/${boardId}/members/${candidateId}/around`,
      query: { window, k, view: ranking.view, group: ranking.group },
    },
    memberViewSchema,
  );

/** One candidate's rank and score. */
export const readMember = (boardId: string, candidateId: string, window: RankWindow = 'all') =>
  request(
    { method: 'GET', path: `/api/boards/${boardId}/members/${candidateId}`, query: { window } },
    memberViewSchema,
  );

/** Which of these candidates (at most 100) I like now on a like board. */
export const readMyLikes = (boardId: string, candidateIds: readonly string[]) =>
  authorized(
    {
      method: 'GET',
      path: `/api/boards/${boardId}/likes/mine`,
      query: { candidateIds: candidateIds.join(',') },
    },
    myLikesSchema,
  );

/** My quotas on a board: what remains today and when it resets. */
export const readQuota = (boardId: string) =>
  authorized({ method: 'GET', path: `/api/boards/${boardId}/quota` }, quotaStatusSchema);

const myVotesPageSchema = z.object({ votes: z.array(voteStatusSchema), nextCursor: nextCursorSchema });

/** My decided votes on a board, newest first. */
export const listMyVotes = (boardId: string, cursor?: string, limit = 20) =>
  authorized({ method: 'GET', path: '/api/me/votes', query: { boardId, limit, cursor } }, myVotesPageSchema);

/** Where one of my votes stands, queued ones included. */
export const readVoteStatus = (boardId: string, voteId: string) =>
  authorized({ method: 'GET', path: `/api/boards/${boardId}/votes/${voteId}` }, voteStatusSchema);

/** My share link for a candidate (the same one each time). */
export const createShareLink = (campaignId: string, candidateId: string) =>
  authorized(
    { method: 'POST', path: `/api/campaigns/${campaignId}/share-tokens`, body: { candidateId } },
    shareLinkSchema,
  );

/** What a share token (a scanned code's scene) points at. */
export const readShareTarget = (shareToken: string) =>
  request({ method: 'GET', path: `/api/share-tokens/${shareToken}` }, shareTargetSchema);

/** Where the candidate's mini-program code image for a share token is. */
export const shareCodeUrl = (shareToken: string): string =>
  `${settings.apiBase}/api/share-tokens/${encodeURIComponent(shareToken)}/code.png`;
