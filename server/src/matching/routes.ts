import { findCampaign, ledgerModel } from '@rallyboard/core/db';
import type { Logger } from '@rallyboard/core/logger';
import {
  AppError,
  isPublished,
  matchInputSchema,
  matchListSchema,
  matchViewSchema,
} from '@rallyboard/core/protocol';
import { Router } from 'express';
import type { Connection } from 'mongoose';
import type { CampaignAccess } from '../campaigns/access.js';
import { campaignParams } from '../campaigns/params.js';
import { TEXT_CHECK_ERRORS } from '../campaigns/routes.js';
import { csvLine, exportFilename, streamCsv } from '../exports/csv.js';
import type { Api } from '../http/api.js';
import { clientIp } from '../http/client-ip.js';
import { whenAvailable } from '../lib/when-available.js';
import { type MatchingDeps, matchDays, matchViews, pledgeMatch } from './service.js';

const tag = 'Matching';

/** The columns of matching.csv, one row per pledge and day; docs/rewards.md gives each in English. */
export const MATCHING_HEADER = [
  '配捐编号',
  '赞助方',
  '用途',
  '候选编号',
  '每票配捐(元)',
  '上限(元)',
  '计票日',
  '当日有效票',
  '累计有效票',
  '当日配捐(元)',
  '累计配捐(元)',
] as const;

export interface MatchingRouteDeps extends MatchingDeps {
  api: Api;
  mongo: Connection;
  logger: Logger;
  loadCampaign: CampaignAccess;
}

const yuanCell = (fen: number) => (fen / 100).toFixed(2);

/**
 * Donation matching (公益配捐): a host adds a sponsor's pledge; everyone reads how far each is
 * matched; the sponsor's audit is a CSV by day from the ledger.
 */
export function matchingRouter(deps: MatchingRouteDeps): Router {
  const router = Router();
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/campaigns/:campaignId/matches',
      tag,
      summary: "A published campaign's donation matching (公益配捐) and how far it is matched",
      description:
        'Public: each pledge, its terms, the counted votes it matches now and the amount (fen), from the ' +
        'public ranking (frozen while the campaign is). Follows voids as they are made.',
      auth: 'public',
      params: campaignParams,
      responses: { 200: { description: 'The pledges.', schema: matchListSchema } },
      errors: ['CAMPAIGN_NOT_FOUND'],
    },
    async ({ params }, _req, res) => {
      const campaign = await whenAvailable(() => findCampaign(deps.mongo, params.campaignId));
      if (!campaign || !isPublished(campaign.status)) throw new AppError('CAMPAIGN_NOT_FOUND');
      res.json({ matches: await whenAvailable(() => matchViews(deps, campaign)) });
    },
  );
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/campaigns/:campaignId/host/matches',
      tag,
      summary: "The campaign's donation matching, for its hosts, at any status",
      description: 'What the public list shows, for a draft or an archived campaign too.',
      auth: 'host',
      params: campaignParams,
      responses: { 200: { description: 'The pledges.', schema: matchListSchema } },
      errors: ['CAMPAIGN_NOT_FOUND'],
    },
    async ({ auth, params }, _req, res) => {
      const campaign = await whenAvailable(() => deps.loadCampaign(auth, params.campaignId));
      res.json({ matches: await whenAvailable(() => matchViews(deps, campaign)) });
    },
  );
  deps.api.route(
    router,
    {
      method: 'post',
      path: '/api/campaigns/:campaignId/matches',
      tag,
      summary: "Add a sponsor's pledge to match counted votes",
      description:
        'An amount (fen) per counted vote or like, of the campaign or of one candidate, up to a cap. Until ' +
        'the campaign ends. Audited.',
      auth: 'host',
      idempotent: true,
      params: campaignParams,
      body: matchInputSchema,
      responses: { 201: { description: 'The pledge.', schema: matchViewSchema } },
      errors: ['CAMPAIGN_NOT_FOUND', 'CAMPAIGN_NOT_EDITABLE', ...TEXT_CHECK_ERRORS],
    },
    async ({ auth, params, body }, req, res) => {
      const campaign = await whenAvailable(() => deps.loadCampaign(auth, params.campaignId));
      const match = await whenAvailable(() =>
        pledgeMatch(deps, { host: auth, ip: clientIp(req) }, campaign, body),
      );
      const views = await whenAvailable(() => matchViews(deps, campaign));
      res.status(201).json(views.find((v) => v.id === match._id));
    },
  );
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/campaigns/:campaignId/export/matching.csv',
      tag,
      summary: "The campaign's donation matching by day, as CSV (the sponsor's audit)",
      description:
        `One row per pledge and counting day, from the vote ledger: ${MATCHING_HEADER.join(', ')}. ` +
        'UTF-8 with a BOM; formula-safe cells.',
      auth: 'host',
      params: campaignParams,
      responses: { 200: { description: 'The CSV file (UTF-8 with a BOM).', contentType: 'text/csv' } },
      errors: ['CAMPAIGN_NOT_FOUND'],
    },
    async ({ auth, params }, _req, res) => {
      const campaign = await whenAvailable(() => deps.loadCampaign(auth, params.campaignId));
      const matches = await whenAvailable(() =>
        deps.matches.find({ campaignId: campaign._id }).sort({ createdAt: 1 }).lean(),
      );
      const days = await whenAvailable(() => matchDays(ledgerModel(deps.mongo), matches, campaign._id));
      async function* lines() {
        yield csvLine(MATCHING_HEADER);
        for (const d of days) {
          const { match } = d;
          yield csvLine([
            match._id,
            match.sponsor,
            match.cause,
            match.candidateId,
            yuanCell(match.perVoteFen),
            yuanCell(match.capFen),
            d.day,
            d.counted,
            d.total,
            yuanCell(d.matchedFen),
            yuanCell(d.totalFen),
          ]);
        }
      }
      await streamCsv(res, exportFilename(campaign._id, 'matching'), lines(), (error) =>
        deps.logger.error({ err: error, campaignId: campaign._id }, 'matching export failed mid-stream'),
      );
    },
  );
  return router;
}
