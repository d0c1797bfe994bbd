import {
  type CampaignMonitor,
  type CampaignView,
  HOST_EVENTS,
  HOST_NAMESPACE,
  type RiskAlert,
  type RiskDashboard,
} from '@rallyboard/core/protocol';
import { io } from 'socket.io-client';
import { ApiError, api, loadSession } from '../api.js';
import { echarts, networkChartOption, rateChartOption } from '../charts.js';
import type { Cleanup } from '../cleanup.js';
import { h } from '../dom.js';
import { formatCount, formatDuration, formatRate, formatShare, formatTime } from '../format.js';
import { STATUS_LABELS } from '../lifecycle.js';

const MONITOR_EVERY_MS = 2_000;
const DASHBOARD_EVERY_MS = 3_000;
const ALERTS_KEPT = 50;

function stat(id: string, label: string) {
  const value = h('div', { class: 'stat-value', id }, '—');
  const note = h('div', { class: 'stat-note' });
  return {
    el: h('div', { class: 'stat card' }, h('div', { class: 'stat-label' }, label), value, note),
    value,
    note,
  };
}

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

/**
 * The live monitor: votes per second, the queue's depth and the workers' lag, what was counted,
 * held and rejected (polled from /monitor every 2 s); the /16 networks, the top devices and IPs
 * (risk/dashboard every 3 s); and the alert stream, live on the host namespace.
 */
export function renderMonitor(body: HTMLElement, campaign: CampaignView): Cleanup {
  const rate = stat('stat-rate', '每秒票数（近 1 分钟）');
  const total = stat('stat-total', '排行榜总票数');
  const depth = stat('stat-queue', '队列深度（任务）');
  const lag = stat('stat-lag', '处理延迟');
  const counted = stat('stat-counted', '已计入');
  const held = stat('stat-held', '待审核');
  const rejected = stat('stat-rejected', '已拒绝');
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
  const alertList = h('ol', { class: 'alerts', id: 'alert-list', 'aria-live': 'polite' });

  body.append(
    h('div', { class: 'monitor-head' }, h('h2', {}, `实时监控 · ${STATUS_LABELS[campaign.status]}`), updated),
    h('div', { class: 'stats' }, ...[rate, total, depth, lag, counted, held, rejected].map((s) => s.el)),
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
      h('section', { class: 'card' }, h('h3', {}, '风险告警'), alertList),
    ),
  );
  const rateChart = echarts.init(rateBox);
  const netChart = echarts.init(netBox);
  const onResize = () => {
    rateChart.resize();
    netChart.resize();
  };
  window.addEventListener('resize', onResize);

  const alerts: RiskAlert[] = [];
  const drawAlerts = () => {
    alertList.replaceChildren(
      ...(alerts.length === 0
        ? [h('li', { class: 'muted' }, '暂无告警')]
        : alerts.map((a) =>
            h(
              'li',
              { class: `alert alert-${a.kind}` },
              h(
                'div',
                { class: 'alert-head' },
                h('strong', {}, a.kind === 'cluster' ? '聚集刷票' : '票数激增'),
                h('time', { datetime: a.at }, formatTime(a.at, campaign.schedule.timezone)),
              ),
              h('div', {}, a.text),
              h('div', { class: 'muted' }, a.advice),
            ),
          )),
    );
  };
  const addAlerts = (incoming: readonly RiskAlert[]) => {
    for (const a of incoming) if (!alerts.some((x) => x.id === a.id)) alerts.push(a);
    alerts.sort((x, y) => y.at.localeCompare(x.at));
    alerts.splice(ALERTS_KEPT);
    drawAlerts();
  };
  drawAlerts();

  let stopped = false;
  const drawMonitor = (m: CampaignMonitor) => {
    rate.value.textContent = formatRate(m.rate);
    rate.note.textContent = `最近一秒 ${formatCount(m.votesPerSecond.at(-1)?.votes ?? 0)} 票`;
    total.value.textContent = formatCount(m.total);
    depth.value.textContent = formatCount(m.queue.depth);
    depth.note.textContent = `等待 ${m.queue.waiting} · 处理中 ${m.queue.active} · 延后 ${m.queue.delayed}`;
    lag.value.textContent = formatDuration(m.queue.lagMs);
    lag.el.classList.toggle('warn', m.queue.lagMs > 5_000);
    const decided = m.verdicts.counted + m.verdicts.held + m.verdicts.rejected;
    counted.value.textContent = formatCount(m.verdicts.counted);
    held.value.textContent = formatCount(m.verdicts.held);
    held.note.textContent = `占 ${formatShare(m.verdicts.held, decided)}`;
    rejected.value.textContent = formatCount(m.verdicts.rejected);
    rejected.note.textContent = `占 ${formatShare(m.verdicts.rejected, decided)}`;
    rateChart.setOption(rateChartOption(m.votesPerSecond, campaign.schedule.timezone));
    updated.textContent = `更新于 ${formatTime(m.at, campaign.schedule.timezone).slice(11)}`;
    body.dataset.monitorAt = m.at;
  };
  const drawDashboard = (d: RiskDashboard) => {
    netChart.setOption(networkChartOption(d.networks16), { notMerge: true });
    tops.replaceChildren(
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
    );
  };

  // Each poll waits for the one before it: a slow answer never piles requests up.
  const poll = (every: number, once: () => Promise<void>) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        await once();
      } catch (error) {
        updated.textContent = error instanceof ApiError ? `更新失败：${error.message}` : '更新失败';
      }
      if (!stopped) timer = setTimeout(run, every);
    };
    void run();
    return () => clearTimeout(timer);
  };
  const stopMonitor = poll(MONITOR_EVERY_MS, async () =>
    drawMonitor(await api<CampaignMonitor>('GET', `/api/campaigns/${campaign.id}/monitor`)),
  );
  const stopDashboard = poll(DASHBOARD_EVERY_MS, async () =>
    drawDashboard(
      await api<RiskDashboard>('GET', `/api/campaigns/${campaign.id}/risk/dashboard?minutes=60&top=8`),
    ),
  );
  // Alerts arrive live. The list is read at once (whether or not the socket gets through), and
  // again after each reconnect, once the room is joined, for what came while the socket was down
  // (addAlerts keeps each alert once, however it arrived).
  const readAlerts = () =>
    api<{ alerts: RiskAlert[] }>('GET', `/api/campaigns/${campaign.id}/alerts?limit=20`).then(
      (a) => addAlerts(a.alerts),
      () => {},
    );
  void readAlerts();
  const socket = io(HOST_NAMESPACE, {
    auth: { token: loadSession()?.token ?? '' },
    transports: ['websocket'],
  });
  let connectedBefore = false;
  socket.on('connect', () => {
    const reconnected = connectedBefore;
    connectedBefore = true;
    socket.emit(HOST_EVENTS.subscribe, { campaignId: campaign.id }, () => {
      if (reconnected) void readAlerts();
    });
  });
  socket.on(HOST_EVENTS.alert, (alert: RiskAlert) => addAlerts([alert]));

  return () => {
    stopped = true;
    stopMonitor();
    stopDashboard();
    socket.close();
    window.removeEventListener('resize', onResize);
    rateChart.dispose();
    netChart.dispose();
  };
}
