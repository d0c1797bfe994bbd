import { lotteryListSchema } from '../protocol/lotteries.js';
import { matchListSchema, yuan } from '../protocol/matching.js';
import type { RewardGrantView } from '../protocol/rewards.js';
import { myRewardsSchema, rewardRuleListSchema } from '../protocol/rewards.js';
import { authorized } from './auth.js';
import { request } from './request.js';

/** Rewards (激励): a campaign's rules and lotteries, complete, before anyone acts; and my own grants. */

/** A published campaign's reward rules, each with its terms in words. */
export const rewardRules = (campaignId: string) =>
  request({ method: 'GET', path: `/api/campaigns/${campaignId}/reward-rules` }, rewardRuleListSchema).then(
    (answer) => answer.rules,
  );

/**
 * A published campaign's lotteries (抽奖): prizes, terms and the seed's commitment; once drawn, the
 * seed and the winners.
 */
export const campaignLotteries = (campaignId: string) =>
  request({ method: 'GET', path: `/api/campaigns/${campaignId}/lotteries` }, lotteryListSchema).then(
    (answer) => answer.lotteries,
  );

/** My points and grants in a campaign. */
export const myRewards = (campaignId: string) =>
  authorized({ method: 'GET', path: '/api/me/rewards', query: { campaignId } }, myRewardsSchema);

/** How each grant's status reads. */
export const GRANT_STATUS_LABELS: Record<RewardGrantView['status'], string> = {
  active: '已发放',
  unfilled: '已领完，有券退回时补发',
  revoked: '已收回',
};

/** One donation-matching pledge as the campaign page shows it: its terms, and how far it is matched. */
export interface MatchRow {
  id: string;
  terms: string;
  progress: string;
  /** Of the cap, 0–100, for the bar's width. */
  percent: number;
}

/** A published campaign's donation matching (公益配捐): each pledge, and what counted votes have matched. */
export const campaignMatches = (campaignId: string): Promise<MatchRow[]> =>
  request({ method: 'GET', path: `/api/campaigns/${campaignId}/matches` }, matchListSchema).then((answer) =>
    answer.matches.map((m) => ({
      id: m.id,
      terms: m.terms,
      progress: `已配捐 ${yuan(m.matchedFen)} / ${yuan(m.capFen)}${m.capReached ? '（已达上限）' : ''}`,
      percent: Math.min(100, Math.round((1000 * m.matchedFen) / m.capFen) / 10),
    })),
  );
