import { hostBoardViewSchema, leaderboardQuerySchema } from '@rallyboard/core/protocol';
import { Router } from 'express';
import { type BoardReadDeps, queryBoard } from '../boards/queries.js';
import type { Api } from '../http/api.js';
import { whenAvailable } from '../lib/when-available.js';
import type { CampaignAccess } from './access.js';
import { campaignParams } from './params.js';

export interface CampaignLeaderboardRouteDeps extends BoardReadDeps {
  api: Api;
  loadCampaign: CampaignAccess;
}

/**
 * `GET /api/campaigns/:campaignId/leaderboard`: the host's view of its campaign's ranking. The
 * same reads as the public leaderboard, but always of the live keys: while the campaign is
 * frozen (封榜) the public sees the snapshot of the freeze, and the host sees counting go on.
 */
export function campaignLeaderboardRouter(deps: CampaignLeaderboardRouteDeps): Router {
  const router = Router();
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/campaigns/:campaignId/leaderboard',
      tag: 'Campaigns',
      summary: "The campaign's live ranking, frozen or not",
      description:
        'The query and answer of GET /api/boards/:boardId/leaderboard, read from the live ranking even ' +
        'while the public one is frozen (封榜), plus `frozen`: whether it is. A campaign the host neither ' +
        'created nor co-hosts answers CAMPAIGN_NOT_FOUND, as one that does not exist.',
      auth: 'host',
      params: campaignParams,
      query: leaderboardQuerySchema,
      responses: {
        200: {
          description: 'The live ranking, read atomically with its seq and totals.',
          schema: hostBoardViewSchema,
        },
      },
      errors: ['CAMPAIGN_NOT_FOUND', 'BOARD_NOT_FOUND'],
    },
    async ({ auth, params, query }, _req, res) => {
      const campaign = await whenAvailable(() => deps.loadCampaign(auth, params.campaignId));
      const view = await queryBoard(
        deps,
        { type: 'range', boardId: params.campaignId, ...query },
        { live: true },
      );
      res.json({ ...view, frozen: campaign.status === 'frozen' });
    },
  );
  return router;
}
