import { connectMongo } from '@rallyboard/core/db';
import type { ErrorBody, MyLikes } from '@rallyboard/core/protocol';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { participantToken } from '../../../test/support/participants.js';
import {
  eventually,
  seedBoard,
  startTestServer,
  startTestWorker,
  type TestServer,
} from '../../../test/support/stack.js';
import { castVote } from '../../../test/support/votes.js';

// "Liked by me": exact from the like sets, however many likes and unlikes a participant made.
const config = testConfig();
let server: TestServer;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let mongo: Connection;
const CANDIDATES = ['alice', 'bob', 'carol', 'dave'];

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
  worker = await startTestWorker(config, mongo);
});
afterAll(async () => {
  await worker.close();
  await server.close();
  await mongo.close();
});

async function myLikes(boardId: string, candidateIds: string, participantId = 'p-heavy') {
  const token = await participantToken(config, participantId);
  const res = await fetch(
    `${server.url}/api/boards/${boardId}/likes/mine?candidateIds=${encodeURIComponent(candidateIds)}`,
    { headers: { authorization: `Bearer ${token}` } },
  );
  return { status: res.status, body: (await res.json()) as MyLikes & ErrorBody };
}

async function act(
  boardId: string,
  candidateId: string,
  action: 'like' | 'unlike',
  participantId = 'p-heavy',
) {
  const res = await castVote(server, boardId, candidateId, { action, participantId });
  expect(res.status).toBe(202);
}

describe('GET /api/boards/:boardId/likes/mine', () => {
  it('answers the asked candidates I like now, in the order asked, after hundreds of toggles', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo, CANDIDATES, { kind: 'like' });
    // More than the 300 records the mini-program used to read back: 320 toggles of bob, one of
    // carol long before, and a like of alice by someone else.
    await act(boardId, 'carol', 'like');
    for (let i = 0; i < 320; i++) await act(boardId, 'bob', i % 2 === 0 ? 'like' : 'unlike');
    await act(boardId, 'bob', 'like');
    await act(boardId, 'alice', 'like', 'p-other');
    // Every toggle applied: the queue has nothing left, and the last like (another's) shows.
    await eventually(
      async () => {
        const left = await server.deps.voteQueue.getJobCounts('waiting', 'active', 'delayed');
        const others = await myLikes(boardId, 'alice', 'p-other');
        return Object.values(left).every((n) => n === 0) && others.body.liked?.length === 1;
      },
      20_000,
      'every toggle applied',
    );

    expect((await myLikes(boardId, 'dave,bob,alice,carol,nobody')).body).toEqual({ liked: ['bob', 'carol'] });
    expect((await myLikes(boardId, 'alice,dave', 'p-other')).body).toEqual({ liked: ['alice'] });
    expect((await myLikes(boardId, 'bob,bob')).body).toEqual({ liked: ['bob'] });
  });

  it('refuses more than 100 ids, none, and ids that are not ids, naming the field', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo, CANDIDATES, { kind: 'like' });
    const many = Array.from({ length: 101 }, (_, i) => `c${i}`).join(',');
    for (const list of [many, '', 'alice,,bob', 'al ice']) {
      const answer = await myLikes(boardId, list);
      expect(answer.status, list.slice(0, 20)).toBe(400);
      expect(answer.body.error.code).toBe('INVALID_INPUT');
      expect(JSON.stringify(answer.body.error.details)).toContain('candidateIds');
    }
    expect((await myLikes(boardId, Array.from({ length: 100 }, (_, i) => `c${i}`).join(','))).status).toBe(
      200,
    );
  });

  it('answers 422 ACTION_NOT_ALLOWED on a vote board and 404 BOARD_NOT_FOUND on no board', async () => {
    const voteBoard = await seedBoard(config, server.deps.redis, mongo, CANDIDATES);
    const onVote = await myLikes(voteBoard, 'alice');
    expect([onVote.status, onVote.body.error.code]).toEqual([422, 'ACTION_NOT_ALLOWED']);
    const nowhere = await myLikes('no-such-board', 'alice');
    expect([nowhere.status, nowhere.body.error.code]).toEqual([404, 'BOARD_NOT_FOUND']);
    const anonymous = await fetch(`${server.url}/api/boards/${voteBoard}/likes/mine?candidateIds=alice`);
    expect(anonymous.status).toBe(401);
  });
});
