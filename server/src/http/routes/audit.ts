import { type AuditDoc, auditModel, campaignModel } from '@rallyboard/core/db';
import { auditPageSchema, pageQuerySchema } from '@rallyboard/core/protocol';
import { Router } from 'express';
import { auditEntryView } from '../../audit/log.js';
import { loadCampaign } from '../../campaigns/access.js';
import type { AppContext } from '../../deps.js';
import { afterCursor, newestFirst, pageOf } from '../paging.js';
import { whenAvailable } from '../unavailable.js';
import { campaignParams } from './campaigns.js';

/**
 * The audit log, newest first: a campaign's entries (its hosts and admins), or everything
 * (admins: host accounts and logins too).
 */
export function auditRouter(ctx: AppContext): Router {
  const router = Router();
  const audit = auditModel(ctx.mongo);
  const campaigns = campaignModel(ctx.mongo);
  const tag = 'Audit';

  async function page(
    filter: Record<string, unknown>,
    query: { limit: number; cursor?: string | undefined },
  ) {
    const docs = await audit
      .find({ $and: [filter, afterCursor(query.cursor, 'at')] })
      .sort(newestFirst('at'))
      .limit(query.limit + 1)
      .lean<AuditDoc[]>();
    const { items, nextCursor } = pageOf(docs, query.limit, (e) => new Date(e.at));
    return { entries: items.map(auditEntryView), nextCursor };
  }

  ctx.api.route(
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
        if (auth.role !== 'admin') await loadCampaign(campaigns, auth, params.campaignId);
        return page({ campaignId: params.campaignId }, query);
      });
      res.json(answer);
    },
  );

  ctx.api.route(
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
