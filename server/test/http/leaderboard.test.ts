import { connectMongo } from '@rallyboard/core/db';
import { applyVote } from '@rallyboard/core/redis';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { seedBoard, startTestServer, type TestServer } from '../../../test/support/stack.js';

const config = testConfig();
let server: TestServer;
let mongo: Connection;
let boardId: string;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
  boardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob', 'carol']);
  const { redis, keys } = server.deps;
  const votes: [string, string][] = [
    ['v-00001', 'bob'],
    ['v-00002', 'bob'],
    ['v-00003', 'carol'],
  ];
  for (const [voteId, candidateId] of votes) {
    await applyVote(redis, keys, { voteId, boardId, candidateId }, { dedupTtlSeconds: 60, origin: 'test' });
  }
});
afterAll(async () => {
  await server.close();
  await mongo.close();
});

describe('GET /api/boards/:boardId/leaderboard', () => {
  it('returns the ranking with the board seq', async () => {
    const res = await fetch(`${server.url}/api/boards/${boardId}/leaderboard`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      boardId,
      seq: 3,
      entries: [
        { rank: 1, candidateId: 'bob', score: 2 },
        { rank: 2, candidateId: 'carol', score: 1 },
      ],
    });
  });

  it('honours limit', async () => {
    const res = await fetch(`${server.url}/api/boards/${boardId}/leaderboard?limit=1`);
    expect(((await res.json()) as { entries: unknown[] }).entries).toHaveLength(1);
  });

  it('rejects a limit out of range with the field named', async () => {
    const res = await fetch(`${server.url}/api/boards/${boardId}/leaderboard?limit=1000`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; details: { path: string }[] } };
    expect(body.error.code).toBe('INVALID_INPUT');
    expect(body.error.details[0]?.path).toBe('query.limit');
  });

  it('answers 404 BOARD_NOT_FOUND for an unknown board', async () => {
    const res = await fetch(`${server.url}/api/boards/not-a-board/leaderboard`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('BOARD_NOT_FOUND');
  });
});
