import { connectMongo } from '@rallyboard/core/db';
import { type BoardView, groupIdOf } from '@rallyboard/core/protocol';
import { changeBoardStatus } from '@rallyboard/core/redis';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../test/support/config.js';
import { connectSocket, subscribe, type TestSocket } from '../../../test/support/socket.js';
import { seedBoard, startTestServer, type TestServer } from '../../../test/support/stack.js';
import { boardRoom } from '../../src/realtime/types.js';
import { listenApp } from '../support/app.js';
import { applyDirect, aroundToday, getJson, loseBoardState } from '../support/boards.js';

const config = testConfig({ LEADERBOARD_TOP_N: '3' });
let server: TestServer;
let mongo: Connection;
/** All-time: dave 3, bob 2, carol 1, alice 0, erin 0. Today: dave 3, bob 2, carol 1. */
let boardId: string;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
  boardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob', 'carol', 'dave', 'erin']);
  await applyDirect(server.deps, boardId, ['dave', 'bob', 'dave', 'carol', 'bob', 'dave']);
});
afterAll(async () => {
  await server.close();
  await mongo.close();
});

/** A fresh socket for one test, disconnected at its end. */
async function withSocket(test: (socket: TestSocket) => Promise<void>): Promise<void> {
  const socket = await connectSocket(server.url);
  try {
    await test(socket);
  } finally {
    socket.disconnect();
  }
}

/** The board rooms a socket is in (socket.io also puts each socket in a room of its own id). */
const roomsOf = (socket: TestSocket) =>
  [...(server.io.sockets.sockets.get(socket.id ?? '')?.rooms ?? [])].filter((room) => room !== socket.id);

const inRoom = (socket: TestSocket, board: string, window: 'all' | 'day') =>
  server.io.sockets.adapter.rooms.get(boardRoom(board, window))?.has(socket.id ?? '') ?? false;

describe('board:subscribe', () => {
  it('acks with a view of the top N, the board seq and totals', () =>
    withSocket(async (socket) => {
      expect(await subscribe(socket, boardId)).toEqual({
        boardId,
        window: 'all',
        day: null,
        seq: 6,
        totals: { votes: 6, members: 5 },
        entries: [
          { rank: 1, candidateId: 'dave', score: 3 },
          { rank: 2, candidateId: 'bob', score: 2 },
          { rank: 3, candidateId: 'carol', score: 1 },
        ],
      });
    }));

  it('acks with the same view the REST leaderboard answers for the top N', () =>
    withSocket(async (socket) => {
      const { body } = await getJson<BoardView>(`${server.url}/api/boards/${boardId}/leaderboard?limit=3`);
      expect(await subscribe(socket, boardId)).toEqual(body);
    }));

  it("joins the board window's room", () =>
    withSocket(async (socket) => {
      await subscribe(socket, boardId);
      expect(inRoom(socket, boardId, 'all')).toBe(true);
      expect(inRoom(socket, boardId, 'day')).toBe(false);
    }));

  it('takes the all-time window when none is given', () =>
    withSocket(async (socket) => {
      const answer = await socket.timeout(5_000).emitWithAck('board:subscribe', { boardId });
      expect(answer).toMatchObject({ data: { window: 'all', day: null } });
    }));

  it("acks today's view for the day window, today in the board's timezone, and joins the day room", () =>
    withSocket(async (socket) => {
      const board = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob'], {
        timezone: 'Pacific/Kiritimati',
      });
      await applyDirect(server.deps, board, ['bob'], 'Pacific/Kiritimati');
      // A vote of another day does not show in today's view.
      await applyDirect(server.deps, board, [{ candidateId: 'alice', day: '2026-01-01' }]);
      const [view, days] = await aroundToday('Pacific/Kiritimati', () => subscribe(socket, board, 'day'));
      expect(days).toContain(view.day);
      expect(view).toEqual({
        boardId: board,
        window: 'day',
        day: view.day,
        seq: 2,
        totals: { votes: 1, members: 2 },
        entries: [{ rank: 1, candidateId: 'bob', score: 1 }],
      });
      expect(inRoom(socket, board, 'day')).toBe(true);
      expect(inRoom(socket, board, 'all')).toBe(false);
    }));

  it('acks an empty day view for a board without votes today', () =>
    withSocket(async (socket) => {
      const board = await seedBoard(config, server.deps.redis, mongo, ['alice']);
      const [view, days] = await aroundToday('Asia/Shanghai', () => subscribe(socket, board, 'day'));
      expect(view).toMatchObject({ window: 'day', seq: 0, totals: { votes: 0, members: 1 }, entries: [] });
      expect(days).toContain(view.day);
    }));

  it.each([
    ['a board id with unsafe characters', { boardId: '{bad}' }, ['payload.boardId']],
    ['an unknown window', { boardId: 'b1', window: 'year' }, ['payload.window']],
    ['an unknown field', { boardId: 'b1', extra: true }, ['payload']],
    ['no board id', {}, ['payload.boardId']],
  ])('acks INVALID_INPUT naming the field for %s, and joins no room', (_, payload, paths) =>
    withSocket(async (socket) => {
      // biome-ignore lint/suspicious/noExplicitAny: deliberately not a valid payload
      const answer = await socket.timeout(5_000).emitWithAck('board:subscribe', payload as any);
      expect(answer).toEqual({
        error: {
          code: 'INVALID_INPUT',
          message: expect.any(String),
          details: paths.map((path) => ({ path, message: expect.any(String) })),
        },
      });
      expect(roomsOf(socket)).toEqual([]);
    }),
  );

  it('acks INVALID_INPUT for a payload that is not an object', () =>
    withSocket(async (socket) => {
      // biome-ignore lint/suspicious/noExplicitAny: deliberately not a valid payload
      const answer = await socket.timeout(5_000).emitWithAck('board:subscribe', 'board-1' as any);
      expect(answer).toMatchObject({ error: { code: 'INVALID_INPUT' } });
    }));

  it('acks BOARD_NOT_FOUND for a board that does not exist, and is not left in its room', () =>
    withSocket(async (socket) => {
      const missing = randomId('nowhere');
      await expect(subscribe(socket, missing)).rejects.toMatchObject({ code: 'BOARD_NOT_FOUND' });
      await expect(subscribe(socket, missing, 'day')).rejects.toMatchObject({ code: 'BOARD_NOT_FOUND' });
      expect(server.io.sockets.adapter.rooms.get(boardRoom(missing, 'all'))).toBeUndefined();
      expect(server.io.sockets.adapter.rooms.get(boardRoom(missing, 'day'))).toBeUndefined();
      expect(roomsOf(socket)).toEqual([]);
    }));

  it('acks BOARD_NOT_FOUND for a board Redis lost, and is not left in its room', () =>
    withSocket(async (socket) => {
      const board = await seedBoard(config, server.deps.redis, mongo, ['alice']);
      await loseBoardState(server.deps.redis, server.deps.keys, board);
      await expect(subscribe(socket, board)).rejects.toMatchObject({ code: 'BOARD_NOT_FOUND' });
      expect(inRoom(socket, board, 'all')).toBe(false);
    }));

  it('keeps the rooms a socket already watches when a later subscribe fails', () =>
    withSocket(async (socket) => {
      await subscribe(socket, boardId);
      await expect(subscribe(socket, randomId('nowhere'))).rejects.toMatchObject({ code: 'BOARD_NOT_FOUND' });
      expect(inRoom(socket, boardId, 'all')).toBe(true);
    }));

  it('lets one socket watch both windows of a board and several boards', () =>
    withSocket(async (socket) => {
      const other = await seedBoard(config, server.deps.redis, mongo, ['alice']);
      await subscribe(socket, boardId, 'all');
      await subscribe(socket, boardId, 'day');
      await subscribe(socket, other, 'all');
      expect([
        inRoom(socket, boardId, 'all'),
        inRoom(socket, boardId, 'day'),
        inRoom(socket, other, 'all'),
      ]).toEqual([true, true, true]);
    }));
});

describe('board:subscribe on a server whose cached status predates a freeze', () => {
  it("acks the freeze's snapshot, not a vote counted after the freeze", async () => {
    // Another server, which caches a board's status for a minute and has not heard the freeze's
    // reset (no relay): what a server's cache holds between a freeze elsewhere and that reset.
    const stale = await listenApp({
      ...server.deps,
      config: { ...config, ingest: { ...config.ingest, boardCacheMs: 60_000 } },
    });
    const socket = await connectSocket(stale.url);
    try {
      const board = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob'], {
        groups: { alice: 'red', bob: 'blue' },
      });
      await applyDirect(server.deps, board, ['alice', 'bob', 'bob']);
      expect(await subscribe(socket, board)).toMatchObject({ seq: 3 });
      const freeze = await changeBoardStatus(server.deps.redis, server.deps.keys, board, 'frozen');
      expect(freeze).toMatchObject({ outcome: 'frozen', seq: 3 });
      await applyDirect(server.deps, board, ['alice', 'alice']);

      expect(await subscribe(socket, board)).toMatchObject({
        seq: 3,
        totals: { votes: 3 },
        entries: [
          { rank: 1, candidateId: 'bob', score: 2 },
          { rank: 2, candidateId: 'alice', score: 1 },
        ],
      });
      expect(await subscribe(socket, board, 'all', { view: 'groups' })).toMatchObject({
        seq: 3,
        totals: { votes: 3 },
        entries: [
          { rank: 1, candidateId: groupIdOf('blue'), score: 2 },
          { rank: 2, candidateId: groupIdOf('red'), score: 1 },
        ],
      });
    } finally {
      socket.disconnect();
      await stale.close();
    }
  });
});

describe('board:subscribe on a server whose cached status predates the end of a freeze', () => {
  it('answers the live ranking, not the freeze whose keys are gone', async () => {
    const stale = await listenApp({
      ...server.deps,
      config: { ...config, ingest: { ...config.ingest, boardCacheMs: 60_000 } },
    });
    const socket = await connectSocket(stale.url);
    try {
      const board = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']);
      await applyDirect(server.deps, board, ['alice', 'bob', 'bob']);
      await changeBoardStatus(server.deps.redis, server.deps.keys, board, 'frozen');
      // This server reads the freeze, and keeps its status for its cache's minute.
      expect(await subscribe(socket, board)).toMatchObject({ seq: 3 });
      await applyDirect(server.deps, board, ['alice', 'alice']);
      // Ended on another server: the freeze's keys are deleted.
      await changeBoardStatus(server.deps.redis, server.deps.keys, board, 'ended');

      expect(await subscribe(socket, board)).toMatchObject({
        seq: 5,
        totals: { votes: 5 },
        entries: [
          { rank: 1, candidateId: 'alice', score: 3 },
          { rank: 2, candidateId: 'bob', score: 2 },
        ],
      });
    } finally {
      socket.disconnect();
      await stale.close();
    }
  });
});

describe('board:unsubscribe', () => {
  it('acks with the board window and leaves its room', () =>
    withSocket(async (socket) => {
      await subscribe(socket, boardId, 'all');
      await subscribe(socket, boardId, 'day');
      const answer = await socket.timeout(5_000).emitWithAck('board:unsubscribe', { boardId, window: 'all' });
      expect(answer).toEqual({ data: { boardId, window: 'all' } });
      expect(inRoom(socket, boardId, 'all')).toBe(false);
      expect(inRoom(socket, boardId, 'day')).toBe(true);
    }));

  it('acks INVALID_INPUT for a malformed payload', () =>
    withSocket(async (socket) => {
      const answer = await socket.timeout(5_000).emitWithAck('board:unsubscribe', { boardId: '{bad}' });
      expect(answer).toMatchObject({
        error: { code: 'INVALID_INPUT', details: [{ path: 'payload.boardId' }] },
      });
    }));
});
