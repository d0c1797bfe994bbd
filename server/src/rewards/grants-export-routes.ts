import type { RewardGrantDoc, RewardRuleDoc } from '@rallyboard/core/db';
import type { Logger } from '@rallyboard/core/logger';
import type { Router } from 'express';
import type { CampaignAccess } from '../campaigns/access.js';
import { campaignParams } from '../campaigns/params.js';
import { csvLine, exportFilename, streamCsv } from '../exports/csv.js';
import type { Api } from '../http/api.js';
import { whenAvailable } from '../lib/when-available.js';
import type { RewardRuleDeps } from './rules.js';

/** The columns of grants.csv, one row per grant (revoked ones included); docs/rewards.md gives each in English. */
export const GRANTS_HEADER = [
  '发放编号',
  '规则编号',
  '规则名称',
  '参与者',
  '触发',
  '奖励',
  '积分',
  '券池',
  '券码',
  '抽奖',
  '状态',
  '发放时间(UTC)',
  '收回时间(UTC)',
  '收回原因',
  '核销时间(UTC)',
  '核销后收回',
  '计入的投票',
] as const;

const iso = (at: Date | undefined) => (at === undefined ? undefined : new Date(at).toISOString());
const KIND_LABEL = { points: '积分', coupon: '优惠券', lottery: '抽奖券', unlock: '解锁内容' } as const;

function grantLine(g: RewardGrantDoc, rules: ReadonlyMap<string, RewardRuleDoc>): string {
  const rule = rules.get(g.ruleId);
  return csvLine([
    g._id,
    g.ruleId,
    rule?.name,
    g.participantId,
    g.key,
    rule ? KIND_LABEL[rule.reward.kind] : undefined,
    g.points,
    g.poolId,
    // A revoked code neither redeemed nor seen by its holder went back to the pool (it may be
    // another's now): not shown. One its holder saw is retired: shown, for the counter to refuse.
    g.status === 'revoked' && g.redeemedAt === undefined && g.shownAt === undefined ? undefined : g.code,
    g.lotteryId,
    g.status,
    iso(g.grantedAt),
    iso(g.revokedAt),
    g.revokedBecause,
    iso(g.redeemedAt),
    g.flagged ? 'yes' : undefined,
    g.voteId,
  ]);
}

export interface GrantsExportDeps extends Pick<RewardRuleDeps, 'rewards'> {
  api: Api;
  logger: Logger;
  loadCampaign: CampaignAccess;
}

/** grants.csv: every grant of a campaign, for the host's (and a sponsor's) audit. */
export function grantsExportRoute(router: Router, deps: GrantsExportDeps): void {
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/campaigns/:campaignId/export/grants.csv',
      tag: 'Rewards',
      summary: "The campaign's reward grants as CSV",
      description:
        'One row per grant, in the order given, revoked ones included (with when and why): ' +
        `${GRANTS_HEADER.join(', ')}. Streamed from one database cursor. UTF-8 with a BOM; formula-safe cells.`,
      auth: 'host',
      params: campaignParams,
      responses: {
        200: { description: 'The CSV file (UTF-8 with a BOM), streamed.', contentType: 'text/csv' },
      },
      errors: ['CAMPAIGN_NOT_FOUND'],
    },
    async ({ auth, params }, _req, res) => {
      const campaign = await whenAvailable(() => deps.loadCampaign(auth, params.campaignId));
      const rules = await whenAvailable(() =>
        deps.rewards.rules.find({ campaignId: campaign._id }).lean<RewardRuleDoc[]>(),
      );
      const byId = new Map(rules.map((r) => [r._id, r]));
      const cursor = deps.rewards.grants
        .find({ campaignId: campaign._id })
        .sort({ grantedAt: 1, _id: 1 })
        .lean<RewardGrantDoc>()
        .cursor();
      async function* lines() {
        yield csvLine(GRANTS_HEADER);
        try {
          for await (const grant of cursor) yield grantLine(grant as RewardGrantDoc, byId);
        } finally {
          await cursor.close();
        }
      }
      await streamCsv(res, exportFilename(campaign._id, 'grants'), lines(), (error) =>
        deps.logger.error({ err: error, campaignId: campaign._id }, 'grants export failed mid-stream'),
      );
    },
  );
}
