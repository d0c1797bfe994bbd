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
const SCREEN_VIEW_LABELS: Record<RankingView, string> = { candidates: '选手排名', groups: '分组排名' };

/** One of the screens' settings, as `PUT …/screen` names it and the campaign view holds it. */
interface ScreenSetting<K extends 'window' | 'view', V extends string> {
  key: K;
  field: K extends 'window' ? 'screenWindow' : 'screenView';
  id: string;
  label: string;
  ariaLabel: string;
  values: readonly V[];
  labels: Record<V, string>;
}

/**
 * A select of one screen setting: every open screen turns to the choice at once; a refusal puts
 * the select back and says why.
 */
function screenSettingField<K extends 'window' | 'view', V extends string>(
  campaign: CampaignView,
  setting: ScreenSetting<K, V>,
): HTMLElement {
  const current = (): string => campaign[setting.field];
  const choose = h(
    'select',
    {
      id: setting.id,
      'aria-label': setting.ariaLabel,
      onchange: async (event: Event) => {
        const select = event.currentTarget as HTMLSelectElement;
        const value = select.value as V;
        select.disabled = true;
        try {
          await api('PUT', `/api/campaigns/${campaign.id}/screen`, { [setting.key]: value });
          Object.assign(campaign, { [setting.field]: value });
          toast(`大屏已切换到${setting.labels[value]}`);
        } catch (error) {
          select.value = current();
          toast(error instanceof ApiError ? error.message : '切换失败', 'error');
        } finally {
          select.disabled = false;
        }
      },
    },
    ...setting.values.map((v) =>
      h('option', { value: v, ...(v === current() ? { selected: true } : {}) }, setting.labels[v]),
    ),
  );
  return h('label', { class: 'inline-field' }, `${setting.label} `, choose);
}

/** 大屏榜单: which ranking the big screens show. */
const screenWindowField = (campaign: CampaignView) =>
  screenSettingField(campaign, {
    key: 'window',
    field: 'screenWindow',
    id: 'screen-window',
    label: '大屏榜单',
    ariaLabel: '大屏显示的榜单',
    values: SCREEN_WINDOWS,
    labels: SCREEN_WINDOW_LABELS,
  });

/**
 * 大屏显示: the candidates, or the groups by their totals (分组榜). Shown for a campaign whose
 * candidates have groups.
 */
const screenViewField = (campaign: CampaignView) =>
  screenSettingField(campaign, {
    key: 'view',
    field: 'screenView',
    id: 'screen-view',
    label: '大屏显示',
    ariaLabel: '大屏显示选手排名或分组排名',
    values: RANKING_VIEWS,
    labels: SCREEN_VIEW_LABELS,
  });

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
