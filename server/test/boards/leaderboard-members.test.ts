import type { MemberView } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { randomId } from '../../../test/support/config.js';
import { seedBoard } from '../../../test/support/stack.js';
import { getJson } from '../support/boards.js';
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

// One member's standing, and the ranks around it.
useLeaderboardServer();

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
    ['window=year', ['query.window']],
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
