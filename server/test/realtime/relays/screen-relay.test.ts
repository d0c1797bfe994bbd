import { connectMongo } from '@rallyboard/core/db';
import type { ScreenView } from '@rallyboard/core/protocol';
import { createRedis, waitForReady } from '@rallyboard/core/redis';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../../test/support/config.js';
import { connectSocket, type TestSocket } from '../../../../test/support/socket.js';
import { eventually, startTestServer, type TestServer } from '../../../../test/support/stack.js';
import { listenApp } from '../../support/app.js';
import { call, campaignBody, createTestHost, type TestHost } from '../../support/hosts.js';
import { startTcpProxy } from '../../support/proxy.js';

// A screen's view when the screen relay's Redis subscription drops: a change published meanwhile
// is not lost.
const config = testConfig();
let mongo: Connection;
let server: TestServer;
let host: TestHost;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
  host = await createTestHost(server);
});
afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await server.close();
  await mongo.close();
});

const move = async (id: string, status: string) => {
  const answer = await call(server, host.token, 'POST', `/api/campaigns/${id}/status`, { status });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
};

describe('the screen relay', () => {
  it('sends screens the status a campaign moved to while its Redis subscription was down', async () => {
    // A second server whose relays listen through a proxy that can cut their Redis connection.
    const proxy = await startTcpProxy(config.redis.url);
    const subscriber = createRedis(proxy.url, 'subscriber', 'test-proxied');
    subscriber.on('error', () => {});
    await waitForReady(subscriber);
    const app = await listenApp({ ...server.deps, subscriber }, { relay: true });
    try {
      const created = await call<{ id: string }>(
        server,
        host.token,
        'POST',
        '/api/campaigns',
        campaignBody(),
      );
      expect(created.status).toBe(201);
      const id = created.body.id;
      await move(id, 'scheduled');
      await move(id, 'live');

      const screen = await connectSocket(app.url);
      sockets.push(screen);
      const views: ScreenView[] = [];
      screen.on('screen:updated', (view) => views.push(view));
      const answer = await screen.timeout(5_000).emitWithAck('screen:subscribe', { campaignId: id });
      expect(answer, JSON.stringify(answer)).toMatchObject({
        data: { screen: { campaign: { status: 'live' } } },
      });

      await proxy.cut();
      await eventually(async () => subscriber.status !== 'ready', 5_000, 'the subscriber to notice');
      // Published while nobody on the proxied server listens.
      await move(id, 'ended');
      await proxy.restore();
      await eventually(async () => subscriber.status === 'ready', 10_000, 'the subscriber to reconnect');

      // No further change comes: the relay sends the view again of its own after the reconnect.
      await eventually(
        async () => views.at(-1)?.campaign.status === 'ended',
        10_000,
        'the screen sees ended',
      );
    } finally {
      await app.close();
      subscriber.disconnect();
    }
  });
});
