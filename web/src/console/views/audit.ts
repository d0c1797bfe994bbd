import type { AuditAction, AuditPage, CampaignView } from '@rallyboard/core/protocol';
import { ApiError, api } from '../api.js';
import { h } from '../dom.js';
import { formatTime } from '../format.js';

const ACTION_LABELS: Record<AuditAction, string> = {
  'campaign.create': '创建活动',
  'campaign.update': '修改活动',
  'campaign.transition': '状态变更',
  'campaign.delete': '删除活动',
  'campaign.reveal': '揭晓排名',
  'campaign.screen': '大屏榜单',
  'campaign.screen-token': '生成大屏链接',
  'campaign.screen-token.revoke': '撤销大屏链接',
  'member.add': '添加候选',
  'member.update': '修改候选',
  'member.remove': '删除候选',
  'host.create': '创建账号',
  'host.update': '修改账号',
  'host.login': '登录',
  'host.logout': '退出登录',
  'host.password': '修改密码',
  'host.wechat-bind': '绑定微信',
  'host.wechat-unbind': '解绑微信',
  'risk.settings': '修改风控规则',
  'review.approve': '批准投票',
  'review.void': '作废投票',
  'review.void-by-rule': '按规则作废',
  'entries.settings': '修改报名设置',
  'entry.approve': '通过报名',
  'entry.reject': '驳回报名',
  'suggestion.progress': '更新建议进度',
  'rewards.rule': '新建奖励规则',
  'rewards.rule-update': '修改奖励规则',
  'rewards.pool': '新建券池',
  'rewards.import': '导入券码',
  'rewards.redeem': '核销券码',
  'rewards.lottery': '新建抽奖',
  'rewards.draw': '开奖',
  'matching.pledge': '新增公益配捐',
  'unlocks.add': '新增点赞解锁内容',
};

const PAGE_SIZE = 20;

/** What changed, short: `{"status":"draft"} → {"status":"scheduled"}`. */
const change = (before: unknown, after: unknown) =>
  `${before === null || before === undefined ? '—' : JSON.stringify(before)} → ${after === null || after === undefined ? '—' : JSON.stringify(after)}`;

/** The campaign's audit log, newest first, a page at a time (the API's cursor). */
export function renderAudit(body: HTMLElement, campaign: CampaignView): undefined {
  const rows = h('tbody', {});
  const more = h('button', { type: 'button', id: 'audit-more' }, '加载更多');
  const status = h('p', { class: 'muted', role: 'status' });
  let cursor: string | null = null;
  const load = async () => {
    more.disabled = true;
    try {
      const page = await api<AuditPage>(
        'GET',
        `/api/campaigns/${campaign.id}/audit?limit=${PAGE_SIZE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      rows.append(
        ...page.entries.map((e) =>
          h(
            'tr',
            {},
            h('td', {}, h('time', { datetime: e.at }, formatTime(e.at, campaign.schedule.timezone))),
            h('td', {}, e.actor.username),
            h('td', {}, ACTION_LABELS[e.action] ?? e.action),
            h('td', {}, h('code', {}, `${e.target.type}:${e.target.id}`)),
            h('td', { class: 'change' }, h('code', {}, change(e.before, e.after))),
            h('td', {}, e.ip),
          ),
        ),
      );
      cursor = page.nextCursor;
      more.hidden = cursor === null;
      status.textContent = rows.childElementCount === 0 ? '暂无记录' : `已显示 ${rows.childElementCount} 条`;
    } catch (error) {
      status.textContent = error instanceof ApiError ? error.message : '加载失败';
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener('click', () => void load());
  body.append(
    h(
      'section',
      { class: 'card' },
      h('h2', {}, '操作日志'),
      h(
        'table',
        { class: 'table compact', id: 'audit-log' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['时间', '操作人', '操作', '对象', '变更', 'IP'].map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        rows,
      ),
      status,
      more,
    ),
  );
  void load();
  return undefined;
}
