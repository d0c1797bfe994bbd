import { findCampaign } from '@rallyboard/core/db';
import {
  AppError,
  isPublished,
  myUnlockablesQuerySchema,
  unlockableInputSchema,
  unlockableListSchema,
  unlockableViewSchema,
} from '@rallyboard/core/protocol';
import { Router } from 'express';
import type { Connection } from 'mongoose';
import type { CampaignAccess } from '../campaigns/access.js';
import { campaignParams } from '../campaigns/params.js';
import { TEXT_CHECK_ERRORS } from '../campaigns/routes.js';
import type { Api } from '../http/api.js';
import { clientIp } from '../http/client-ip.js';
import { whenAvailable } from '../lib/when-available.js';
import { addUnlockable, type UnlockDeps, unlockableViews } from './service.js';

const tag = 'Unlocks';

export interface UnlockRouteDeps extends UnlockDeps {
  api: Api;
  mongo: Connection;
  loadCampaign: CampaignAccess;
}

/**
 * Like-to-unlock (点赞解锁): hosts add content items to a like campaign and read them whole; a
 * participant reads them with the content of only those open to them.
 */
export function unlocksRouter(deps: UnlockRouteDeps): Router {
  const router = Router();
  deps.api.route(
    router,
    {
      method: 'post',
      path: '/api/campaigns/:campaignId/unlockables',
      tag,
      summary: 'Add content a like opens',
      description:
        'Text, an https picture or both, on a candidate of a like campaign: open to each participant whose ' +
        'counted like of it stands (`my-like`), or to everyone once it has `likes` counted likes ' +
        '(`shared-goal`); or, on any campaign, to each participant a reward rule gives it to (`reward`: ' +
        'a rule whose reward is `{ kind: "unlock", unlockableId }`). The title and text pass WeChat’s ' +
        'text check as the host’s. Audited.',
      auth: 'host',
      idempotent: true,
      params: campaignParams,
      body: unlockableInputSchema,
      responses: { 201: { description: 'The item, whole.', schema: unlockableViewSchema } },
      errors: ['CAMPAIGN_NOT_FOUND', 'CAMPAIGN_NOT_EDITABLE', ...TEXT_CHECK_ERRORS],
    },
    async ({ auth, params, body }, req, res) => {
      const campaign = await whenAvailable(() => deps.loadCampaign(auth, params.campaignId));
      const item = await whenAvailable(() =>
        addUnlockable(deps, { host: auth, ip: clientIp(req) }, campaign, body),
      );
      const views = await whenAvailable(() => unlockableViews(deps, campaign, { host: true }));
      res.status(201).json(views.find((v) => v.id === item._id));
    },
  );
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/campaigns/:campaignId/unlockables',
      tag,
      summary: "A campaign's like-to-unlock content, whole (the host's view)",
      auth: 'host',
      params: campaignParams,
      responses: { 200: { description: 'The items.', schema: unlockableListSchema } },
      errors: ['CAMPAIGN_NOT_FOUND'],
    },
    async ({ auth, params }, _req, res) => {
      const campaign = await whenAvailable(() => deps.loadCampaign(auth, params.campaignId));
      res.json({ items: await whenAvailable(() => unlockableViews(deps, campaign, { host: true })) });
    },
  );
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/me/unlockables',
      tag,
      summary: "A campaign's like-to-unlock content as I may see it",
      description:
        'Every item with how it opens (and a shared goal’s progress); the content only of those open to ' +
        'me. A locked item’s text and picture are never sent.',
      auth: 'participant',
      query: myUnlockablesQuerySchema,
      responses: { 200: { description: 'The items.', schema: unlockableListSchema } },
      errors: ['CAMPAIGN_NOT_FOUND'],
    },
    async ({ auth, query }, _req, res) => {
      const campaign = await whenAvailable(() => findCampaign(deps.mongo, query.campaignId));
      if (!campaign || !isPublished(campaign.status)) throw new AppError('CAMPAIGN_NOT_FOUND');
      const items = await whenAvailable(() =>
        unlockableViews(deps, campaign, { participantId: auth.participantId }),
      );
      res.set('Cache-Control', 'no-store').json({ items });
    },
  );
  return router;
}
