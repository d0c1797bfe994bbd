import type { LedgerVote, VoteReads } from '@rallyboard/core/db';
import type { Logger } from '@rallyboard/core/logger';
import { Router } from 'express';
import { type BoardReadDeps, queryBoard } from '../boards/queries.js';
import type { CampaignAccess } from '../campaigns/access.js';
import { campaignParams } from '../campaigns/params.js';
import type { Api } from '../http/api.js';
import { whenAvailable } from '../lib/when-available.js';
import { csvLine, exportFilename, streamCsv } from './csv.js';

/** The columns of results.csv; docs/console.md gives each in English. */
export const RESULTS_HEADER = ['名次', '候选编号', '名称', '分组', '票数'] as const;

/** The columns of ledger.csv, one row per vote record (retractions and re-counts included). */
export const LEDGER_HEADER = [
  '投票编号',
  '受理时间(UTC)',
  '候选编号',
  '候选名称',
  '动作',
  '投票人',
  '结果',
  '原因',
  '变化',
  '序号',
  '计票日',
  'IP',
  '设备',
  '风险分',
  '风险原因',
  '审核状态',
  '审核备注',
] as const;

/** Fields ledger.csv reads: the rest of a record (measurements, user agent) stays in the database. */
const LEDGER_PROJECTION = {
  candidateId: 1,
  action: 1,
  voterId: 1,
  verdict: 1,
  reason: 1,
  delta: 1,
  seq: 1,
  day: 1,
  acceptedAt: 1,
  'context.ip': 1,
  'context.deviceId': 1,
  'risk.score': 1,
  'risk.reasons.rule': 1,
  'review.state': 1,
  'review.note': 1,
} as const;

function ledgerLine(record: LedgerVote, names: ReadonlyMap<string, string>): string {
  return csvLine([
    record._id,
    new Date(record.acceptedAt).toISOString(),
    record.candidateId,
    names.get(record.candidateId),
    record.action,
    record.voterId,
    record.verdict,
    record.reason,
    record.delta,
    record.seq,
    record.day,
    record.context?.ip,
    record.context?.deviceId,
    record.risk?.score,
    record.risk?.reasons.map((r) => r.rule).join(' '),
    record.review?.state,
    record.review?.note,
  ]);
}

export interface ExportsRouteDeps extends BoardReadDeps {
  api: Api;
  logger: Logger;
  loadCampaign: CampaignAccess;
  votes: Pick<VoteReads, 'inOrder'>;
}

/**
 * CSV downloads for hosts: the ranking (results.csv) and every vote record (ledger.csv), in
 * UTF-8 with a BOM (Excel then reads the Chinese names right), cells escaped and formula-safe
 * (exports/csv.ts). The ledger streams from one database cursor with backpressure, so a million
 * rows take the memory of a few thousand.
 */
export function exportsRouter(deps: ExportsRouteDeps): Router {
  const router = Router();
  const tag = 'Console';
  const csv = { description: 'The CSV file (UTF-8 with a BOM), streamed.', contentType: 'text/csv' };
  const onError = (what: string, campaignId: string) => (error: unknown) =>
    deps.logger.error({ err: error, campaignId }, `${what} export failed mid-stream`);

  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/campaigns/:campaignId/export/results.csv',
      tag,
      summary: "The campaign's ranking as CSV",
      description:
        `Every candidate by rank on the live all-time ranking (frozen or not): ${RESULTS_HEADER.join(', ')}. ` +
        'UTF-8 with a BOM; cells that a spreadsheet would run as a formula start with an apostrophe.',
      auth: 'host',
      params: campaignParams,
      responses: { 200: csv },
      errors: ['CAMPAIGN_NOT_FOUND', 'BOARD_NOT_FOUND'],
    },
    async ({ auth, params }, _req, res) => {
      const campaign = await whenAvailable(() => deps.loadCampaign(auth, params.campaignId));
      // The counted ranking (live: a frozen campaign's public ranking stops at the freeze).
      const slice = await queryBoard(
        deps,
        {
          type: 'range',
          boardId: campaign._id,
          window: 'all',
          offset: 0,
          limit: Math.max(1, campaign.members.length),
        },
        { live: true },
      );
      const members = new Map(campaign.members.map((m) => [m.candidateId, m]));
      async function* lines() {
        yield csvLine(RESULTS_HEADER);
        for (const entry of slice.entries) {
          const member = members.get(entry.candidateId);
          yield csvLine([entry.rank, entry.candidateId, member?.name, member?.group, entry.score]);
        }
      }
      await streamCsv(
        res,
        exportFilename(campaign._id, 'results'),
        lines(),
        onError('results', campaign._id),
      );
    },
  );

  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/campaigns/:campaignId/export/ledger.csv',
      tag,
      summary: "The campaign's vote ledger as CSV",
      description:
        'One row per vote record, in the order votes were accepted: counted, unchanged, held and rejected ' +
        'votes, and the retractions and re-counts review made. Columns: ' +
        `${LEDGER_HEADER.join(', ')}. Streamed from one database cursor at the pace the client reads, so ` +
        "its size is not limited by the server's memory. UTF-8 with a BOM; formula-safe cells.",
      auth: 'host',
      params: campaignParams,
      responses: { 200: csv },
      errors: ['CAMPAIGN_NOT_FOUND'],
    },
    async ({ auth, params }, _req, res) => {
      const campaign = await whenAvailable(() => deps.loadCampaign(auth, params.campaignId));
      const names = new Map(campaign.members.map((m) => [m.candidateId, m.name]));
      const cursor = deps.votes.inOrder(campaign._id, LEDGER_PROJECTION);
      async function* lines() {
        yield csvLine(LEDGER_HEADER);
        try {
          for await (const record of cursor) yield ledgerLine(record, names);
        } finally {
          await cursor.close();
        }
      }
      await streamCsv(res, exportFilename(campaign._id, 'ledger'), lines(), onError('ledger', campaign._id));
    },
  );
  return router;
}
