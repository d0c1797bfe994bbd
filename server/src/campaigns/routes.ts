import { findCampaignPage } from '@rallyboard/core/db';
import {
  campaignListQuerySchema,
  campaignPageSchema,
  campaignTransitionBodySchema,
  campaignViewSchema,
  createCampaignBodySchema,
  updateCampaignBodySchema,
} from '@rallyboard/core/protocol';
import type { Request } from 'express';
import { Router } from 'express';
import type { Connection } from 'mongoose';
import type { HostPrincipal } from '../hosts/principal.js';
import type { Api } from '../http/api.js';
import { clientIp } from '../http/client-ip.js';
import { whenAvailable } from '../lib/when-available.js';
import { type CampaignAccess, campaignsOf } from './access.js';
import { createCampaign, deleteCampaign, moveCampaign, updateCampaign } from './operations.js';
import { campaignParams } from './params.js';
import type { Actor, CampaignStore } from './store.js';
import { campaignView } from './views.js';

const tag = 'Campaigns';
/** What saving candidate text may answer where WeChat checks it (text-check.ts). */
export const TEXT_CHECK_ERRORS = [
  'CONTENT_RISKY',
  'CONTENT_NEEDS_REVIEW',
  'HOST_WECHAT_UNBOUND',
  'HOST_WECHAT_STALE',
  'WECHAT_UNAVAILABLE',
  'WECHAT_RATE_LIMITED',
] as const;
const notYours =
  'A campaign the host neither created nor co-hosts answers CAMPAIGN_NOT_FOUND, as one that does not exist.';

export const actorOf = (host: HostPrincipal, req: Request): Actor => ({ host, ip: clientIp(req) });

export interface CampaignsRouteDeps {
  api: Api;
  mongo: Connection;
  store: CampaignStore;
  loadCampaign: CampaignAccess;
}

/**
 * Hosts run their campaigns: create (as a draft), list, read, change, delete a draft, and move
 * along the lifecycle. A host touches only campaigns it created or co-hosts, an admin every one;
 * any other campaign answers CAMPAIGN_NOT_FOUND, as if it did not exist.
 */
export function campaignsRouter(deps: CampaignsRouteDeps): Router {
  const router = Router();
  campaignReadRoutes(router, deps);
  campaignWriteRoutes(router, deps);
  return router;
}

/** List and read campaigns. */
function campaignReadRoutes(router: Router, deps: CampaignsRouteDeps): void {
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/campaigns',
      tag,
      summary: 'My campaigns (every campaign for an admin), newest first',
      auth: 'host',
      query: campaignListQuerySchema,
      responses: { 200: { description: 'A page of campaigns.', schema: campaignPageSchema } },
    },
    async ({ auth, query }, _req, res) => {
      const mine = { ...campaignsOf(auth), ...(query.status === undefined ? {} : { status: query.status }) };
      const { items, nextCursor } = await whenAvailable(() => findCampaignPage(deps.mongo, mine, query));
      res.json({ campaigns: items.map(campaignView), nextCursor });
    },
  );
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/campaigns/:campaignId',
      tag,
      summary: 'One campaign',
      description: notYours,
      auth: 'host',
      params: campaignParams,
      responses: { 200: { description: 'The campaign.', schema: campaignViewSchema } },
      errors: ['CAMPAIGN_NOT_FOUND'],
    },
    async ({ auth, params }, _req, res) => {
      res.json(campaignView(await whenAvailable(() => deps.loadCampaign(auth, params.campaignId))));
    },
  );
}

/** Create, change, delete and move campaigns. */
function campaignWriteRoutes(router: Router, deps: CampaignsRouteDeps): void {
  deps.api.route(
    router,
    {
      method: 'post',
      path: '/api/campaigns',
      tag,
      summary: 'Create a campaign (a draft)',
      description:
        'The campaign starts as a draft owned by the host, with a generated id that is also its board id. ' +
        'Its board is registered at once, refusing votes until the campaign goes live.',
      auth: 'host',
      idempotent: true,
      body: createCampaignBodySchema,
      responses: { 201: { description: 'Created.', schema: campaignViewSchema } },
      errors: TEXT_CHECK_ERRORS,
    },
    async ({ auth, body }, req, res) => {
      const campaign = await whenAvailable(() => createCampaign(deps.store, actorOf(auth, req), body));
      res.status(201).json(campaignView(campaign));
    },
  );
  deps.api.route(
    router,
    {
      method: 'patch',
      path: '/api/campaigns/:campaignId',
      tag,
      summary: 'Change a campaign',
      description:
        'What may change depends on the status. Draft and scheduled: everything but the kind. Live, ' +
        'paused and frozen (votes may exist): title, description, cover, visibility; candidates may be ' +
        'added or edited but not removed; only the end may move, to a time ahead; the rules stand. ' +
        'Ended: title, description, cover and visibility. Archived: nothing. Anything else answers ' +
        "CAMPAIGN_NOT_EDITABLE saying why. A `schedule` without `timezone` keeps the campaign's. " +
        'Only an admin may set `hostIds` (the co-hosts). ' +
        notYours,
      auth: 'host',
      params: campaignParams,
      body: updateCampaignBodySchema,
      responses: { 200: { description: 'The campaign as it is now.', schema: campaignViewSchema } },
      errors: [
        'CAMPAIGN_NOT_FOUND',
        'CAMPAIGN_NOT_EDITABLE',
        'FORBIDDEN',
        'HOST_NOT_FOUND',
        ...TEXT_CHECK_ERRORS,
      ],
    },
    async ({ auth, params, body }, req, res) => {
      const campaign = await whenAvailable(() =>
        updateCampaign(deps.store, actorOf(auth, req), params.campaignId, body),
      );
      res.json(campaignView(campaign));
    },
  );
  deps.api.route(
    router,
    {
      method: 'delete',
      path: '/api/campaigns/:campaignId',
      tag,
      summary: 'Delete a draft',
      description:
        'Only a draft is deleted, with its board. A campaign that was published is ended and archived ' +
        `instead (POST …/status): deleting it answers CAMPAIGN_NOT_EDITABLE. ${notYours}`,
      auth: 'host',
      params: campaignParams,
      responses: { 204: { description: 'Deleted.' } },
      errors: ['CAMPAIGN_NOT_FOUND', 'CAMPAIGN_NOT_EDITABLE'],
    },
    async ({ auth, params }, req, res) => {
      await whenAvailable(() => deleteCampaign(deps.store, actorOf(auth, req), params.campaignId));
      res.status(204).end();
    },
  );
  deps.api.route(
    router,
    {
      method: 'post',
      path: '/api/campaigns/:campaignId/status',
      tag,
      summary: 'Move a campaign along its lifecycle',
      description:
        'draft → scheduled → live ⇄ paused, live/paused → frozen → ended → archived, scheduled → draft. ' +
        'Scheduling needs at least one candidate and an end ahead, and queues the start and the end: ' +
        'the campaign goes live and ends on its own at those times (a start whose end has passed ' +
        'meanwhile does not happen, by the schedule or by hand). Any other move answers ' +
        `INVALID_TRANSITION naming the allowed ones. ${notYours}`,
      auth: 'host',
      params: campaignParams,
      body: campaignTransitionBodySchema,
      responses: { 200: { description: 'The campaign in its new status.', schema: campaignViewSchema } },
      errors: ['CAMPAIGN_NOT_FOUND', 'INVALID_TRANSITION'],
    },
    async ({ auth, params, body }, req, res) => {
      const campaign = await whenAvailable(() =>
        moveCampaign(deps.store, actorOf(auth, req), params.campaignId, body.status),
      );
      res.json(campaignView(campaign));
    },
  );
}
