import { connectMongo } from '@rallyboard/core/db';
import type { ScreenView } from '@rallyboard/core/protocol';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../../test/support/config.js';
import { connectSocket, type TestSocket } from '../../../../test/support/socket.js';
import { eventually, startTestServer, type TestServer } from '../../../../test/support/stack.js';
import {
  campaignOf,
  connectHost,
  publishAlert,
  received,
  type WatchingHost,
  watchAlerts,
} from '../../support/host-socket-fixture.js';
import { call, campaignBody, createTestHost, type TestHost } from '../../support/hosts.js';

// Two servers on one Redis and one MongoDB: a host acts on one, a screen watches on the other.
// Servers never talk to each other; what a screen is told comes through Redis to each server.
const config = testConfig();
let mongo: Connection;
let servers: [TestServer, TestServer];
let host: TestHost;
const sockets: TestSocket[] = [];
const hostSockets: WatchingHost[] = [];

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  servers = [await startTestServer(config, mongo), await startTestServer(config, mongo)];
  host = await createTestHost(servers[0]);
});
afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  for (const watcher of hostSockets) watcher.socket.disconnect();
  for (const server of servers ?? []) await server.close();
  await mongo.close();
});

const move = async (server: TestServer, id: string, status: string) => {
  const answer = await call(server, host.token, 'POST', `/api/campaigns/${id}/status`, { status });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
};

describe("a campaign's screen on one server, its host on the other", () => {
  it('gets every status change the host makes, and is closed when the host revokes its tokens', async () => {
    const [hostSide, screenSide] = servers;
    const created = await call<{ id: string }>(hostSide, host.token, 'POST', '/api/campaigns', {
      ...campaignBody(),
      visibility: 'unlisted',
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const issued = await call<{ token: string }>(
      hostSide,
      host.token,
      'POST',
      `/api/campaigns/${id}/screen-token`,
    );
    expect(issued.status).toBe(200);
    // A draft has no screen yet; a scheduled campaign's shows its countdown.
    await move(hostSide, id, 'scheduled');

    const screen = await connectSocket(screenSide.url);
    sockets.push(screen);
    const views: ScreenView[] = [];
    screen.on('screen:updated', (view) => views.push(view));
    const answer = await screen
      .timeout(5_000)
      .emitWithAck('screen:subscribe', { campaignId: id, token: issued.body.token });
    expect(answer, JSON.stringify(answer)).toHaveProperty('data');

    await move(hostSide, id, 'live');
    await move(hostSide, id, 'frozen');
    await eventually(async () => views.at(-1)?.campaign.status === 'frozen', 5_000, 'the screen sees frozen');
    // (The move to scheduled may still be on its way when the screen subscribes: not counted.)
    expect(views.map((v) => v.campaign.status).filter((s) => s !== 'scheduled')).toEqual(['live', 'frozen']);

    const disconnected = new Promise((resolve) => screen.once('disconnect', resolve));
    const revoked = await call(hostSide, host.token, 'POST', `/api/campaigns/${id}/screen-token/revoke`);
    expect(revoked.status).toBe(200);
    await disconnected;
  });
});

describe("a campaign's risk alerts, with its host on two servers", () => {
  it('reach the host on each server once, whichever server the alert was raised beside', async () => {
    const campaignId = await campaignOf(servers[0], host);
    const watchers = await Promise.all(servers.map((server) => connectHost(server, host)));
    hostSockets.push(...watchers);
    for (const watcher of watchers) await watchAlerts(watcher, campaignId);

    // Workers raise an alert with one PUBLISH, as from any process on the same Redis.
    const first = await publishAlert(servers[0], campaignId);
    const second = await publishAlert(servers[1], campaignId);
    for (const watcher of watchers) {
      await received(watcher, first);
      await received(watcher, second);
    }
    // A while longer, so that a second delivery of either would have come too. Alerts published
    // by two connections have no order between them (on a Redis Cluster they may reach a
    // subscriber's node through different masters): each once, in either order.
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const watcher of watchers) {
      expect(watcher.alerts.map((alert) => alert.id).sort()).toEqual([first.id, second.id].sort());
    }
  });
});
