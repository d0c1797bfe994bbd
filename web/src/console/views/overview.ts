import {
  type CampaignView,
  type QueueSession,
  RANKING_VIEWS,
  type RankingView,
  SCREEN_WINDOWS,
  type ScreenWindow,
} from '@rallyboard/core/protocol';
import { ApiError, api, download, loadSession } from '../api.js';
import { confirmDialog, h, toast } from '../dom.js';
import { formatTime } from '../format.js';
import { type LifecycleAction, lifecycleActions, STATUS_LABELS } from '../lifecycle.js';

async function act(campaign: CampaignView, action: LifecycleAction): Promise<void> {
  const ok = await confirmDialog({
    title: `${action.label}：${campaign.title}`,
    message: action.confirm,
    confirm: `确定${action.label}`,
    danger: action.danger,
  });
  if (!ok) return;
  try {
    if (action.to) await api('POST', `/api/campaigns/${campaign.id}/status`, { status: action.to });
    else await api('POST', `/api/campaigns/${campaign.id}/reveal`);
    toast(action.to ? `活动已${STATUS_LABELS[action.to].replace(/^已/, '')}` : '已开始揭晓');
    // Render again from the server's answer: the status and the buttons it allows now.
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } catch (error) {
    toast(error instanceof ApiError ? error.message : '操作失败', 'error');
  }
}

/** Opens the screen: an unlisted campaign's needs a screen token, so the console always asks for one. */
async function openScreen(campaign: CampaignView): Promise<void> {
  const target = window.open('about:blank', '_blank');
  try {
    const { token } = await api<{ token: string }>('POST', `/api/campaigns/${campaign.id}/screen-token`);
    // The token in the fragment: the browser never sends it, so no log keeps it (docs/screen.md).
    const url = `/screen/${encodeURIComponent(campaign.id)}#token=${encodeURIComponent(token)}`;
    if (target) target.location.href = url;
    else location.href = url;
  } catch (error) {
    target?.close();
    toast(error instanceof ApiError ? error.message : '无法打开大屏', 'error');
  }
}

const SCREEN_WINDOW_LABELS: Record<ScreenWindow, string> = { all: '总榜', day: '今日榜', week: '本周榜' };

/** 大屏榜单: which ranking the big screens show; every open screen turns to it at once. */
function screenWindowField(campaign: CampaignView): HTMLElement {
  const choose = h(
    'select',
    {
      id: 'screen-window',
      'aria-label': '大屏显示的榜单',
      onchange: async (event: Event) => {
        const select = event.currentTarget as HTMLSelectElement;
        const window = select.value as ScreenWindow;
        select.disabled = true;
        try {
          await api('PUT', `/api/campaigns/${campaign.id}/screen`, { window });
          campaign.screenWindow = window;
          toast(`大屏已切换到${SCREEN_WINDOW_LABELS[window]}`);
        } catch (error) {
          select.value = campaign.screenWindow;
          toast(error instanceof ApiError ? error.message : '切换失败', 'error');
        } finally {
          select.disabled = false;
        }
      },
    },
    ...SCREEN_WINDOWS.map((w) =>
      h(
        'option',
        { value: w, ...(w === campaign.screenWindow ? { selected: true } : {}) },
        SCREEN_WINDOW_LABELS[w],
      ),
    ),
  );
  return h('label', { class: 'inline-field' }, '大屏榜单 ', choose);
}

const SCREEN_VIEW_LABELS: Record<RankingView, string> = { candidates: '选手排名', groups: '分组排名' };

/**
 * 大屏显示: the candidates, or the groups by their totals (分组榜), on every open screen at once.
 * Shown for a campaign whose candidates have groups.
 */
function screenViewField(campaign: CampaignView): HTMLElement {
  const choose = h(
    'select',
    {
      id: 'screen-view',
      'aria-label': '大屏显示选手排名或分组排名',
      onchange: async (event: Event) => {
        const select = event.currentTarget as HTMLSelectElement;
        const view = select.value as RankingView;
        select.disabled = true;
        try {
          await api('PUT', `/api/campaigns/${campaign.id}/screen`, { view });
          campaign.screenView = view;
          toast(`大屏已切换到${SCREEN_VIEW_LABELS[view]}`);
        } catch (error) {
          select.value = campaign.screenView;
          toast(error instanceof ApiError ? error.message : '切换失败', 'error');
        } finally {
          select.disabled = false;
        }
      },
    },
    ...RANKING_VIEWS.map((v) =>
      h(
        'option',
        { value: v, ...(v === campaign.screenView ? { selected: true } : {}) },
        SCREEN_VIEW_LABELS[v],
      ),
    ),
  );
  return h('label', { class: 'inline-field' }, '大屏显示 ', choose);
}

/** A CSV export: fetched with the host's token and saved; the button waits while it downloads. */
function exportButton(campaign: CampaignView, what: 'results' | 'ledger', label: string): HTMLButtonElement {
  return h(
    'button',
    {
      type: 'button',
      onclick: async (event: Event) => {
        const button = event.currentTarget as HTMLButtonElement;
        button.disabled = true;
        try {
          const { name } = await download(`/api/campaigns/${campaign.id}/export/${what}.csv`, `${what}.csv`);
          toast(`已下载 ${name}`);
        } catch (error) {
          toast(error instanceof ApiError ? error.message : '导出失败', 'error');
        } finally {
          button.disabled = false;
        }
      },
    },
    label,
  );
}

/** For admins: opens bull-board with a queue session cookie (a navigation cannot send the token). */
function queuesButton(): HTMLElement {
  return h(
    'div',
    { class: 'actions' },
    h(
      'button',
      {
        type: 'button',
        onclick: async () => {
          try {
            const session = await api<QueueSession>('POST', '/api/admin/queue-session');
            window.open(session.url, '_blank');
          } catch (error) {
            toast(error instanceof ApiError ? error.message : '无法打开队列', 'error');
          }
        },
      },
      '查看任务队列（管理员）',
    ),
  );
}

/** 活动进程: the status, the schedule and the lifecycle buttons its status allows. */
function lifecycleSection(campaign: CampaignView): HTMLElement {
  const actions = lifecycleActions(campaign.status);
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'lifecycle-title' },
    h('h2', { id: 'lifecycle-title' }, '活动进程'),
    h(
      'p',
      {},
      '当前状态：',
      h(
        'strong',
        { class: `status-text status-${campaign.status}`, id: 'status-text' },
        STATUS_LABELS[campaign.status],
      ),
    ),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, '开始'),
      h('dd', {}, formatTime(campaign.schedule.startAt, campaign.schedule.timezone)),
      h('dt', {}, '结束'),
      h('dd', {}, formatTime(campaign.schedule.endAt, campaign.schedule.timezone)),
      h('dt', {}, '候选'),
      h('dd', {}, `${campaign.members.length} 位`),
      h('dt', {}, '活动编号'),
      h('dd', {}, h('code', {}, campaign.id)),
    ),
    h(
      'div',
      { class: 'actions', id: 'lifecycle' },
      ...actions.map((a) =>
        h(
          'button',
          {
            type: 'button',
            class: a.danger ? 'danger-outline' : 'primary',
            'data-action': a.id,
            onclick: () => void act(campaign, a),
          },
          a.label,
        ),
      ),
      actions.length === 0 ? h('span', { class: 'muted' }, '活动已归档，没有可执行的操作') : null,
    ),
  );
}

/** 大屏与导出: the big screen, the two CSV exports and, for admins, the queues. */
function toolsSection(campaign: CampaignView): HTMLElement {
  const admin = loadSession()?.host.role === 'admin';
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'tools-title' },
    h('h2', { id: 'tools-title' }, '大屏与导出'),
    h(
      'div',
      { class: 'actions' },
      h(
        'button',
        { type: 'button', class: 'primary', id: 'open-screen', onclick: () => void openScreen(campaign) },
        '打开大屏',
      ),
      screenWindowField(campaign),
      ...(campaign.groups.length > 0 || campaign.screenView === 'groups' ? [screenViewField(campaign)] : []),
    ),
    h('p', { class: 'muted' }, 'CSV 文件为 UTF-8 编码（带 BOM），可直接用 Excel 打开。'),
    h(
      'div',
      { class: 'actions' },
      exportButton(campaign, 'results', '导出排名 CSV'),
      exportButton(campaign, 'ledger', '导出投票明细 CSV'),
    ),
    admin ? queuesButton() : null,
  );
}

/**
 * The campaign at a glance: its status, the lifecycle buttons its status allows (each asks first,
 * in the page's dialog), the big screen, the CSV exports and, for admins, the queues.
 */
export function renderOverview(body: HTMLElement, campaign: CampaignView): undefined {
  body.append(h('div', { class: 'grid two' }, lifecycleSection(campaign), toolsSection(campaign)));
  return undefined;
}
