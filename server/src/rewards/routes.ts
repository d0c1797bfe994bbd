import { findCampaign } from '@rallyboard/core/db';
import type { Logger } from '@rallyboard/core/logger';
import {
  AppError,
  couponImportSchema,
  couponPoolIdSchema,
  couponPoolInputSchema,
  couponPoolListSchema,
  couponPoolViewSchema,
  couponRedeemSchema,
  isPublished,
  rewardRuleIdSchema,
  rewardRuleInputSchema,
  rewardRuleListSchema,
  rewardRulePatchSchema,
  rewardRuleViewSchema,
} from '@rallyboard/core/protocol';
import { Router } from 'express';
import type { Connection } from 'mongoose';
import { z } from 'zod';
import type { CampaignAccess } from '../campaigns/access.js';
import { campaignParams } from '../campaigns/params.js';
import type { CandidateTextCheck } from '../campaigns/text-check.js';
import type { Api } from '../http/api.js';
import { clientIp } from '../http/client-ip.js';
import { whenAvailable } from '../lib/when-available.js';
import { type CouponDeps, createPool, importCodes, poolViews, redeemCode } from './coupons.js';
import { grantsExportRoute } from './grants-export-routes.js';
import { type LotteryRouteDeps, lotteryRoutes } from './lottery-routes.js';
import { createRule, ruleViews, setRuleEnabled } from './rules.js';

const tag = 'Rewards';
const ruleParams = campaignParams.extend({ ruleId: rewardRuleIdSchema });
const poolParams = campaignParams.extend({ poolId: couponPoolIdSchema });

export interface RewardsRouteDeps extends CouponDeps {
  keys: CouponDeps['keys'] & LotteryRouteDeps['keys'];
  api: Api;
  /** Vote jobs not yet applied: a draw waits for them (lotteries.ts). */
  votesInFlight: () => Promise<number>;
  /** WeChat's check of the text a host publishes (a lottery's name and prizes). */
  checkTexts: CandidateTextCheck;
  logger: Logger;
  mongo: Connection;
  loadCampaign: CampaignAccess;
}

/**
 * Reward rules and coupon pools (docs/rewards.md): hosts set them, everyone reads a published
 * campaign's rules with their complete terms before acting. Another host's campaign answers
 * CAMPAIGN_NOT_FOUND.
 */
export function rewardsRouter(deps: RewardsRouteDeps): Router {
  const router = Router();
  ruleRoutes(router, deps);
  poolRoutes(router, deps);
  lotteryRoutes(router, deps);
  grantsExportRoute(router, deps);
  return router;
}

function ruleRoutes(router: Router, deps: RewardsRouteDeps): void {
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/campaigns/:campaignId/reward-rules',
      tag,
      summary: "A published campaign's reward rules, with their complete terms",
      description: 'Public: what earns what, how many, the stock left and the deadline, before anyone acts.',
      auth: 'public',
      params: campaignParams,
      responses: { 200: { description: 'The rules.', schema: rewardRuleListSchema } },
      errors: ['CAMPAIGN_NOT_FOUND'],
    },
    async ({ params }, _req, res) => {
      const campaign = await whenAvailable(() => findCampaign(deps.mongo, params.campaignId));
      if (!campaign || !isPublished(campaign.status)) throw new AppError('CAMPAIGN_NOT_FOUND');
      res.json({ rules: await whenAvailable(() => ruleViews(deps, campaign)) });
    },
  );
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/campaigns/:campaignId/host/reward-rules',
      tag,
      summary: "The campaign's reward rules, for its hosts, at any status",
      description:
        'The public list with its terms, for a draft or an archived campaign too (whose public list ' +
        'answers 404): what the host set up before publishing.',
      auth: 'host',
      params: campaignParams,
      responses: { 200: { description: 'The rules.', schema: rewardRuleListSchema } },
      errors: ['CAMPAIGN_NOT_FOUND'],
    },
    async ({ auth, params }, _req, res) => {
      const campaign = await whenAvailable(() => deps.loadCampaign(auth, params.campaignId));
      res.json({ rules: await whenAvailable(() => ruleViews(deps, campaign)) });
    },
  );
  deps.api.route(
    router,
    {
      method: 'post',
      path: '/api/campaigns/:campaignId/reward-rules',
      tag,
      summary: 'Add a reward rule',
      description:
        'Triggers: the first counted vote of the day, every n-th counted vote, a candidate reaching a ' +
        'milestone (each of its supporters, once), the campaign ending (supporters of the final top k). ' +
        'Rewards: points, a coupon of a pool of the campaign, a ticket of one of its lotteries. Only ' +
        'counted votes earn, those before the rule too; a voided vote takes ' +
        'back what it earned. A share, invite, referral, payment, purchase or gift trigger answers ' +
        '422 REWARD_TRIGGER_FORBIDDEN, citing the platform rule (诱导分享, 有偿投票). Audited.',
      auth: 'host',
      idempotent: true,
      params: campaignParams,
      body: rewardRuleInputSchema,
      responses: { 201: { description: 'The rule.', schema: rewardRuleViewSchema } },
      errors: [
        'CAMPAIGN_NOT_FOUND',
        'CAMPAIGN_NOT_EDITABLE',
        'REWARD_TRIGGER_FORBIDDEN',
        'COUPON_POOL_NOT_FOUND',
        'COUPON_EXPIRED',
      ],
    },
    async ({ auth, params, body }, req, res) => {
      const campaign = await whenAvailable(() => deps.loadCampaign(auth, params.campaignId));
      const rule = await whenAvailable(() =>
        createRule(deps, { host: auth, ip: clientIp(req) }, campaign, body),
      );
      const views = await whenAvailable(() => ruleViews(deps, campaign));
      res.status(201).json(views.find((v) => v.id === rule._id));
    },
  );
  deps.api.route(
    router,
    {
      method: 'patch',
      path: '/api/campaigns/:campaignId/reward-rules/:ruleId',
      tag,
      summary: 'Pause or resume a reward rule',
      description:
        'Paused, it gives nothing new; what it gave stays, unless the vote that earned it is voided.',
      auth: 'host',
      params: ruleParams,
      body: rewardRulePatchSchema,
      responses: { 200: { description: 'The rules.', schema: rewardRuleListSchema } },
      errors: ['CAMPAIGN_NOT_FOUND', 'REWARD_RULE_NOT_FOUND'],
    },
    async ({ auth, params, body }, req, res) => {
      const campaign = await whenAvailable(() => deps.loadCampaign(auth, params.campaignId));
      await whenAvailable(() =>
        setRuleEnabled(deps, { host: auth, ip: clientIp(req) }, campaign, params.ruleId, body.enabled),
      );
      res.json({ rules: await whenAvailable(() => ruleViews(deps, campaign)) });
    },
  );
}

function poolRoutes(router: Router, deps: RewardsRouteDeps): void {
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/campaigns/:campaignId/coupon-pools',
      tag,
      summary: "The campaign's coupon pools and their stock",
      auth: 'host',
      params: campaignParams,
      responses: { 200: { description: 'The pools.', schema: couponPoolListSchema } },
      errors: ['CAMPAIGN_NOT_FOUND'],
    },
    async ({ auth, params }, _req, res) => {
      const campaign = await whenAvailable(() => deps.loadCampaign(auth, params.campaignId));
      res.json({ pools: await whenAvailable(() => poolViews(deps, campaign._id)) });
    },
  );
  deps.api.route(
    router,
    {
      method: 'post',
      path: '/api/campaigns/:campaignId/coupon-pools',
      tag,
      summary: 'Add a coupon pool',
      description: 'Its codes are imported next (…/codes); each participant holds at most `perParticipant`.',
      auth: 'host',
      idempotent: true,
      params: campaignParams,
      body: couponPoolInputSchema,
      responses: { 201: { description: 'The pool.', schema: couponPoolViewSchema } },
      errors: ['CAMPAIGN_NOT_FOUND', 'REWARD_TRIGGER_FORBIDDEN'],
    },
    async ({ auth, params, body }, req, res) => {
      const campaign = await whenAvailable(() => deps.loadCampaign(auth, params.campaignId));
      const pool = await whenAvailable(() =>
        createPool(deps, { host: auth, ip: clientIp(req) }, campaign, body),
      );
      const views = await whenAvailable(() => poolViews(deps, campaign._id));
      res.status(201).json(views.find((v) => v.id === pool._id));
    },
  );
  deps.api.route(
    router,
    {
      method: 'post',
      path: '/api/campaigns/:campaignId/coupon-pools/:poolId/codes',
      tag,
      summary: 'Import coupon codes from a CSV',
      description:
        'One code per line (the first column; a `code` header allowed). All or nothing: malformed codes, ' +
        'codes twice in the file or already in the pool answer COUPON_IMPORT_INVALID with the lines.',
      auth: 'host',
      params: poolParams,
      body: couponImportSchema,
      responses: { 200: { description: 'Imported.', schema: z.object({ imported: z.number() }) } },
      errors: ['CAMPAIGN_NOT_FOUND', 'COUPON_POOL_NOT_FOUND', 'COUPON_IMPORT_INVALID', 'COUPON_EXPIRED'],
    },
    async ({ auth, params, body }, req, res) => {
      const campaign = await whenAvailable(() => deps.loadCampaign(auth, params.campaignId));
      res.json(
        await whenAvailable(() =>
          importCodes(deps, { host: auth, ip: clientIp(req) }, campaign, params.poolId, body.csv),
        ),
      );
    },
  );
  deps.api.route(
    router,
    {
      method: 'post',
      path: '/api/campaigns/:campaignId/coupon-pools/:poolId/redeem',
      tag,
      summary: 'Mark a code redeemed at the shop (核销)',
      description: 'A redeemed code never goes back to the pool; if its vote is voided later it is flagged.',
      auth: 'host',
      params: poolParams,
      body: couponRedeemSchema,
      responses: { 204: { description: 'Redeemed (or was already).' } },
      errors: [
        'CAMPAIGN_NOT_FOUND',
        'COUPON_POOL_NOT_FOUND',
        'COUPON_NOT_GRANTED',
        'COUPON_RETIRED',
        'COUPON_EXPIRED',
      ],
    },
    async ({ auth, params, body }, req, res) => {
      const campaign = await whenAvailable(() => deps.loadCampaign(auth, params.campaignId));
      await whenAvailable(() =>
        redeemCode(deps, { host: auth, ip: clientIp(req) }, campaign, params.poolId, body.code),
      );
      res.status(204).end();
    },
  );
}
