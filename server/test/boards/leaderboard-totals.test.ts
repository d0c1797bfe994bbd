import type { BoardView } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { seedBoard } from '../../../test/support/stack.js';
import { applyDirect, getJson } from '../support/boards.js';
import {
  api,
  boardId,
  config,
  mongo,
  PAST_DAY,
  pathsOf,
  server,
  useLeaderboardServer,
} from '../support/leaderboard-fixture.js';

useLeaderboardServer();

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
