import { connectMongo } from '@rallyboard/core/db';
import type { Connection } from 'mongoose';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { connectSocket, type TestSocket } from '../../../test/support/socket.js';
import { seedBoard, startTestServer, type TestServer } from '../../../test/support/stack.js';

const config = testConfig();
let server: TestServer;
let mongo: Connection;
let boardId: string;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
  boardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']);
});
afterAll(async () => {
  await server.close();
  await mongo.close();
});

/** Emits `payload` as a board:query and answers how it ended: an ack's code, or the disconnect. */
async function outcome(socket: TestSocket, payload: object): Promise<string> {
  return new Promise((resolve) => {
    socket.once('disconnect', (reason) => resolve(`disconnected: ${reason}`));
    socket.emit('board:query', payload as never, (answer) =>
      resolve('error' in answer ? answer.error.code : 'ok'),
    );
  });
}

describe('socket payloads', () => {
  it('answers the largest real event: a screen:subscribe with a long token', async () => {
    const socket = await connectSocket(server.url);
    const answer = await socket
      .timeout(5_000)
      .emitWithAck('screen:subscribe', { campaignId: boardId, token: 'x'.repeat(2_000) });
    expect('error' in answer && answer.error.code).not.toBe(undefined);
    expect(socket.connected).toBe(true);
    socket.disconnect();
  });

  it('drops a socket that sends a payload far past any real event (100 KB)', async () => {
    const socket = await connectSocket(server.url);
    const padding = 'x'.repeat(100_000);
    expect(await outcome(socket, { type: 'top', boardId, window: 'all', limit: 10, padding })).toMatch(
      /^disconnected/,
    );
  });

  it('refuses an oversized body over long-polling too', async () => {
    const socket: TestSocket = io(server.url, {
      transports: ['polling'],
      reconnection: false,
      forceNew: true,
    });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const padding = 'x'.repeat(100_000);
    expect(await outcome(socket, { type: 'top', boardId, window: 'all', limit: 10, padding })).toMatch(
      /^disconnected/,
    );
  });
});
