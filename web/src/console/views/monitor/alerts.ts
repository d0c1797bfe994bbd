import { type CampaignView, HOST_EVENTS, HOST_NAMESPACE, type RiskAlert } from '@rallyboard/core/protocol';
import { io } from 'socket.io-client';
import { api, loadSession } from '../../api.js';
import type { Cleanup } from '../../cleanup.js';
import { h } from '../../dom.js';
import { formatTime } from '../../format.js';

const ALERTS_KEPT = 50;
const ALERT_LABELS: Record<RiskAlert['kind'], string> = {
  cluster: '聚集刷票',
  'candidate-spike': '票数激增',
  'dead-letter': '投票处理失败',
};

/** The alert stream: its list, and `connect`, which reads the alerts and follows new ones live. */
export interface AlertFeed {
  list: HTMLElement;
  connect(): Cleanup;
}

/** The newest alerts first, each once, at most ALERTS_KEPT, in the campaign's zone. */
export function alertFeed(campaign: CampaignView): AlertFeed {
  const list = h('ol', { class: 'alerts', id: 'alert-list', 'aria-live': 'polite' });
  const alerts: RiskAlert[] = [];
  const draw = () => {
    list.replaceChildren(
      ...(alerts.length === 0
        ? [h('li', { class: 'muted' }, '暂无告警')]
        : alerts.map((a) =>
            h(
              'li',
              { class: `alert alert-${a.kind}` },
              h(
                'div',
                { class: 'alert-head' },
                h('strong', {}, ALERT_LABELS[a.kind]),
                h('time', { datetime: a.at }, formatTime(a.at, campaign.schedule.timezone)),
              ),
              h('div', {}, a.text),
              h('div', { class: 'muted' }, a.advice),
            ),
          )),
    );
  };
  const add = (incoming: readonly RiskAlert[]) => {
    for (const a of incoming) if (!alerts.some((x) => x.id === a.id)) alerts.push(a);
    alerts.sort((x, y) => y.at.localeCompare(x.at));
    alerts.splice(ALERTS_KEPT);
    draw();
  };
  draw();

  const connect = (): Cleanup => {
    // Alerts arrive live. The list is read at once (whether or not the socket gets through), and
    // again after each reconnect, once the room is joined, for what came while the socket was down
    // (add keeps each alert once, however it arrived).
    const readAlerts = () =>
      api<{ alerts: RiskAlert[] }>('GET', `/api/campaigns/${campaign.id}/alerts?limit=20`).then(
        (a) => add(a.alerts),
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
    socket.on(HOST_EVENTS.alert, (alert: RiskAlert) => add([alert]));
    return () => {
      socket.close();
    };
  };
  return { list, connect };
}
