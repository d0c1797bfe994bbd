import type { BoardView } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { randomId } from '../../../test/support/config.js';
import { seedBoard } from '../../../test/support/stack.js';
import { applyDirect, aroundToday, getJson } from '../support/boards.js';
import {
  ALL_TIME,
  api,
  boardId,
  codeOf,
  config,
  mongo,
  PAST_DAY,
  pathsOf,
  server,
  useLeaderboardServer,
} from '../support/leaderboard-fixture.js';

useLeaderboardServer();

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
    // Past the end is not an empty ranking: it is refused, naming the offset.
    expect(beyond.status).toBe(400);
    expect(beyond.body).toMatchObject({
      error: { code: 'INVALID_INPUT', details: [{ path: 'query.offset' }] },
    });
    const last = await getJson<BoardView>(api(`${boardId}/leaderboard?offset=5&limit=2`));
    expect(last.status).toBe(400);
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
    ['an unknown window', 'window=year', ['query.window']],
    ['a week day that is not a date', 'window=week&day=2026-W48', ['query.day']],
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
