import { connectMongo } from '@rallyboard/core/db';
import type { ScreenView } from '@rallyboard/core/protocol';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../../test/support/config.js';
import { connectSocket, type TestSocket } from '../../../../test/support/socket.js';
import { eventually, startTestServer, type TestServer } from '../../../../test/support/stack.js';
import { listenProxiedRelay } from '../../support/app.js';
import { call, campaignBody, createTestHost, type TestHost } from '../../support/hosts.js';

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
    const app = await listenProxiedRelay(server.deps, config.redis.url);
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

      await app.drop();
      // Published while nobody on the proxied server listens.
      await move(id, 'ended');
      await app.restore();

      // No further change comes: the relay sends the view again of its own after the reconnect.
      await eventually(
        async () => views.at(-1)?.campaign.status === 'ended',
        10_000,
        'the screen sees ended',
      );
    } finally {
      await app.close();
    }
  });
});
