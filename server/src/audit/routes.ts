import { findAuditPage } from '@rallyboard/core/db';
import { auditPageSchema, pageQuerySchema } from '@rallyboard/core/protocol';
import { Router } from 'express';
import type { Connection } from 'mongoose';
import type { CampaignAccess } from '../campaigns/access.js';
import { campaignParams } from '../campaigns/params.js';
import type { Api } from '../http/api.js';
import { whenAvailable } from '../lib/when-available.js';
import { auditEntryView } from './log.js';

export interface AuditRouteDeps {
  api: Api;
  mongo: Connection;
  loadCampaign: CampaignAccess;
}

/**
 * The audit log, newest first: a campaign's entries (its hosts and admins), or everything
 * (admins: host accounts and logins too).
 */
export function auditRouter(deps: AuditRouteDeps): Router {
  const router = Router();
  const tag = 'Audit';

  async function page(
    filter: Record<string, unknown>,
    query: { limit: number; cursor?: string | undefined },
  ) {
    const { items, nextCursor } = await findAuditPage(deps.mongo, filter, query);
    return { entries: items.map(auditEntryView), nextCursor };
  }

  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/campaigns/:campaignId/audit',
      tag,
      summary: "A campaign's audit log, newest first",
      description:
        'Every change to the campaign and its candidates: who, when, from where, and the values before ' +
        'and after. Entries stay after a draft is deleted (admins still read them).',
      auth: 'host',
      params: campaignParams,
      query: pageQuerySchema,
      responses: { 200: { description: 'A page of entries.', schema: auditPageSchema } },
      errors: ['CAMPAIGN_NOT_FOUND'],
    },
    async ({ auth, params, query }, _req, res) => {
      const answer = await whenAvailable(async () => {
        // A deleted draft's entries remain; only an admin reads a campaign that is gone.
        if (auth.role !== 'admin') await deps.loadCampaign(auth, params.campaignId);
        return page({ campaignId: params.campaignId }, query);
      });
      res.json(answer);
    },
  );

  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/audit',
      tag,
      summary: 'The whole audit log, newest first (admin)',
      auth: 'admin',
      query: pageQuerySchema,
      responses: { 200: { description: 'A page of entries.', schema: auditPageSchema } },
    },
    async ({ query }, _req, res) => {
      res.json(await whenAvailable(() => page({}, query)));
    },
  );
  return router;
}
