import type { CampaignNotifications, CampaignView, NotificationEvent } from '@rallyboard/core/protocol';
import { ApiError, api } from '../api.js';
import { h } from '../dom.js';

const EVENT_LABELS: Record<NotificationEvent, string> = {
  'campaign-started': '开始提醒',
  'results-final': '结果通知',
  'entry-reviewed': '审核结果',
  'suggestion-progress': '进度通知',
};

/** Why a message was not sent, in the host's words; an unknown reason shows as it is. */
const REASON_LABELS: Readonly<Record<string, string>> = {
  NO_GRANT: '用户未订阅',
  NO_TEMPLATE: '未配置模板',
  NO_PARTICIPANT: '用户不存在',
  WECHAT_43101: '用户拒收或订阅次数已用完',
  WECHAT_47003: '消息内容不符合模板要求',
  WECHAT_40037: '模板ID无效',
  WECHAT_NETWORK: '连不上微信',
  WECHAT_TIMEOUT: '微信未及时应答',
  UNKNOWN_OUTCOME: '发送时中断，不确定是否送达（不会重发）',
  INTERNAL: '服务内部错误',
};

const reasonText = (reason: string) => `${REASON_LABELS[reason] ?? reason}（${reason}）`;

/**
 * The campaign's subscribe messages (订阅消息): per event, the template it goes out with, how
 * many participants subscribed, and the sends by outcome with the reasons some did not go.
 */
export function renderNotifications(body: HTMLElement, campaign: CampaignView): undefined {
  const rows = h('tbody', {});
  const reasons = h('ul', { class: 'reasons', id: 'notification-reasons' });
  const status = h('p', { class: 'muted', role: 'status' });
  const refresh = h('button', { type: 'button', id: 'notifications-refresh' }, '刷新');
  const load = async () => {
    refresh.disabled = true;
    try {
      const log = await api<CampaignNotifications>('GET', `/api/campaigns/${campaign.id}/notifications`);
      rows.replaceChildren(
        ...log.events.map((e) =>
          h(
            'tr',
            { 'data-event': e.event },
            h('th', { scope: 'row' }, EVENT_LABELS[e.event]),
            h(
              'td',
              {},
              e.templateId === null
                ? h('span', { class: 'muted' }, '未配置，不发送')
                : h('code', {}, e.templateId),
            ),
            h('td', { class: 'num' }, e.grants),
            h('td', { class: 'num' }, e.sends.sent ?? 0),
            h('td', { class: 'num' }, e.sends.sending ?? 0),
            h('td', { class: 'num' }, e.sends.dropped ?? 0),
            h('td', { class: 'num' }, e.sends.failed ?? 0),
          ),
        ),
      );
      reasons.replaceChildren(
        ...log.events.flatMap((e) =>
          e.reasons.map((r) =>
            h('li', {}, `${EVENT_LABELS[e.event]}：${reasonText(r.reason)} ${r.count} 条`),
          ),
        ),
      );
      status.textContent = reasons.childElementCount === 0 ? '没有未送达的消息' : '';
    } catch (error) {
      status.textContent = error instanceof ApiError ? error.message : '加载失败';
    } finally {
      refresh.disabled = false;
    }
  };
  refresh.addEventListener('click', () => void load());
  body.append(
    h(
      'section',
      { class: 'card' },
      h('h2', {}, '订阅消息'),
      h(
        'p',
        { class: 'muted' },
        '参与者在小程序里同意接收后，活动开始和结果揭晓时各收到一条消息；每次同意只能发送一条。',
      ),
      h(
        'table',
        { class: 'table compact', id: 'notification-log' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['消息', '模板ID', '订阅', '已发送', '发送中', '未发送', '失败'].map((t) =>
              h('th', { scope: 'col' }, t),
            ),
          ),
        ),
        rows,
      ),
      h('h3', {}, '未送达原因'),
      reasons,
      status,
      refresh,
    ),
  );
  void load();
  return undefined;
}
