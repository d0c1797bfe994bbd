import { findCampaign } from '@rallyboard/core/db';
import {
  AppError,
  isPublished,
  lotteryIdSchema,
  lotteryInputSchema,
  lotteryListSchema,
  lotteryTicketPageSchema,
  lotteryViewSchema,
} from '@rallyboard/core/protocol';
import type { Router } from 'express';
import type { Connection } from 'mongoose';
import { z } from 'zod';
import type { CampaignAccess } from '../campaigns/access.js';
import { campaignParams } from '../campaigns/params.js';
import { TEXT_CHECK_ERRORS } from '../campaigns/routes.js';
import type { Api } from '../http/api.js';
import { clientIp } from '../http/client-ip.js';
import { whenAvailable } from '../lib/when-available.js';
import type { DrawDeps } from './lotteries.js';
import { createLottery, drawCampaignLottery, lotteryViews, ticketPage } from './lotteries.js';

/** What the lottery routes need. */
export interface LotteryRouteDeps extends DrawDeps {
  api: Api;
  mongo: Connection;
  loadCampaign: CampaignAccess;
}

const tag = 'Rewards';
const lotteryParams = campaignParams.extend({ lotteryId: lotteryIdSchema });

/** A published campaign, or CAMPAIGN_NOT_FOUND: what the public lottery routes read. */
async function publishedCampaign(deps: LotteryRouteDeps, campaignId: string) {
  const campaign = await whenAvailable(() => findCampaign(deps.mongo, campaignId));
  if (!campaign || !isPublished(campaign.status)) throw new AppError('CAMPAIGN_NOT_FOUND');
  return campaign;
}

/** Lotteries (docs/rewards.md): committed before the start, drawn after the end, verifiable by anyone. */
export function lotteryRoutes(router: Router, deps: LotteryRouteDeps): void {
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/campaigns/:campaignId/lotteries',
      tag,
      summary:
        "A published campaign's lotteries: prizes, odds, the seed's commitment, and (drawn) the result",
      description:
        'Public. Before the draw: the SHA-256 of the secret seed. After: the seed and the winners; the ' +
        'eligible tickets are at …/tickets. `npm run verify-draw -- <campaign>` checks it all.',
      auth: 'public',
      params: campaignParams,
      responses: { 200: { description: 'The lotteries.', schema: lotteryListSchema } },
      errors: ['CAMPAIGN_NOT_FOUND'],
    },
    async ({ params }, _req, res) => {
      const campaign = await publishedCampaign(deps, params.campaignId);
      res.json({ lotteries: await whenAvailable(() => lotteryViews(deps, campaign._id)) });
    },
  );
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/campaigns/:campaignId/host/lotteries',
      tag,
      summary: "The campaign's lotteries, for its hosts, at any status",
      description:
        'What the public list shows (the seed only once drawn), for a draft or an archived campaign too.',
      auth: 'host',
      params: campaignParams,
      responses: { 200: { description: 'The lotteries.', schema: lotteryListSchema } },
      errors: ['CAMPAIGN_NOT_FOUND'],
    },
    async ({ auth, params }, _req, res) => {
      const campaign = await whenAvailable(() => deps.loadCampaign(auth, params.campaignId));
      res.json({ lotteries: await whenAvailable(() => lotteryViews(deps, campaign._id)) });
    },
  );
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/campaigns/:campaignId/lotteries/:lotteryId/tickets',
      tag,
      summary: "A page of a drawn lottery's eligible tickets",
      description: 'Public once drawn: ticket ids and holder hashes, in ticket order, 5,000 a page.',
      auth: 'public',
      params: lotteryParams,
      query: z.object({ page: z.coerce.number().int().min(0).max(100_000).default(0) }),
      responses: { 200: { description: 'The page.', schema: lotteryTicketPageSchema } },
      errors: ['CAMPAIGN_NOT_FOUND', 'LOTTERY_NOT_FOUND', 'LOTTERY_NOT_DRAWN'],
    },
    async ({ params, query }, _req, res) => {
      const campaign = await publishedCampaign(deps, params.campaignId);
      res.json(await whenAvailable(() => ticketPage(deps, campaign._id, params.lotteryId, query.page)));
    },
  );
  deps.api.route(
    router,
    {
      method: 'post',
      path: '/api/campaigns/:campaignId/lotteries',
      tag,
      summary: 'Add a lottery, committing to its secret seed',
      description:
        'Only while the campaign is a draft or scheduled (LOTTERY_TOO_LATE after). Tickets come from reward ' +
        'rules whose reward is `{ kind: "lottery", lotteryId }`: counted votes only. Audited.',
      auth: 'host',
      idempotent: true,
      params: campaignParams,
      body: lotteryInputSchema,
      responses: { 201: { description: 'The lottery.', schema: lotteryViewSchema } },
      errors: ['CAMPAIGN_NOT_FOUND', 'LOTTERY_TOO_LATE', 'REWARD_TRIGGER_FORBIDDEN', ...TEXT_CHECK_ERRORS],
    },
    async ({ auth, params, body }, req, res) => {
      const campaign = await whenAvailable(() => deps.loadCampaign(auth, params.campaignId));
      const lottery = await whenAvailable(() =>
        createLottery(deps, { host: auth, ip: clientIp(req) }, campaign, body),
      );
      const views = await whenAvailable(() => lotteryViews(deps, campaign._id));
      res.status(201).json(views.find((v) => v.id === lottery._id));
    },
  );
  deps.api.route(
    router,
    {
      method: 'post',
      path: '/api/campaigns/:campaignId/lotteries/:lotteryId/draw',
      tag,
      summary: 'Draw a lottery (开奖)',
      description:
        'Once, after the campaign ended: the winners are the lowest HMAC-SHA256(seed, ticket) scores, one ' +
        'prize per holder. The seed, the tickets and the winners are published. Audited.',
      auth: 'host',
      params: lotteryParams,
      responses: { 200: { description: 'The drawn lottery.', schema: lotteryViewSchema } },
      errors: [
        'CAMPAIGN_NOT_FOUND',
        'LOTTERY_NOT_FOUND',
        'LOTTERY_NOT_ENDED',
        'LOTTERY_ALREADY_DRAWN',
        'LOTTERY_SETTLING',
      ],
    },
    async ({ auth, params }, req, res) => {
      const campaign = await whenAvailable(() => deps.loadCampaign(auth, params.campaignId));
      await whenAvailable(() =>
        drawCampaignLottery(deps, { host: auth, ip: clientIp(req) }, campaign, params.lotteryId),
      );
      const views = await whenAvailable(() => lotteryViews(deps, campaign._id));
      res.json(views.find((v) => v.id === params.lotteryId));
    },
  );
}
