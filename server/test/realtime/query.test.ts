import { connectMongo } from '@rallyboard/core/db';
import type { BoardQuery } from '@rallyboard/core/protocol';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../test/support/config.js';
import { connectSocket, query, type TestSocket } from '../../../test/support/socket.js';
import { seedBoard, startTestServer, type TestServer } from '../../../test/support/stack.js';
import { applyDirect, getJson } from '../support/boards.js';

const config = testConfig();
let server: TestServer;
let mongo: Connection;
let socket: TestSocket;
/** All-time: dave 3, bob 2, carol 1, alice 1, erin 0. A past day: alice 1. */
let boardId: string;
const PAST_DAY = '2026-02-01';

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
  boardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob', 'carol', 'dave', 'erin']);
  await applyDirect(server.deps, boardId, ['dave', 'bob', 'dave', 'carol', 'bob', 'dave']);
  await applyDirect(server.deps, boardId, [{ candidateId: 'alice', day: PAST_DAY }]);
  socket = await connectSocket(server.url);
});
afterAll(async () => {
  socket.disconnect();
  await server.close();
  await mongo.close();
});

const rest = async (path: string) => {
  const { status, body } = await getJson(`${server.url}/api/boards/${boardId}/${path}`);
  expect(status).toBe(200);
  return body;
};

describe('board:query answers what the REST route answers', () => {
  // Payloads as a client sends them: defaults (window, limit, k) left out where it may.
  const cases: [string, Record<string, unknown>, string][] = [
    ['top', { type: 'top', limit: 3 }, 'leaderboard?limit=3'],
    ['top with the default limit', { type: 'top' }, 'leaderboard'],
    ['top of today', { type: 'top', window: 'day', limit: 10 }, 'leaderboard?window=day'],
    ['range', { type: 'range', offset: 1, limit: 3 }, 'leaderboard?offset=1&limit=3'],
    [
      'range of a past day',
      { type: 'range', window: 'day', day: PAST_DAY, offset: 0, limit: 5 },
      `leaderboard?window=day&day=${PAST_DAY}&limit=5`,
    ],
    ['member', { type: 'member', candidateId: 'carol' }, 'members/carol'],
    [
      'member without votes today',
      { type: 'member', window: 'day', candidateId: 'erin' },
      'members/erin?window=day',
    ],
    ['around', { type: 'around', candidateId: 'carol', k: 1 }, 'members/carol/around?k=1'],
    [
      'around in a past day',
      { type: 'around', window: 'day', day: PAST_DAY, candidateId: 'alice', k: 2 },
      `members/alice/around?window=day&day=${PAST_DAY}&k=2`,
    ],
    ['totals', { type: 'totals' }, 'totals'],
    ['totals of today', { type: 'totals', window: 'day' }, 'totals?window=day'],
    ['top of this week', { type: 'top', window: 'week', limit: 10 }, 'leaderboard?window=week'],
    [
      'around in the month of a past day',
      { type: 'around', window: 'month', day: PAST_DAY, candidateId: 'alice', k: 2 },
      `members/alice/around?window=month&day=${PAST_DAY}&k=2`,
    ],
  ];

  it.each(cases)('%s', async (_, payload, path) => {
    const answer = await query(socket, { ...payload, boardId } as BoardQuery);
    expect(answer).toEqual(await rest(path));
  });

  it('with the seq and totals of the board', async () => {
    expect(await query(socket, { type: 'totals', boardId, window: 'all' })).toMatchObject({
      seq: 7,
      totals: { votes: 7, members: 5 },
    });
  });

  it('and joins no room', async () => {
    await query(socket, { type: 'top', boardId, window: 'all', limit: 3 });
    const rooms = [...(server.io.sockets.sockets.get(socket.id ?? '')?.rooms ?? [])];
    expect(rooms).toEqual([socket.id]);
  });
});

describe('board:query refusals', () => {
  it.each([
    ['an unknown type', { type: 'bottom', boardId: 'b1' }],
    ['a missing type', { boardId: 'b1' }],
    ['a board id with unsafe characters', { type: 'top', boardId: '{b1}' }],
    ['a member query without its candidate', { type: 'member', boardId: 'b1' }],
    ['a limit over 100', { type: 'top', boardId: 'b1', limit: 101 }],
    ['a field its type does not take', { type: 'totals', boardId: 'b1', limit: 3 }],
    ['a day that does not exist', { type: 'top', boardId: 'b1', window: 'day', day: '2026-02-30' }],
  ])('acks INVALID_INPUT for %s', async (_, payload) => {
    // biome-ignore lint/suspicious/noExplicitAny: deliberately not a valid payload
    const answer = await socket.timeout(5_000).emitWithAck('board:query', payload as any);
    expect(answer).toMatchObject({ error: { code: 'INVALID_INPUT', details: expect.any(Array) } });
  });

  it('acks INVALID_INPUT naming payload.day for a period that has not begun', async () => {
    const nextMonth = new Date(Date.now() + 40 * 86_400_000).toISOString().slice(0, 10);
    const answer = await socket
      .timeout(5_000)
      .emitWithAck('board:query', { type: 'top', boardId, window: 'month', day: nextMonth, limit: 3 });
    expect(answer).toMatchObject({
      error: { code: 'INVALID_INPUT', details: [{ path: 'payload.day', message: expect.any(String) }] },
    });
  });

  it('acks BOARD_NOT_FOUND for a board that does not exist', async () => {
    await expect(
      query(socket, { type: 'top', boardId: randomId('nowhere'), window: 'all', limit: 3 }),
    ).rejects.toMatchObject({
      code: 'BOARD_NOT_FOUND',
    });
  });

  it('acks UNKNOWN_MEMBER for a candidate the board does not have', async () => {
    for (const type of ['member', 'around'] as const) {
      const payload =
        type === 'member'
          ? ({ type, boardId, window: 'all', candidateId: 'mallory' } as const)
          : ({ type, boardId, window: 'all', candidateId: 'mallory', k: 2 } as const);
      await expect(query(socket, payload)).rejects.toMatchObject({ code: 'UNKNOWN_MEMBER' });
    }
  });
});
