import type { CampaignPage, CampaignView } from '@rallyboard/core/protocol';
import { ApiError, api } from '../api.js';
import { whileBusy } from '../busy.js';
import { h } from '../dom.js';
import { formatTime } from '../format.js';
import { STATUS_LABELS } from '../lifecycle.js';
import { campaignHref } from '../routes.js';

/** Campaigns a page of the list holds (the most the API gives): 加载更多 reads the next. */
const PAGE_SIZE = 100;

const readPage = (cursor: string | null) =>
  api<CampaignPage>(
    'GET',
    `/api/campaigns?limit=${PAGE_SIZE}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
  );

const campaignRow = (c: CampaignView) =>
  h(
    'tr',
    {},
    h('td', {}, h('a', { href: campaignHref(c.id) }, c.title)),
    h('td', {}, c.kind === 'vote' ? '投票' : '点赞'),
    h('td', {}, h('span', { class: `badge status-${c.status}` }, STATUS_LABELS[c.status])),
    h('td', {}, formatTime(c.schedule.startAt, c.schedule.timezone)),
    h('td', {}, formatTime(c.schedule.endAt, c.schedule.timezone)),
    h('td', { class: 'num' }, c.members.length),
  );

/**
 * Every campaign the host may run (all of them for an admin), newest first, a page at a time:
 * 加载更多 appends the next page while there is one (a failed read is said, and the button stays
 * for a retry).
 */
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
    page = await readPage(null);
  } catch (error) {
    app.append(h('p', { class: 'form-error' }, error instanceof ApiError ? error.message : '加载失败'));
    return undefined;
  }
  if (page.campaigns.length === 0) {
    app.append(h('div', { class: 'card empty' }, '还没有活动。点击“新建活动”创建第一个。'));
    return undefined;
  }
  const rows = h('tbody', {}, ...page.campaigns.map(campaignRow));
  const more = h('button', { type: 'button', id: 'campaigns-more' }, '加载更多');
  const problem = h('p', { class: 'form-error', role: 'alert' });
  let cursor = page.nextCursor;
  more.hidden = cursor === null;
  more.addEventListener('click', () =>
    whileBusy(more, async () => {
      problem.textContent = '';
      try {
        const next = await readPage(cursor);
        rows.append(...next.campaigns.map(campaignRow));
        cursor = next.nextCursor;
      } catch (error) {
        problem.textContent = error instanceof ApiError ? error.message : '加载失败';
      }
    }).then(() => {
      more.hidden = cursor === null;
    }),
  );
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
      rows,
    ),
    problem,
    more,
  );
  return undefined;
}
