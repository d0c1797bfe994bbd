import type { CampaignPage } from '@rallyboard/core/protocol';
import { ApiError, api } from '../api.js';
import { h } from '../dom.js';
import { formatTime } from '../format.js';
import { STATUS_LABELS } from '../lifecycle.js';
import { campaignHref } from '../routes.js';

/** Every campaign the host may run (all of them for an admin), newest first. */
export async function renderCampaignList(app: HTMLElement): Promise<undefined> {
  const header = h(
    'div',
    { class: 'page-head' },
    h('h1', {}, '我的活动'),
    h('a', { class: 'button primary', href: '#/campaigns/new' }, '＋ 新建活动'),
  );
  app.append(header);
  let page: CampaignPage;
  try {
    page = await api<CampaignPage>('GET', '/api/campaigns?limit=100');
  } catch (error) {
    app.append(h('p', { class: 'form-error' }, error instanceof ApiError ? error.message : '加载失败'));
    return undefined;
  }
  if (page.campaigns.length === 0) {
    app.append(h('div', { class: 'card empty' }, '还没有活动。点击“新建活动”创建第一个。'));
    return undefined;
  }
  app.append(
    h(
      'table',
      { class: 'table card', id: 'campaign-list' },
      h('caption', { class: 'sr-only' }, '活动列表'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['活动', '类型', '状态', '开始', '结束', '候选'].map((t) => h('th', { scope: 'col' }, t)),
        ),
      ),
      h(
        'tbody',
        {},
        ...page.campaigns.map((c) =>
          h(
            'tr',
            {},
            h('td', {}, h('a', { href: campaignHref(c.id) }, c.title)),
            h('td', {}, c.kind === 'vote' ? '投票' : '点赞'),
            h('td', {}, h('span', { class: `badge status-${c.status}` }, STATUS_LABELS[c.status])),
            h('td', {}, formatTime(c.schedule.startAt, c.schedule.timezone)),
            h('td', {}, formatTime(c.schedule.endAt, c.schedule.timezone)),
            h('td', { class: 'num' }, c.members.length),
          ),
        ),
      ),
    ),
  );
  return undefined;
}
