import type { CampaignView, CouponPoolView, RewardRuleView } from '@rallyboard/core/protocol';
import { ApiError, api, download } from '../../api.js';
import { h, toast } from '../../dom.js';
import { hostList } from './host-list.js';
import { lotterySection } from './lotteries.js';
import { matchingSection } from './matching.js';
import { monitorStock, poolForm, poolItem, redeemForm } from './pools.js';
import { ruleForm, ruleItem } from './rules.js';
import { unlockSection } from './unlocks.js';

/** Why some triggers are not offered: WeChat's platform rules (docs/compliance.md). */
const NOT_OFFERED =
  '依《微信小程序平台运营规范》，分享、邀请、助力和付费都不能作为奖励条件（诱导分享、有偿投票）；奖励只看参与者本人计入排名的投票。';

/**
 * A CSV download of the campaign (下载发放记录: grants.csv, every grant, revoked ones too, with why;
 * 下载配捐明细: matching.csv, the sponsor's audit by day), fetched with the host's token as the 概览
 * tab's exports are; the button waits while it downloads.
 */
function csvExport(base: string, file: string, label: string, className: string): HTMLElement {
  const button = h('button', { type: 'button' }, label);
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const { name } = await download(`${base}/export/${file}`, file);
      toast(`已下载 ${name}`);
    } catch (error) {
      toast(error instanceof ApiError ? error.message : '导出失败', 'error');
    } finally {
      button.disabled = false;
    }
  });
  return h('div', { class: `actions ${className}` }, button);
}

/**
 * 奖励: the campaign's reward rules (each with the terms participants read, paused or resumed
 * here, a milestone's or an end rule's state beside them), a form for a new one, the download of
 * every grant (grants.csv), its coupon pools with their stock (read again every few seconds while
 * the tab is open), CSV import and redemption, its
 * lotteries (抽奖), committed before the start and drawn after the end, its sponsors' donation
 * matching (公益配捐) with the audit by day (matching.csv), and, on a like campaign, the content
 * likes open (点赞解锁). Refreshing the tab reads the pledges' and the shared goals' progress again.
 */
export function renderRewards(body: HTMLElement, campaign: CampaignView): undefined {
  const base = `/api/campaigns/${campaign.id}`;
  const names = new Map(campaign.members.map((m) => [m.candidateId, m.name]));
  const rules = h('ul', { class: 'reward-rules', 'aria-label': '奖励规则' });
  const pools = h('ul', { class: 'coupon-pools', 'aria-label': '优惠券池' });
  const problem = h('div', { class: 'form-error', role: 'alert' });
  const rulesProblem = h('div', { class: 'form-error rules-problem', role: 'alert' });
  const poolsProblem = h('div', { class: 'form-error pools-problem', role: 'alert' });
  const rulePool = h('select', { name: 'poolId' });
  const redeemPool = h('select', { name: 'redeemPool', 'aria-label': '核销的券池' });
  const ruleLottery = h('select', { name: 'lotteryId' });
  const lotteries = lotterySection(campaign, base, ruleLottery);
  const matching = matchingSection(
    campaign,
    base,
    csvExport(base, 'matching.csv', '下载配捐明细（CSV）', 'matching-export'),
  );
  const ruleUnlock = h('select', { name: 'unlockableId' });
  const unlocks = unlockSection(campaign, base, ruleUnlock);
  // The rules as the host reads them, at any status; a pause or resume answers the whole list,
  // an added rule itself.
  const ruleList = hostList<RewardRuleView>({
    url: `${base}/host/reward-rules`,
    field: 'rules',
    problem: rulesProblem,
    render: (shown) =>
      rules.replaceChildren(
        ...shown.map((rule) => ruleItem(rule, { base, names, changed: ruleList.replace })),
      ),
  });
  // The pools are the host's at any status, read on their own: a rules' failure never hides them.
  const poolsNow = async () => {
    try {
      const p = await api<{ pools: CouponPoolView[] }>('GET', `${base}/coupon-pools`);
      pools.replaceChildren(...p.pools.map((pool) => poolItem(pool, base, refresh)));
      pools.dataset.rendered = String(Number(pools.dataset.rendered ?? 0) + 1);
      for (const select of [rulePool, redeemPool]) {
        const chosen = select.value;
        select.replaceChildren(...p.pools.map((x) => h('option', { value: x.id }, x.name)));
        if (chosen) select.value = chosen;
      }
      poolsProblem.textContent = '';
    } catch (error) {
      poolsProblem.textContent = error instanceof ApiError ? error.message : '加载失败';
    }
  };
  // Each part says its own load failure where it is: one failing leaves the others shown.
  const refresh = async () => {
    await Promise.all([ruleList.refresh(), poolsNow(), matching.refresh(), unlocks.refresh()]);
  };
  body.append(
    h('h2', {}, '奖励规则'),
    h('p', { class: 'muted compliance' }, NOT_OFFERED),
    rules,
    rulesProblem,
    ruleForm({
      base,
      members: campaign.members,
      poolSelect: rulePool,
      lotterySelect: ruleLottery,
      unlockSelect: ruleUnlock,
      problem,
      added: ruleList.keep,
      refresh,
    }),
    problem,
    csvExport(base, 'grants.csv', '下载发放记录（CSV）', 'grants-export'),
    h('h2', {}, '优惠券池'),
    pools,
    poolsProblem,
    poolForm(base, campaign.schedule.timezone, poolsProblem, refresh),
    redeemForm(base, redeemPool, refresh),
    lotteries.element,
    matching.element,
    unlocks.element,
  );
  void refresh();
  void lotteries.refresh();
  monitorStock(pools, base);
  return undefined;
}
