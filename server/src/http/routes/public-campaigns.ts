import { type CampaignDoc, campaignModel } from '@rallyboard/core/db';
import {
  AppError,
  isPublished,
  PUBLISHED_STATUSES,
  pageQuerySchema,
  publicCampaignPageSchema,
  publicCampaignSchema,
} from '@rallyboard/core/protocol';
import { Router } from 'express';
import { publicCampaignView } from '../../campaigns/views.js';
import type { AppContext } from '../../deps.js';
import { afterCursor, newestFirst, pageOf } from '../paging.js';
import { whenAvailable } from '../unavailable.js';
import { campaignParams } from './campaigns.js';

/**
 * What participants may read of campaigns: the public ones that are published (scheduled to
 * ended; never a draft or an archived one), and any published one by its id (an unlisted
 * campaign is reached by its link). Nothing about who runs it.
 */
export function publicCampaignsRouter(ctx: AppContext): Router {
  const router = Router();
  const campaigns = campaignModel(ctx.mongo);
  const tag = 'Campaigns (public)';

  ctx.api.route(
    router,
    {
      method: 'get',
      path: '/api/public/campaigns',
      tag,
      summary: 'Public campaigns, newest first',
      description: 'Campaigns whose visibility is public, from scheduled to ended.',
      auth: 'public',
      query: pageQuerySchema,
      responses: { 200: { description: 'A page of campaigns.', schema: publicCampaignPageSchema } },
    },
    async ({ query }, _req, res) => {
      const filter = {
        $and: [
          { visibility: 'public', status: { $in: [...PUBLISHED_STATUSES] } },
          afterCursor(query.cursor, 'createdAt'),
        ],
      };
      const docs = await whenAvailable(() =>
        campaigns
          .find(filter)
          .sort(newestFirst('createdAt'))
          .limit(query.limit + 1)
          .lean<CampaignDoc[]>(),
      );
      const { items, nextCursor } = pageOf(docs, query.limit, (c) => new Date(c.createdAt));
      res.json({ campaigns: items.map(publicCampaignView), nextCursor });
    },
  );

  ctx.api.route(
    router,
    {
      method: 'get',
      path: '/api/public/campaigns/:campaignId',
      tag,
      summary: 'One campaign, public or unlisted',
      description: 'A draft or an archived campaign answers CAMPAIGN_NOT_FOUND.',
      auth: 'public',
      params: campaignParams,
      responses: { 200: { description: 'The campaign.', schema: publicCampaignSchema } },
      errors: ['CAMPAIGN_NOT_FOUND'],
    },
    async ({ params }, _req, res) => {
      const campaign = await whenAvailable(() => campaigns.findById(params.campaignId).lean<CampaignDoc>());
      if (!campaign || !isPublished(campaign.status)) throw new AppError('CAMPAIGN_NOT_FOUND');
      res.json(publicCampaignView(campaign));
    },
  );
  return router;
}
