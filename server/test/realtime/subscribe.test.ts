import { connectMongo } from '@rallyboard/core/db';
import { applyVote } from '@rallyboard/core/redis';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { connectSocket, subscribe, type TestSocket } from '../../../test/support/socket.js';
import { seedBoard, startTestServer, type TestServer } from '../../../test/support/stack.js';
import { boardRoom } from '../../src/realtime/types.js';

const config = testConfig();
let server: TestServer;
let mongo: Connection;
let socket: TestSocket;
let boardId: string;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
  boardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']);
  await applyVote(
    server.deps.redis,
    server.deps.keys,
    { voteId: 'seed-vote-1', boardId, candidateId: 'bob' },
    {
      dedupTtlSeconds: 60,
      origin: 'test',
    },
  );
  socket = await connectSocket(server.url);
});
afterAll(async () => {
  socket.disconnect();
  await server.close();
  await mongo.close();
});

describe('board:subscribe', () => {
  it('acks with a snapshot of the ranking and the board seq', async () => {
    expect(await subscribe(socket, boardId)).toEqual({
      boardId,
      seq: 1,
      entries: [{ rank: 1, candidateId: 'bob', score: 1 }],
    });
  });

  it('acks INVALID_INPUT for a malformed payload', async () => {
    const answer = await socket.timeout(5_000).emitWithAck('board:subscribe', { boardId: '{bad}' });
    expect(answer).toMatchObject({
      error: { code: 'INVALID_INPUT', details: [{ path: 'payload.boardId' }] },
    });
  });

  it('acks BOARD_NOT_FOUND for an unknown board and does not join its room', async () => {
    await expect(subscribe(socket, 'no-such-board')).rejects.toMatchObject({ code: 'BOARD_NOT_FOUND' });
    expect(server.io.sockets.adapter.rooms.get(boardRoom('no-such-board'))).toBeUndefined();
    expect(server.io.sockets.adapter.rooms.get(boardRoom(boardId))?.has(socket.id ?? '')).toBe(true);
  });
});

describe('board:unsubscribe', () => {
  it('acks with the board id', async () => {
    const answer = await socket.timeout(5_000).emitWithAck('board:unsubscribe', { boardId });
    expect(answer).toEqual({ data: { boardId } });
  });
});
