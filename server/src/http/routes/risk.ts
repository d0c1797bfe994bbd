import { alertModel, alertView, campaignModel } from '@rallyboard/core/db';
import {
  AppError,
  alertListSchema,
  pageQuerySchema,
  RISK_RULE_IDS,
  type RiskSettingsPatch,
  riskDashboardQuerySchema,
  riskDashboardSchema,
  riskSettingsPatchSchema,
  riskSettingsSchema,
  toFieldIssues,
} from '@rallyboard/core/protocol';
import { readRiskDashboard } from '@rallyboard/core/redis';
import {
  DEFAULT_RISK_SETTINGS,
  mergeRiskSettings,
  RISK_RULES,
  resolveRiskSettings,
} from '@rallyboard/core/risk';
import { Router } from 'express';
import { z } from 'zod';
import { loadCampaign } from '../../campaigns/access.js';
import type { AppContext } from '../../deps.js';
import { clientIp } from '../client-ip.js';
import { whenAvailable } from '../unavailable.js';
import { campaignParams } from './campaigns.js';

/**
 * Risk control for hosts, besides the review queue (review.ts): the alerts, the dashboard's
 * data, and the campaign's risk settings.
 */
export function riskRouter(ctx: AppContext): Router {
  const router = Router();
  const campaigns = campaignModel(ctx.mongo);
  const alerts = alertModel(ctx.mongo);
  const tag = 'Risk control';

  ctx.api.route(
    router,
    {
      method: 'get',
      path: '/api/campaigns/:campaignId/alerts',
      tag,
      summary: "The campaign's risk alerts, newest first",
      description:
        'Candidate spikes and clusters risk control stopped votes of, each with a sentence, the measurements ' +
        'behind it and advice. The same alerts are pushed live on the host namespace (/host, `risk:alert`).',
      auth: 'host',
      params: campaignParams,
      query: pageQuerySchema.pick({ limit: true }),
      responses: { 200: { description: 'The alerts.', schema: alertListSchema } },
      errors: ['CAMPAIGN_NOT_FOUND'],
    },
    async ({ auth, params, query }, _req, res) => {
      await whenAvailable(() => loadCampaign(campaigns, auth, params.campaignId));
      const docs = await whenAvailable(() =>
        alerts.find({ campaignId: params.campaignId }).sort({ at: -1, _id: -1 }).limit(query.limit).lean(),
      );
      res.json({ alerts: docs.map(alertView) });
    },
  );

  ctx.api.route(
    router,
    {
      method: 'get',
      path: '/api/campaigns/:campaignId/risk/dashboard',
      tag,
      summary: 'Risk dashboard data: networks, devices, rates and verdicts',
      description:
        'Votes by IPv4 /16 (IPv6 /32) and the top /24s (/64s); the devices and fingerprints seen with the most ' +
        "accounts; the IPs with the most votes; each candidate's votes per minute and the counted, held and " +
        'rejected votes per minute over the last `minutes` (default 60).',
      auth: 'host',
      params: campaignParams,
      query: riskDashboardQuerySchema,
      responses: { 200: { description: 'The dashboard data.', schema: riskDashboardSchema } },
      errors: ['CAMPAIGN_NOT_FOUND'],
    },
    async ({ auth, params, query }, _req, res) => {
      const campaign = await whenAvailable(() => loadCampaign(campaigns, auth, params.campaignId));
      const dashboard = await whenAvailable(() =>
        readRiskDashboard(ctx.redis, ctx.keys, params.campaignId, {
          candidates: campaign.members.map((m) => m.candidateId),
          minutes: query.minutes ?? 60,
          top: query.top ?? 10,
          now: Date.now(),
        }),
      );
      res.json(dashboard);
    },
  );

  const settingsView = z.object({
    settings: riskSettingsSchema,
    /** What the host changed from the defaults. */
    changes: riskSettingsPatchSchema,
    rules: z.array(z.object({ id: z.string(), direction: z.enum(['atLeast', 'atMost']) })),
  });
  const view = (patch: RiskSettingsPatch | undefined) => ({
    settings: resolveRiskSettings(patch),
    changes: patch ?? {},
    rules: RISK_RULE_IDS.map((id) => ({ id, direction: RISK_RULES[id].direction })),
  });

  ctx.api.route(
    router,
    {
      method: 'get',
      path: '/api/campaigns/:campaignId/risk/settings',
      tag,
      summary: "The campaign's risk rules: thresholds, weights and actions",
      auth: 'host',
      params: campaignParams,
      responses: {
        200: {
          description: 'The settings in force, and the changes from the defaults.',
          schema: settingsView,
        },
      },
      errors: ['CAMPAIGN_NOT_FOUND'],
    },
    async ({ auth, params }, _req, res) => {
      const campaign = await whenAvailable(() => loadCampaign(campaigns, auth, params.campaignId));
      res.json(view(campaign.risk));
    },
  );

  ctx.api.route(
    router,
    {
      method: 'patch',
      path: '/api/campaigns/:campaignId/risk/settings',
      tag,
      summary: "Change the campaign's risk rules",
      description:
        'Any part of the settings; the rest stays. Applies to votes decided from a few seconds on (workers ' +
        're-read settings every RISK_SETTINGS_CACHE_MS); decided votes keep their verdicts.',
      auth: 'host',
      params: campaignParams,
      body: riskSettingsPatchSchema,
      responses: { 200: { description: 'The settings now in force.', schema: settingsView } },
      errors: ['CAMPAIGN_NOT_FOUND'],
    },
    async ({ auth, params, body }, req, res) => {
      const campaign = await whenAvailable(() => loadCampaign(campaigns, auth, params.campaignId));
      const before = campaign.risk ?? {};
      const next = mergeRiskSettings(before, body);
      const checked = riskSettingsSchema.safeParse(mergeRiskSettings(DEFAULT_RISK_SETTINGS, next));
      if (!checked.success) throw new AppError('INVALID_INPUT', { details: toFieldIssues(checked.error) });
      await whenAvailable(() => campaigns.updateOne({ _id: params.campaignId }, { $set: { risk: next } }));
      await ctx.audit({
        actor: auth,
        ip: clientIp(req),
        action: 'risk.settings',
        target: { type: 'campaign', id: params.campaignId },
        campaignId: params.campaignId,
        before,
        after: next,
      });
      res.json(view(next));
    },
  );

  return router;
}
