import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectMongo } from '@rallyboard/core/db';
import type { ScreenWindow } from '@rallyboard/core/protocol';
import { createWeChatApi } from '@rallyboard/core/wechat';
import type { Connection } from 'mongoose';
import { Server } from 'socket.io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../../test/support/config.js';
import { connectSocket, type TestSocket } from '../../../../test/support/socket.js';
import { startTestServer, type TestServer } from '../../../../test/support/stack.js';
import { createBoardLookup } from '../../../src/boards/lookup.js';
import { registerScreenSubscribe } from '../../../src/realtime/handlers/screen-subscribe.js';
import { boardRoom, type RealtimeServer } from '../../../src/realtime/types.js';
import { createScreens } from '../../../src/screens/screens.js';
import { call, campaignBody, createTestHost, type TestHost } from '../../support/hosts.js';

const config = testConfig();
let mongo: Connection;
let server: TestServer;
let host: TestHost;
/** socket.io with screen:subscribe alone, over screens whose reads of a campaign the test can get between. */
let screensIo: RealtimeServer;
let screensUrl: string;
const sockets: TestSocket[] = [];
/** Runs once, when the next screen:subscribe has read its campaign (and before it reads it again). */
let afterRead: (() => Promise<void>) | undefined;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
  host = await createTestHost(server);
  const { redis, keys, logger } = server.deps;
  const reads = { redis, keys, boards: createBoardLookup({ config, redis, keys, mongo }) };
  const screens = createScreens({
    ...reads,
    config,
    mongo,
    wechat: createWeChatApi({ config, keys, redis }),
  });
  const httpServer = createServer();
  screensIo = new Server(httpServer);
  screensIo.on('connection', (socket) =>
    registerScreenSubscribe(socket, {
      ...reads,
      logger,
      config,
      screens: {
        async open(campaignId, token) {
          const campaign = await screens.open(campaignId, token);
          const change = afterRead;
          afterRead = undefined;
          await change?.();
          return campaign;
        },
        view: (campaign) => screens.view(campaign),
      },
    }),
  );
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  screensUrl = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await new Promise<void>((resolve) => {
    screensIo.close(() => resolve());
  });
  await server.close();
  await mongo.close();
});

async function liveCampaign(): Promise<string> {
  const created = await call<{ id: string }>(server, host.token, 'POST', '/api/campaigns', campaignBody());
  expect(created.status).toBe(201);
  for (const status of ['scheduled', 'live']) {
    const moved = await call(server, host.token, 'POST', `/api/campaigns/${created.body.id}/status`, {
      status,
    });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
  }
  return created.body.id;
}

/** The host puts a window on the campaign's screens. */
async function putScreen(campaignId: string, window: ScreenWindow): Promise<void> {
  const answer = await call(server, host.token, 'PUT', `/api/campaigns/${campaignId}/screen`, { window });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
}

const inRoom = (socket: TestSocket, campaignId: string, window: ScreenWindow) =>
  screensIo.sockets.adapter.rooms.get(boardRoom(campaignId, window))?.has(socket.id ?? '') ?? false;

describe('screen:subscribe', () => {
  it.each([
    ['all', 'day'],
    ['day', 'all'],
  ] as const)(
    'acks and joins the ranking the host moved the screen to from %s to %s while it subscribed',
    async (before, after) => {
      const campaignId = await liveCampaign();
      await putScreen(campaignId, before);
      const socket = await connectSocket(screensUrl);
      sockets.push(socket);
      afterRead = () => putScreen(campaignId, after);

      const answer = await socket.timeout(5_000).emitWithAck('screen:subscribe', { campaignId });
      if ('error' in answer) throw new Error(JSON.stringify(answer.error));
      expect(afterRead).toBeUndefined();
      expect(answer.data.screen.window).toBe(after);
      expect(answer.data.board.window).toBe(after);
      expect(inRoom(socket, campaignId, after)).toBe(true);
      expect(inRoom(socket, campaignId, before)).toBe(false);
    },
  );
});
