import { connectMongo, ledgerModel } from '@rallyboard/core/db';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../support/config.js';
import { collectUpdates, connectSocket, subscribe } from '../support/socket.js';
import {
  eventually,
  seedBoard,
  startTestServer,
  startTestWorker,
  type TestServer,
} from '../support/stack.js';

const config = testConfig();
let mongo: Connection;
let server: TestServer;
let worker: Awaited<ReturnType<typeof startTestWorker>>;

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

const castVote = (boardId: string, candidateId: string) =>
  fetch(`${server.url}/api/boards/${boardId}/votes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ candidateId }),
  });

describe('a vote, end to end', () => {
  it('goes HTTP → queue → worker → sorted set → relay → a subscribed socket sees rank:updated', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']);
    const socket = await connectSocket(server.url);
    const updates = collectUpdates(socket);
    expect(await subscribe(socket, boardId)).toEqual({ boardId, seq: 0, entries: [] });

    const answers = await Promise.all([
      castVote(boardId, 'bob'),
      castVote(boardId, 'bob'),
      castVote(boardId, 'alice'),
    ]);
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
    const voteIds = await Promise.all(
      answers.map(async (a) => ((await a.json()) as { voteId: string }).voteId),
    );

    await eventually(async () => updates.at(-1)?.seq === 3, 10_000, 'rank:updated with seq 3');
    expect(updates.at(-1)).toEqual({
      boardId,
      seq: 3,
      entries: [
        { rank: 1, candidateId: 'bob', score: 2 },
        { rank: 2, candidateId: 'alice', score: 1 },
      ],
    });

    const leaderboard = await (await fetch(`${server.url}/api/boards/${boardId}/leaderboard`)).json();
    expect(leaderboard).toEqual(updates.at(-1));

    await eventually(
      async () => (await ledgerModel(mongo).countDocuments({ boardId })) === 3,
      5_000,
      'the ledger',
    );
    const ledger = await ledgerModel(mongo).find({ boardId }).lean();
    expect(ledger.map((v) => v._id).sort()).toEqual([...voteIds].sort());
    expect(ledger.every((v) => v.verdict === 'counted')).toBe(true);
    socket.disconnect();
  });
});
