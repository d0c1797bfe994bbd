import type { CampaignMonitor, CampaignView, RiskDashboard } from '@rallyboard/core/protocol';
import { ApiError, api } from '../../api.js';
import { echarts, networkChartOption, rateChartOption } from '../../charts.js';
import type { Cleanup } from '../../cleanup.js';
import { h } from '../../dom.js';
import { formatCount, formatTime } from '../../format.js';
import { STATUS_LABELS } from '../../lifecycle.js';
import { alertFeed } from './alerts.js';
import { drawStats, monitorStats } from './stats.js';

const MONITOR_EVERY_MS = 2_000;
const DASHBOARD_EVERY_MS = 3_000;

function topTable(caption: string, head: [string, string], rows: [string, number][]): HTMLElement {
  return h(
    'table',
    { class: 'table compact' },
    h('caption', {}, caption),
    h(
      'thead',
      {},
      h('tr', {}, h('th', { scope: 'col' }, head[0]), h('th', { scope: 'col', class: 'num' }, head[1])),
    ),
    h(
      'tbody',
      {},
      ...(rows.length === 0
        ? [h('tr', {}, h('td', { colspan: 2, class: 'muted' }, '暂无数据'))]
        : rows.map(([k, v]) =>
            h('tr', {}, h('td', {}, h('code', {}, k)), h('td', { class: 'num' }, formatCount(v))),
          )),
    ),
  );
}

/** The devices seen with several accounts and the busiest IPs, from one risk/dashboard answer. */
const topTables = (d: RiskDashboard) => [
  topTable(
    '多账号设备',
    ['设备', '账号数'],
    d.topDevices.map((x) => [x.deviceId, x.accounts]),
  ),
  topTable(
    '票数最多的 IP',
    ['IP', '票数'],
    d.topIps.map((x) => [x.ip, x.votes]),
  ),
];

/**
 * Calls `once` every `every` ms until stopped; each call waits for the one before it, so a slow
 * answer never piles requests up. A failure is handed to `failed` and the polling goes on.
 */
function poll(every: number, once: () => Promise<void>, failed: (error: unknown) => void): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = async () => {
    try {
      await once();
    } catch (error) {
      failed(error);
    }
    if (!stopped) timer = setTimeout(run, every);
  };
  void run();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** The monitor's page: its head, the figures, the two charts, the top tables and the alerts. */
function monitorPage() {
  const stats = monitorStats();
  const updated = h('span', { class: 'muted', id: 'monitor-updated', role: 'status' }, '正在连接…');
  const rateBox = h('div', {
    class: 'chart',
    id: 'rate-chart',
    role: 'img',
    'aria-label': '近 1 分钟每秒票数折线图',
  });
  const netBox = h('div', {
    class: 'chart tall',
    id: 'network-chart',
    role: 'img',
    'aria-label': '按 /16 网段的票数分布柱状图',
  });
  const tops = h('div', { class: 'grid two tops' });
  return { stats, updated, rateBox, netBox, tops };
}

/**
 * The live monitor: votes per second, the queue's depth and the workers' lag, what was counted,
 * held and rejected (polled from /monitor every 2 s); the /16 networks, the top devices and IPs
 * (risk/dashboard every 3 s); and the alert stream, live on the host namespace.
 */
export function renderMonitor(body: HTMLElement, campaign: CampaignView): Cleanup {
  const tz = campaign.schedule.timezone;
  const { stats, updated, rateBox, netBox, tops } = monitorPage();
  const alerts = alertFeed(campaign);
  body.append(
    h('div', { class: 'monitor-head' }, h('h2', {}, `实时监控 · ${STATUS_LABELS[campaign.status]}`), updated),
    h('div', { class: 'stats' }, ...Object.values(stats).map((s) => s.el)),
    h(
      'div',
      { class: 'grid two' },
      h('section', { class: 'card' }, h('h3', {}, '每秒票数'), rateBox),
      h('section', { class: 'card' }, h('h3', {}, 'IP /16 网段分布'), netBox),
    ),
    h(
      'div',
      { class: 'grid two' },
      h('section', { class: 'card' }, h('h3', {}, '设备与 IP'), tops),
      h('section', { class: 'card' }, h('h3', {}, '风险告警'), alerts.list),
    ),
  );
  const rateChart = echarts.init(rateBox);
  const netChart = echarts.init(netBox);
  const onResize = () => {
    rateChart.resize();
    netChart.resize();
  };
  window.addEventListener('resize', onResize);

  const drawMonitor = (m: CampaignMonitor) => {
    drawStats(stats, m);
    rateChart.setOption(rateChartOption(m.votesPerSecond, tz));
    updated.textContent = `更新于 ${formatTime(m.at, tz).slice(11)}`;
    body.dataset.monitorAt = m.at;
  };
  const drawDashboard = (d: RiskDashboard) => {
    netChart.setOption(networkChartOption(d.networks16), { notMerge: true });
    tops.replaceChildren(...topTables(d));
  };
  const failed = (error: unknown) => {
    updated.textContent = error instanceof ApiError ? `更新失败：${error.message}` : '更新失败';
  };
  const stopMonitor = poll(
    MONITOR_EVERY_MS,
    async () => drawMonitor(await api<CampaignMonitor>('GET', `/api/campaigns/${campaign.id}/monitor`)),
    failed,
  );
  const stopDashboard = poll(
    DASHBOARD_EVERY_MS,
    async () =>
      drawDashboard(
        await api<RiskDashboard>('GET', `/api/campaigns/${campaign.id}/risk/dashboard?minutes=60&top=8`),
      ),
    failed,
  );
  const disconnect = alerts.connect();

  return () => {
    stopMonitor();
    stopDashboard();
    disconnect();
    window.removeEventListener('resize', onResize);
    rateChart.dispose();
    netChart.dispose();
  };
}
