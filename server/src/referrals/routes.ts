import {
  createShareTokenIssuer,
  findReferralsOf,
  findShareableCampaign,
  findShareToken,
  recordShareToken,
  type ShareableCampaign,
} from '@rallyboard/core/db';
import {
  AppError,
  boardIdSchema,
  createShareTokenBodySchema,
  HIDDEN_INVITER,
  type MyReferrals,
  myReferralsSchema,
  type ShareLink,
  type ShareTarget,
  shareLinkSchema,
  sharePathOf,
  shareTargetSchema,
  shareTokenSchema,
} from '@rallyboard/core/protocol';
import { Router } from 'express';
import type { Connection } from 'mongoose';
import { z } from 'zod';
import type { Api } from '../http/api.js';
import { whenAvailable } from '../lib/when-available.js';
import { createShareCodes, type ShareCodesDeps } from './share-codes.js';

const campaignParams = z.object({ campaignId: boardIdSchema });
const shareTokenParams = z.object({ shareToken: shareTokenSchema });

/** Campaigns whose candidates may be shared: published, and not over. */
const SHAREABLE = new Set(['scheduled', 'live', 'paused', 'frozen']);

const tag = 'Referrals';

/** Whether participants may see a campaign's sharing: it exists, is published and is not private. */
const isVisible = (campaign: ShareableCampaign | null): campaign is ShareableCampaign =>
  campaign !== null && campaign.status !== 'draft' && ['public', 'unlisted'].includes(campaign.visibility);

export interface ReferralsRouteDeps extends Omit<ShareCodesDeps, 'isIssued' | 'config'> {
  api: Api;
  mongo: Connection;
  config: ShareCodesDeps['config'] & { auth: { jwtSecret: string } };
}

/**
 * Share links and referrals (助力): a participant's share token for a candidate, what a token
 * points at, its mini-program code (cached), and a participant's referrals in a campaign.
 * Referrals themselves are made by the worker when a vote that came with a token is counted.
 */
export function referralsRouter(deps: ReferralsRouteDeps): Router {
  const router = Router();
  shareTokenRoutes(router, deps);
  myReferralRoutes(router, deps);
  return router;
}

/** Share tokens: mine for a candidate, what one points at, and its code. */
function shareTokenRoutes(router: Router, deps: ReferralsRouteDeps): void {
  const issue = createShareTokenIssuer(deps.config.auth.jwtSecret);
  const codes = createShareCodes({
    ...deps,
    isIssued: async (token) => (await findShareToken(deps.mongo, token)) !== null,
  });
  deps.api.route(
    router,
    {
      method: 'post',
      path: '/api/campaigns/:campaignId/share-tokens',
      tag,
      summary: 'My share link for a candidate',
      description:
        'Idempotent: the same participant sharing the same candidate always gets the same token. ' +
        'The token goes in the shared path (`share`) and is the `scene` of the candidate’s ' +
        'mini-program code; a vote that comes with it (body `shareToken`) makes the voter my ' +
        'invitee once it is counted. The campaign must be published and not over.',
      auth: 'participant',
      params: campaignParams,
      body: createShareTokenBodySchema,
      responses: { 200: { description: 'The share link.', schema: shareLinkSchema } },
      errors: ['CAMPAIGN_NOT_FOUND', 'CAMPAIGN_NOT_LIVE', 'UNKNOWN_MEMBER'],
    },
    async ({ auth, params, body }, _req, res) => {
      const { campaignId } = params;
      const { candidateId } = body;
      const campaign = await whenAvailable(() => findShareableCampaign(deps.mongo, campaignId));
      if (!isVisible(campaign)) throw new AppError('CAMPAIGN_NOT_FOUND');
      if (!SHAREABLE.has(campaign.status)) {
        throw new AppError('CAMPAIGN_NOT_LIVE', { details: { status: campaign.status } });
      }
      if (!campaign.members.some((m) => m.candidateId === candidateId)) throw new AppError('UNKNOWN_MEMBER');
      const target = { campaignId, candidateId, inviterId: auth.participantId };
      const shareToken = issue(target);
      await whenAvailable(() => recordShareToken(deps.mongo, shareToken, target));
      const answer: ShareLink = {
        shareToken,
        path: sharePathOf({ campaignId, candidateId, shareToken }),
        scene: shareToken,
      };
      res.json(answer);
    },
  );
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/share-tokens/:shareToken',
      tag,
      summary: 'What a share token points at (a scanned code’s scene)',
      auth: 'public',
      params: shareTokenParams,
      responses: { 200: { description: 'The campaign and the candidate.', schema: shareTargetSchema } },
      errors: ['SHARE_TOKEN_NOT_FOUND'],
    },
    async ({ params }, _req, res) => {
      const token = await whenAvailable(() => findShareToken(deps.mongo, params.shareToken));
      if (!token) throw new AppError('SHARE_TOKEN_NOT_FOUND');
      const answer: ShareTarget = { campaignId: token.campaignId, candidateId: token.candidateId };
      res.json(answer);
    },
  );
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/share-tokens/:shareToken/code.png',
      tag,
      summary: 'The mini-program code of a share token, for a poster',
      description:
        'Opens the candidate page with the token as its `scene`. Made by WeChat once per token ' +
        'and cached; the content type is the one WeChat gave (PNG or JPEG).',
      auth: 'public',
      params: shareTokenParams,
      responses: { 200: { description: 'The image.', contentType: 'image/png' } },
      errors: [
        'SHARE_TOKEN_NOT_FOUND',
        'WECHAT_RATE_LIMITED',
        'WECHAT_REQUEST_REJECTED',
        'WECHAT_NOT_CONFIGURED',
        'WECHAT_UNAVAILABLE',
      ],
    },
    async ({ params }, _req, res) => {
      const code = await whenAvailable(() => codes.image(params.shareToken));
      res.status(200).type(code.contentType).set('Cache-Control', 'public, max-age=86400').send(code.image);
    },
  );
}

/** My referrals in a campaign. */
function myReferralRoutes(router: Router, deps: ReferralsRouteDeps): void {
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/campaigns/:campaignId/referrals/mine',
      tag,
      summary: 'How many I brought to a campaign, and who brought me',
      auth: 'participant',
      params: campaignParams,
      responses: { 200: { description: 'My referrals.', schema: myReferralsSchema } },
      errors: ['CAMPAIGN_NOT_FOUND'],
    },
    async ({ auth, params }, _req, res) => {
      const { campaignId } = params;
      const me = auth.participantId;
      const [campaign, { invitees, mine }] = await whenAvailable(() =>
        Promise.all([
          findShareableCampaign(deps.mongo, campaignId),
          findReferralsOf(deps.mongo, campaignId, me),
        ]),
      );
      // As for a share link.
      if (!isVisible(campaign)) throw new AppError('CAMPAIGN_NOT_FOUND');
      const answer: MyReferrals = {
        campaignId,
        invitees,
        // The candidate the link shared and when, not whose link it was: a participant id is
        // its owner's one pseudonym across every campaign (until 2026-12-07 it was answered).
        inviter: mine
          ? { participantId: HIDDEN_INVITER, candidateId: mine.candidateId, at: mine.at.toISOString() }
          : null,
      };
      res.json(answer);
    },
  );
}
