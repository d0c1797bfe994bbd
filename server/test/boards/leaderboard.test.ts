import { connectMongo } from '@rallyboard/core/db';
import type { BoardView, ErrorBody, MemberView } from '@rallyboard/core/protocol';
import { createRedis, waitForReady } from '@rallyboard/core/redis';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../test/support/config.js';
import { seedBoard, startTestServer, type TestServer } from '../../../test/support/stack.js';
import { listenApp } from '../support/app.js';
import { applyDirect, aroundToday, getJson, loseBoardState } from '../support/boards.js';
import { startTcpProxy } from '../support/proxy.js';

const config = testConfig();
let server: TestServer;
let mongo: Connection;
/**
 * Today: bob 2 (first to 2, at seq 3), carol 2 (seq 4), dave 1 (seq 5). A past day: erin 1 (seq 6),
 * alice 1 (seq 7). All-time: bob, carol, dave, erin, alice.
 */
let boardId: string;
const PAST_DAY = '2026-01-15';

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
  boardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob', 'carol', 'dave', 'erin']);
  await applyDirect(server.deps, boardId, ['bob', 'carol', 'bob', 'carol', 'dave']);
  // Two votes that count for a past day: erin then alice, both at 1.
  await applyDirect(server.deps, boardId, [
    { candidateId: 'erin', day: PAST_DAY },
    { candidateId: 'alice', day: PAST_DAY },
  ]);
});
afterAll(async () => {
  await server.close();
  await mongo.close();
});

const api = (path: string) => `${server.url}/api/boards/${path}`;
const codeOf = (body: unknown) => (body as ErrorBody).error.code;
const pathsOf = (body: unknown) =>
  ((body as ErrorBody).error.details as { path: string }[]).map((detail) => detail.path);

const ALL_TIME = [
  { rank: 1, candidateId: 'bob', score: 2 },
  { rank: 2, candidateId: 'carol', score: 2 },
  { rank: 3, candidateId: 'dave', score: 1 },
  { rank: 4, candidateId: 'erin', score: 1 },
  { rank: 5, candidateId: 'alice', score: 1 },
];

describe('GET /api/boards/:boardId/leaderboard', () => {
  it('answers the all-time top with the board seq and totals', async () => {
    const { status, body } = await getJson(api(`${boardId}/leaderboard`));
    expect(status).toBe(200);
    expect(body).toEqual({
      boardId,
      window: 'all',
      day: null,
      seq: 7,
      totals: { votes: 7, members: 5 },
      entries: ALL_TIME,
    });
  });

  it('ranks equal scores by who reached them first', async () => {
    // bob reached 2 at seq 3, carol at seq 4; dave, erin and alice reached 1 at seqs 5, 6, 7.
    const { body } = await getJson<BoardView>(api(`${boardId}/leaderboard`));
    expect(body.entries.map((e) => e.candidateId)).toEqual(['bob', 'carol', 'dave', 'erin', 'alice']);
  });

  it('ranks members that never changed by id, after every member with votes', async () => {
    const board = await seedBoard(config, server.deps.redis, mongo, ['zed', 'amy', 'kim']);
    await applyDirect(server.deps, board, ['zed']);
    const { body } = await getJson<BoardView>(api(`${board}/leaderboard`));
    expect(body.entries.map((e) => [e.candidateId, e.score])).toEqual([
      ['zed', 1],
      ['amy', 0],
      ['kim', 0],
    ]);
  });

  it('moves a member ahead when it passes an equal score, not when it reaches it', async () => {
    const board = await seedBoard(config, server.deps.redis, mongo, ['p', 'q']);
    await applyDirect(server.deps, board, ['q', 'p']);
    const tied = await getJson<BoardView>(api(`${board}/leaderboard`));
    expect(tied.body.entries.map((e) => e.candidateId)).toEqual(['q', 'p']);
    await applyDirect(server.deps, board, ['p']);
    const ahead = await getJson<BoardView>(api(`${board}/leaderboard`));
    expect(ahead.body.entries.map((e) => e.candidateId)).toEqual(['p', 'q']);
  });

  it('pages through the ranking with offset and limit', async () => {
    const first = await getJson<BoardView>(api(`${boardId}/leaderboard?limit=2`));
    const second = await getJson<BoardView>(api(`${boardId}/leaderboard?offset=2&limit=2`));
    const third = await getJson<BoardView>(api(`${boardId}/leaderboard?offset=4&limit=2`));
    const beyond = await getJson<BoardView>(api(`${boardId}/leaderboard?offset=10&limit=2`));
    expect(first.body.entries).toEqual(ALL_TIME.slice(0, 2));
    expect(second.body.entries).toEqual(ALL_TIME.slice(2, 4));
    expect(third.body.entries).toEqual(ALL_TIME.slice(4));
    expect(beyond.body.entries).toEqual([]);
    expect(beyond.body.totals).toEqual({ votes: 7, members: 5 });
  });

  it("answers today's ranking for window=day, today being the board's own day", async () => {
    const [{ body }, days] = await aroundToday('Asia/Shanghai', () =>
      getJson<BoardView>(api(`${boardId}/leaderboard?window=day`)),
    );
    expect(days).toContain(body.day);
    expect(body).toEqual({
      boardId,
      window: 'day',
      day: body.day,
      seq: 7,
      totals: { votes: 5, members: 5 },
      entries: [
        { rank: 1, candidateId: 'bob', score: 2 },
        { rank: 2, candidateId: 'carol', score: 2 },
        { rank: 3, candidateId: 'dave', score: 1 },
      ],
    });
  });

  it("takes today in the board's timezone, not the server's", async () => {
    // UTC+14 and UTC-11 are 25 hours apart: their days always differ.
    const east = await seedBoard(config, server.deps.redis, mongo, ['alice'], {
      timezone: 'Pacific/Kiritimati',
    });
    const west = await seedBoard(config, server.deps.redis, mongo, ['alice'], {
      timezone: 'Pacific/Pago_Pago',
    });
    await applyDirect(server.deps, east, ['alice'], 'Pacific/Kiritimati');
    await applyDirect(server.deps, west, ['alice', 'alice'], 'Pacific/Pago_Pago');
    const [eastView, eastDays] = await aroundToday('Pacific/Kiritimati', () =>
      getJson<BoardView>(api(`${east}/leaderboard?window=day`)),
    );
    const [westView, westDays] = await aroundToday('Pacific/Pago_Pago', () =>
      getJson<BoardView>(api(`${west}/leaderboard?window=day`)),
    );
    expect(eastDays).toContain(eastView.body.day);
    expect(westDays).toContain(westView.body.day);
    expect(eastView.body.day).not.toBe(westView.body.day);
    expect(eastView.body.entries).toEqual([{ rank: 1, candidateId: 'alice', score: 1 }]);
    expect(westView.body.entries).toEqual([{ rank: 1, candidateId: 'alice', score: 2 }]);
  });

  it('answers a past day given with day=', async () => {
    const { status, body } = await getJson(api(`${boardId}/leaderboard?window=day&day=${PAST_DAY}`));
    expect(status).toBe(200);
    expect(body).toEqual({
      boardId,
      window: 'day',
      day: PAST_DAY,
      seq: 7,
      totals: { votes: 2, members: 5 },
      entries: [
        { rank: 1, candidateId: 'erin', score: 1 },
        { rank: 2, candidateId: 'alice', score: 1 },
      ],
    });
  });

  it('answers an empty ranking for a day without votes', async () => {
    const { body } = await getJson<BoardView>(api(`${boardId}/leaderboard?window=day&day=2020-02-29`));
    expect(body.entries).toEqual([]);
    expect(body.totals).toEqual({ votes: 0, members: 5 });
  });

  it.each([
    ['an unknown window', 'window=week', ['query.window']],
    ['a day that is not a date', 'window=day&day=yesterday', ['query.day']],
    ['a day that does not exist', 'window=day&day=2026-02-30', ['query.day']],
    ['a limit of 0', 'limit=0', ['query.limit']],
    ['a limit over 100', 'limit=101', ['query.limit']],
    ['a negative offset', 'offset=-1', ['query.offset']],
    ['a limit that is not a number', 'limit=ten', ['query.limit']],
    ['an unknown parameter', 'top=3', ['query']],
    ['a day without window=day (it would be ignored)', 'day=2026-11-25', ['query.day']],
  ])('refuses %s with 400 INVALID_INPUT naming the parameter', async (_, search, paths) => {
    const { status, body } = await getJson(api(`${boardId}/leaderboard?${search}`));
    expect(status).toBe(400);
    expect(codeOf(body)).toBe('INVALID_INPUT');
    expect(pathsOf(body)).toEqual(paths);
  });

  it('answers 404 BOARD_NOT_FOUND for a board that does not exist', async () => {
    const { status, body } = await getJson(api(`${randomId('nowhere')}/leaderboard`));
    expect(status).toBe(404);
    expect(codeOf(body)).toBe('BOARD_NOT_FOUND');
  });

  it('answers 404 BOARD_NOT_FOUND for a day of a board that does not exist', async () => {
    const { status, body } = await getJson(api(`${randomId('nowhere')}/leaderboard?window=day`));
    expect(status).toBe(404);
    expect(codeOf(body)).toBe('BOARD_NOT_FOUND');
  });

  it('answers 400 INVALID_INPUT for a board id with unsafe characters', async () => {
    const { status, body } = await getJson(api('a%7Bb%7D/leaderboard'));
    expect(status).toBe(400);
    expect(pathsOf(body)).toEqual(['params.boardId']);
  });
});

describe('GET /api/boards/:boardId/members/:candidateId', () => {
  it("answers the member's rank and score with the board seq and totals", async () => {
    const { status, body } = await getJson(api(`${boardId}/members/carol`));
    expect(status).toBe(200);
    expect(body).toEqual({
      boardId,
      window: 'all',
      day: null,
      seq: 7,
      totals: { votes: 7, members: 5 },
      entries: [],
      member: { candidateId: 'carol', rank: 2, score: 2 },
    });
  });

  it('answers a member without votes at its rank with score 0 in the all-time window', async () => {
    const board = await seedBoard(config, server.deps.redis, mongo, ['amy', 'kim']);
    const { body } = await getJson<MemberView>(api(`${board}/members/kim`));
    expect(body.member).toEqual({ candidateId: 'kim', rank: 2, score: 0 });
  });

  it('answers rank null for a day the member had no votes', async () => {
    const today = await getJson<MemberView>(api(`${boardId}/members/erin?window=day`));
    expect(today.body.member).toEqual({ candidateId: 'erin', rank: null, score: 0 });
    const past = await getJson<MemberView>(api(`${boardId}/members/bob?window=day&day=${PAST_DAY}`));
    expect(past.body.member).toEqual({ candidateId: 'bob', rank: null, score: 0 });
    const pastErin = await getJson<MemberView>(api(`${boardId}/members/erin?window=day&day=${PAST_DAY}`));
    expect(pastErin.body.member).toEqual({ candidateId: 'erin', rank: 1, score: 1 });
  });

  it('answers 422 UNKNOWN_MEMBER for a candidate the board does not have', async () => {
    const { status, body } = await getJson(api(`${boardId}/members/mallory`));
    expect(status).toBe(422);
    expect(codeOf(body)).toBe('UNKNOWN_MEMBER');
  });

  it('answers 404 BOARD_NOT_FOUND for a board that does not exist', async () => {
    const { status, body } = await getJson(api(`${randomId('nowhere')}/members/alice`));
    expect(status).toBe(404);
    expect(codeOf(body)).toBe('BOARD_NOT_FOUND');
  });

  it('answers 400 INVALID_INPUT for a candidate id with unsafe characters', async () => {
    const { status, body } = await getJson(api(`${boardId}/members/a%20b`));
    expect(status).toBe(400);
    expect(pathsOf(body)).toEqual(['params.candidateId']);
  });
});

describe('GET /api/boards/:boardId/members/:candidateId/around', () => {
  it('answers the member and the entries up to k ranks either side', async () => {
    const { status, body } = await getJson(api(`${boardId}/members/dave/around?k=1`));
    expect(status).toBe(200);
    expect(body).toEqual({
      boardId,
      window: 'all',
      day: null,
      seq: 7,
      totals: { votes: 7, members: 5 },
      entries: ALL_TIME.slice(1, 4),
      member: { candidateId: 'dave', rank: 3, score: 1 },
    });
  });

  it('stops at the top and at the bottom of the ranking', async () => {
    const top = await getJson<MemberView>(api(`${boardId}/members/bob/around?k=2`));
    expect(top.body.entries).toEqual(ALL_TIME.slice(0, 3));
    const bottom = await getJson<MemberView>(api(`${boardId}/members/alice/around?k=2`));
    expect(bottom.body.entries).toEqual(ALL_TIME.slice(2));
  });

  it('takes k = 2 by default', async () => {
    const { body } = await getJson<MemberView>(api(`${boardId}/members/dave/around`));
    expect(body.entries).toEqual(ALL_TIME);
  });

  it('answers no entries around a member without a rank that day', async () => {
    const { body } = await getJson<MemberView>(api(`${boardId}/members/erin/around?window=day`));
    expect(body.member).toEqual({ candidateId: 'erin', rank: null, score: 0 });
    expect(body.entries).toEqual([]);
  });

  it('answers around a member in a past day', async () => {
    const { body } = await getJson<MemberView>(
      api(`${boardId}/members/alice/around?k=1&window=day&day=${PAST_DAY}`),
    );
    expect(body.member).toEqual({ candidateId: 'alice', rank: 2, score: 1 });
    expect(body.entries).toEqual([
      { rank: 1, candidateId: 'erin', score: 1 },
      { rank: 2, candidateId: 'alice', score: 1 },
    ]);
  });

  it.each([
    ['k=0', ['query.k']],
    ['k=26', ['query.k']],
    ['window=month', ['query.window']],
  ])('refuses %s with 400 INVALID_INPUT', async (search, paths) => {
    const { status, body } = await getJson(api(`${boardId}/members/dave/around?${search}`));
    expect(status).toBe(400);
    expect(pathsOf(body)).toEqual(paths);
  });

  it('answers 422 UNKNOWN_MEMBER for a candidate the board does not have', async () => {
    const { status, body } = await getJson(api(`${boardId}/members/mallory/around`));
    expect(status).toBe(422);
    expect(codeOf(body)).toBe('UNKNOWN_MEMBER');
  });
});

describe('GET /api/boards/:boardId/totals', () => {
  it('answers the totals with the board seq and no entries', async () => {
    const { status, body } = await getJson(api(`${boardId}/totals`));
    expect(status).toBe(200);
    expect(body).toEqual({
      boardId,
      window: 'all',
      day: null,
      seq: 7,
      totals: { votes: 7, members: 5 },
      entries: [],
    });
  });

  it("answers a day's totals", async () => {
    const today = await getJson<BoardView>(api(`${boardId}/totals?window=day`));
    expect(today.body.totals).toEqual({ votes: 5, members: 5 });
    const past = await getJson<BoardView>(api(`${boardId}/totals?window=day&day=${PAST_DAY}`));
    expect(past.body).toMatchObject({ window: 'day', day: PAST_DAY, totals: { votes: 2, members: 5 } });
  });

  it('refuses a parameter it does not take', async () => {
    const { status, body } = await getJson(api(`${boardId}/totals?limit=3`));
    expect(status).toBe(400);
    expect(pathsOf(body)).toEqual(['query']);
  });

  it('counts a like board net of unlikes', async () => {
    const board = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob'], { kind: 'like' });
    await applyDirect(server.deps, board, [
      { candidateId: 'alice', action: 'like', voterId: 'u1' },
      { candidateId: 'alice', action: 'like', voterId: 'u2' },
      { candidateId: 'bob', action: 'like', voterId: 'u1' },
      { candidateId: 'alice', action: 'like', voterId: 'u1' },
      { candidateId: 'alice', action: 'unlike', voterId: 'u2' },
    ]);
    const { body } = await getJson<BoardView>(api(`${board}/totals`));
    expect(body).toMatchObject({ seq: 4, totals: { votes: 2, members: 2 } });
  });
});

describe('the reads of a board that MongoDB has but Redis lost', () => {
  it('answer 404 BOARD_NOT_FOUND until a rebuild restores it', async () => {
    const board = await seedBoard(config, server.deps.redis, mongo, ['alice']);
    await loseBoardState(server.deps.redis, server.deps.keys, board);
    for (const path of ['leaderboard', 'leaderboard?window=day', 'members/alice', 'totals']) {
      const { status, body } = await getJson(api(`${board}/${path}`));
      expect(status, path).toBe(404);
      expect(codeOf(body)).toBe('BOARD_NOT_FOUND');
    }
  });
});

describe('when Redis goes away', () => {
  it('the reads answer 503 SERVICE_UNAVAILABLE, not 500', async () => {
    const proxy = await startTcpProxy(config.redis.url);
    const redis = createRedis(proxy.url, 'command', 'test-proxied');
    redis.on('error', () => {});
    await waitForReady(redis);
    const app = await listenApp({ ...server.deps, redis });
    try {
      const before = await getJson(`${app.url}/api/boards/${boardId}/leaderboard`);
      expect(before.status).toBe(200);
      await proxy.cut();
      // All at once: the command connection fails its queued commands together, per reconnect round.
      const paths = ['leaderboard', 'leaderboard?window=day', 'members/bob', 'members/bob/around', 'totals'];
      const answers = await Promise.all(
        paths.map((path) => getJson(`${app.url}/api/boards/${boardId}/${path}`)),
      );
      for (const [i, { status, body }] of answers.entries()) {
        expect(status, paths[i]).toBe(503);
        expect(body).toEqual({ error: { code: 'SERVICE_UNAVAILABLE', message: expect.any(String) } });
      }
    } finally {
      await app.close();
      redis.disconnect();
    }
  });
});
