import { type AlertDoc, alertModel, alertView, recordAlert } from '@rallyboard/core/db';
import {
  HOST_EVENTS,
  HOST_NAMESPACE,
  type HostClientToServerEvents,
  type HostServerToClientEvents,
  type RiskAlert,
} from '@rallyboard/core/protocol';
import { io, type Socket } from 'socket.io-client';
import { expect } from 'vitest';
import { randomId } from '../../../test/support/config.js';
import { eventually, type TestServer } from '../../../test/support/stack.js';
import { call, campaignBody, type TestHost } from './hosts.js';

/**
 * What the `/host` socket tests share: a host's socket with the alerts it received, a campaign,
 * the admin's changes to hosts and co-hosts, and an alert published as the workers publish one.
 */

export type HostTestSocket = Socket<HostServerToClientEvents, HostClientToServerEvents>;

export interface WatchingHost {
  socket: HostTestSocket;
  alerts: RiskAlert[];
  /** Whether the server dropped the socket (a disconnect the client did not ask for). */
  dropped(): boolean;
}

/** A host's `/host` socket, connected, collecting every `risk:alert`. */
export async function connectHost(server: TestServer, host: TestHost): Promise<WatchingHost> {
  const socket: HostTestSocket = io(`${server.url}${HOST_NAMESPACE}`, {
    auth: { token: host.token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  const alerts: RiskAlert[] = [];
  let reason: string | undefined;
  socket.on(HOST_EVENTS.alert, (alert) => alerts.push(alert));
  socket.on('disconnect', (why) => {
    reason = why;
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return { socket, alerts, dropped: () => reason === 'io server disconnect' };
}

/** `alerts:subscribe`, answered with data. */
export async function watchAlerts(watcher: WatchingHost, campaignId: string): Promise<void> {
  const answer = await watcher.socket.timeout(5_000).emitWithAck(HOST_EVENTS.subscribe, { campaignId });
  expect(answer).toEqual({ data: { campaignId } });
}

/** A draft campaign created by `owner` through the API. */
export async function campaignOf(server: TestServer, owner: TestHost): Promise<string> {
  const created = await call<{ id: string }>(server, owner.token, 'POST', '/api/campaigns', campaignBody());
  expect(created.status).toBe(201);
  return created.body.id;
}

/** The admin sets a campaign's co-hosts (PATCH /api/campaigns/:id). */
export async function setCoHosts(
  server: TestServer,
  admin: TestHost,
  campaignId: string,
  hostIds: string[],
): Promise<void> {
  const answer = await call(server, admin.token, 'PATCH', `/api/campaigns/${campaignId}`, { hostIds });
  expect(answer.status).toBe(200);
}

/** The admin disables a host (PATCH /api/hosts/:id). */
export async function disableHost(server: TestServer, admin: TestHost, host: TestHost): Promise<void> {
  const answer = await call(server, admin.token, 'PATCH', `/api/hosts/${host.id}`, { disabled: true });
  expect(answer.status).toBe(200);
}

/**
 * Publishes a risk alert of the campaign on the channel the workers publish them on; with
 * `recorded`, on record first, as the workers raise one.
 */
export async function publishAlert(
  server: TestServer,
  campaignId: string,
  options: { recorded?: boolean } = {},
): Promise<RiskAlert> {
  const subject = randomId('device:dev-');
  const doc: AlertDoc = {
    _id: `${campaignId}:cluster:${subject}:1`,
    campaignId,
    kind: 'cluster',
    subject,
    text: `Cluster ${subject}: 4 accounts.`,
    advice: 'Open the review queue grouped by cluster.',
    data: { accounts: 4 },
    at: new Date(),
  };
  if (options.recorded) expect(await recordAlert(alertModel(server.deps.mongo), doc)).toBe(true);
  const alert = alertView(doc);
  await server.deps.redis.publish(server.deps.keys.riskAlerts, JSON.stringify(alert));
  return alert;
}

/** Waits until the watcher received the alert. */
export const received = (watcher: WatchingHost, alert: RiskAlert) =>
  eventually(async () => watcher.alerts.some((a) => a.id === alert.id), 5_000, `alert ${alert.id} received`);
