import type { RewardGrantView } from '../../protocol/rewards.js';
import { localDay, shortTime } from '../../services/format.js';
import { ApiError } from '../../services/request.js';
import { campaignLotteries, GRANT_STATUS_LABELS, myRewards, rewardRules } from '../../services/rewards.js';
import { openUnlocks, type UnlockRow } from '../../services/unlocks.js';
import { definePage } from '../../utils/page.js';
import { type LotteryRow, lotteryRows } from './lotteries.js';

interface RuleRow {
  id: string;
  name: string;
  terms: string;
}

interface GrantRow {
  id: string;
  name: string;
  status: RewardGrantView['status'];
  statusLabel: string;
  what: string;
  code: string;
  note: string;
}

/** How a grant reads under its name: why it was taken back, when it was used, or that its coupon expired. */
function grantNote(g: RewardGrantView, expired: boolean): string {
  if (g.status === 'revoked')
    return `获得它的投票已被判无效，于 ${shortTime(g.revokedAt ?? g.grantedAt)} 收回`;
  if (g.redeemedAt) return `已于 ${shortTime(g.redeemedAt)} 使用`;
  if (g.expiresAt && expired)
    return g.status === 'unfilled' ? '券已过期，未能发放' : `已于 ${shortTime(g.expiresAt)} 过期，不能再使用`;
  return `${shortTime(g.grantedAt)} 获得`;
}

function grantRow(g: RewardGrantView, now = Date.now()): GrantRow {
  const expiry = g.expiresAt ? `，${localDay(g.expiresAt)} 前有效` : '';
  const expired = g.expiresAt !== undefined && Date.parse(g.expiresAt) <= now;
  return {
    id: g.id,
    name: g.ruleName,
    status: g.status,
    statusLabel: expired && g.status === 'unfilled' ? '已过期' : GRANT_STATUS_LABELS[g.status],
    what:
      g.points !== undefined
        ? `${g.points} 积分`
        : g.lotteryId
          ? '抽奖券'
          : g.unlockableId
            ? '解锁内容（见下方已解锁内容）'
            : `优惠券${expiry}`,
    code: g.code ?? '',
    note: grantNote(g, expired),
  };
}

/**
 * 奖励规则与我的奖励: the campaign's reward rules, each complete (what earns what, how many, the
 * stock, the deadline), its lotteries (抽奖: terms, the seed's commitment, my tickets, the
 * result), and what my own counted votes earned. Nothing here depends on sharing.
 */
definePage()({
  data: {
    campaignId: '',
    rules: [] as RuleRow[],
    lotteries: [] as LotteryRow[],
    /** Like-to-unlock content open to me (点赞解锁). */
    unlocked: [] as UnlockRow[],
    points: 0,
    grants: [] as GrantRow[],
    /** I hold a lottery ticket (shown on its card): 我的奖励 is then not empty. */
    holdsTickets: false,
    loading: true,
    error: '',
  },
  methods: {
    onLoad(query: Record<string, string | undefined>): Promise<void> {
      this.setData({ campaignId: query.campaignId ?? '' });
      return this.load();
    },
    onPullDownRefresh(): Promise<void> {
      return this.load().then(() => {
        wx.stopPullDownRefresh();
      });
    },
    async load(): Promise<void> {
      this.setData({ loading: true, error: '' });
      try {
        const [rules, lotteries, mine, unlocked] = await Promise.all([
          rewardRules(this.data.campaignId),
          campaignLotteries(this.data.campaignId),
          myRewards(this.data.campaignId),
          openUnlocks(this.data.campaignId),
        ]);
        // A lottery ticket shows on its lottery's card, with the holder hash and the result.
        const shown = new Set(lotteries.map((l) => l.id));
        this.setData({
          rules: rules.filter((r) => r.enabled).map((r) => ({ id: r.id, name: r.name, terms: r.terms })),
          lotteries: lotteryRows(lotteries, mine.grants),
          points: mine.points,
          unlocked,
          grants: mine.grants.filter((g) => !g.lotteryId || !shown.has(g.lotteryId)).map((g) => grantRow(g)),
          holdsTickets: mine.grants.some((g) => g.lotteryId && shown.has(g.lotteryId)),
          loading: false,
        });
      } catch (error) {
        this.setData({
          loading: false,
          error: error instanceof ApiError ? error.message : '加载失败，请下拉重试',
        });
      }
    },
  },
});
