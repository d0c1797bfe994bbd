import { findCampaign, findCampaignPage } from '@rallyboard/core/db';
import {
  AppError,
  isPublished,
  PUBLISHED_STATUSES,
  pageQuerySchema,
  publicCampaignPageSchema,
  publicCampaignSchema,
} from '@rallyboard/core/protocol';
import { Router } from 'express';
import type { Connection } from 'mongoose';
import type { Api } from '../http/api.js';
import { whenAvailable } from '../lib/when-available.js';
import { campaignParams } from './params.js';
import { publicCampaignView } from './views.js';

export interface PublicCampaignsRouteDeps {
  api: Api;
  mongo: Connection;
}

/**
 * What participants may read of campaigns: the public ones that are published (scheduled to
 * ended; never a draft or an archived one), and any published one by its id (an unlisted
 * campaign is reached by its link). Nothing about who runs it.
 */
export function publicCampaignsRouter(deps: PublicCampaignsRouteDeps): Router {
  const router = Router();
  const tag = 'Campaigns (public)';

  deps.api.route(
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
      const published = { visibility: 'public', status: { $in: [...PUBLISHED_STATUSES] } };
      const { items, nextCursor } = await whenAvailable(() => findCampaignPage(deps.mongo, published, query));
      res.json({ campaigns: items.map(publicCampaignView), nextCursor });
    },
  );

  deps.api.route(
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
      const campaign = await whenAvailable(() => findCampaign(deps.mongo, params.campaignId));
      if (!campaign || !isPublished(campaign.status)) throw new AppError('CAMPAIGN_NOT_FOUND');
      res.json(publicCampaignView(campaign));
    },
  );
  return router;
}
