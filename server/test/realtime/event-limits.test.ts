import { connectMongo } from '@rallyboard/core/db';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { connectSocket, type TestSocket } from '../../../test/support/socket.js';
import { seedBoard, startTestServer, type TestServer } from '../../../test/support/stack.js';

// The socket limits at their defaults (the test env turns them off for the other tests).
const config = testConfig({
  RATE_LIMIT_SOCKET_EVENTS_PER_IP: undefined,
  RATE_LIMIT_EVENTS_PER_SOCKET: undefined,
});
let server: TestServer;
let mongo: Connection;
let boardId: string;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
  boardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']);
});
afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await server.close();
  await mongo.close();
});

async function open(): Promise<TestSocket> {
  const socket = await connectSocket(server.url);
  sockets.push(socket);
  return socket;
}

const codeOf = (answer: object) => ('error' in answer ? (answer.error as { code: string }).code : 'ok');

describe('socket events', () => {
  it('answer a venue crowd on one address: 300 phones subscribing and querying at once', async () => {
    const crowd = await Promise.all(Array.from({ length: 300 }, () => open()));
    const answers = await Promise.all(
      crowd.map(async (socket) => [
        await socket.timeout(10_000).emitWithAck('board:subscribe', { boardId, window: 'all' }),
        await socket
          .timeout(10_000)
          .emitWithAck('board:query', { type: 'top', boardId, window: 'all', limit: 10 }),
      ]),
    );
    expect(answers.flat().map(codeOf)).toEqual(answers.flat().map(() => 'ok'));
    for (const socket of crowd) socket.disconnect();
  });

  it('answer RATE_LIMITED in the ack once one socket floods board:query', async () => {
    const socket = await open();
    const answers = await Promise.all(
      Array.from({ length: 100 }, () =>
        socket.timeout(10_000).emitWithAck('board:query', { type: 'top', boardId, window: 'all', limit: 10 }),
      ),
    );
    const codes = answers.map(codeOf);
    const allowed = config.rateLimits.eventsPerSocket;
    expect(codes.filter((c) => c === 'ok')).toHaveLength(allowed);
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(100 - allowed);
    const limited = answers.find((a) => 'error' in a);
    expect(limited && 'error' in limited ? limited.error.details : undefined).toMatchObject({
      scope: 'socket',
      retryAfterSeconds: expect.any(Number),
    });
    // Another socket still has its own budget.
    const other = await open();
    expect(
      codeOf(
        await other
          .timeout(5_000)
          .emitWithAck('board:query', { type: 'top', boardId, window: 'all', limit: 10 }),
      ),
    ).toBe('ok');
  });

  it('answer RATE_LIMITED for board:subscribe and screen:subscribe too, past the budget', async () => {
    const socket = await open();
    const events = Array.from({ length: config.rateLimits.eventsPerSocket + 5 }, (_, i) =>
      i % 2 === 0
        ? socket.timeout(10_000).emitWithAck('board:subscribe', { boardId, window: 'all' })
        : socket.timeout(10_000).emitWithAck('screen:subscribe', { campaignId: boardId }),
    );
    const codes = (await Promise.all(events)).map(codeOf);
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(5);
  });
});
