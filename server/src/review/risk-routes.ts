import { latestAlerts, setCampaignRisk } from '@rallyboard/core/db';
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
import { type KeyBuilder, type RedisClient, readRiskDashboard } from '@rallyboard/core/redis';
import {
  DEFAULT_RISK_SETTINGS,
  mergeRiskSettings,
  RISK_RULES,
  resolveRiskSettings,
} from '@rallyboard/core/risk';
import { Router } from 'express';
import type { Connection } from 'mongoose';
import { z } from 'zod';
import type { AuditLog } from '../audit/log.js';
import type { CampaignAccess } from '../campaigns/access.js';
import { campaignParams } from '../campaigns/params.js';
import type { Api } from '../http/api.js';
import { clientIp } from '../http/client-ip.js';
import { whenAvailable } from '../lib/when-available.js';

const tag = 'Risk control';

/** The settings in force, what the host changed, and each rule's direction. */
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

export interface RiskRouteDeps {
  api: Api;
  audit: AuditLog;
  loadCampaign: CampaignAccess;
  mongo: Connection;
  redis: RedisClient;
  keys: KeyBuilder;
}

/**
 * Risk control for hosts, besides the review queue (review.ts): the alerts, the dashboard's
 * data, and the campaign's risk settings.
 */
export function riskRouter(deps: RiskRouteDeps): Router {
  const router = Router();
  alertRoutes(router, deps);
  settingsRoutes(router, deps);
  return router;
}

/** The alerts and the dashboard's data. */
function alertRoutes(router: Router, deps: RiskRouteDeps): void {
  deps.api.route(
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
      await whenAvailable(() => deps.loadCampaign(auth, params.campaignId));
      const alerts = await whenAvailable(() => latestAlerts(deps.mongo, params.campaignId, query.limit));
      res.json({ alerts });
    },
  );
  deps.api.route(
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
      const campaign = await whenAvailable(() => deps.loadCampaign(auth, params.campaignId));
      const dashboard = await whenAvailable(() =>
        readRiskDashboard(deps.redis, deps.keys, params.campaignId, {
          candidates: campaign.members.map((m) => m.candidateId),
          minutes: query.minutes ?? 60,
          top: query.top ?? 10,
          now: Date.now(),
        }),
      );
      res.json(dashboard);
    },
  );
}

/** The campaign's risk settings. */
function settingsRoutes(router: Router, deps: RiskRouteDeps): void {
  deps.api.route(
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
      const campaign = await whenAvailable(() => deps.loadCampaign(auth, params.campaignId));
      res.json(view(campaign.risk));
    },
  );
  deps.api.route(
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
      const campaign = await whenAvailable(() => deps.loadCampaign(auth, params.campaignId));
      const before = campaign.risk ?? {};
      const next = mergeRiskSettings(before, body);
      const checked = riskSettingsSchema.safeParse(mergeRiskSettings(DEFAULT_RISK_SETTINGS, next));
      if (!checked.success) throw new AppError('INVALID_INPUT', { details: toFieldIssues(checked.error) });
      await whenAvailable(() => setCampaignRisk(deps.mongo, params.campaignId, next));
      await deps.audit({
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
}
