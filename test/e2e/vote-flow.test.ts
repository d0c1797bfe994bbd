import { connectMongo, ledgerModel } from '@rallyboard/core/db';
import { BoardFeed } from '@rallyboard/core/protocol';
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
import { castVote } from '../support/votes.js';

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

describe('a vote, end to end', () => {
  it('goes HTTP → queue → worker → sorted set → relay → a subscribed socket sees rank:updated', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']);
    const socket = await connectSocket(server.url);
    const updates = collectUpdates(socket);
    const feed = new BoardFeed('all', 10);
    const snapshot = await subscribe(socket, boardId);
    expect(snapshot).toEqual({
      boardId,
      window: 'all',
      day: null,
      seq: 0,
      totals: { votes: 0, members: 2 },
      entries: [
        { rank: 1, candidateId: 'alice', score: 0 },
        { rank: 2, candidateId: 'bob', score: 0 },
      ],
    });
    feed.snapshot(snapshot);

    const answers = await Promise.all([
      castVote(server, boardId, 'bob', { participantId: 'p-ann', headers: { 'x-device-id': 'ann-phone' } }),
      castVote(server, boardId, 'bob', { participantId: 'p-ben' }),
      castVote(server, boardId, 'alice', { participantId: 'p-ann' }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
    const voteIds = await Promise.all(
      answers.map(async (a) => ((await a.json()) as { voteId: string }).voteId),
    );

    await eventually(async () => updates.at(-1)?.seq === 3, 10_000, 'rank:updated with seq 3');
    for (const update of updates) expect(feed.update(update)).toBe('applied');
    expect(feed.entries).toEqual([
      { rank: 1, candidateId: 'bob', score: 2 },
      { rank: 2, candidateId: 'alice', score: 1 },
    ]);
    expect(feed.totals).toEqual({ votes: 3, members: 2 });

    const leaderboard = await (await fetch(`${server.url}/api/boards/${boardId}/leaderboard`)).json();
    expect(leaderboard).toEqual({
      boardId,
      window: 'all',
      day: null,
      seq: 3,
      totals: { votes: 3, members: 2 },
      entries: feed.entries,
    });

    await eventually(
      async () => (await ledgerModel(mongo).countDocuments({ boardId })) === 3,
      5_000,
      'the ledger',
    );
    const ledger = await ledgerModel(mongo).find({ boardId }).lean();
    expect(ledger.map((v) => v._id).sort()).toEqual([...voteIds].sort());
    expect(ledger.every((v) => v.verdict === 'counted')).toBe(true);
    expect(ledger.map((v) => v.seq).sort()).toEqual([1, 2, 3]);
    expect(ledger.map((v) => v.voterId).sort()).toEqual(['p-ann', 'p-ann', 'p-ben']);
    // Each record keeps what ingest saw of its request.
    expect(ledger.map((v) => v.context?.ip)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
    expect(ledger.find((v) => v._id === voteIds[0])?.context?.deviceId).toBe('ann-phone');
    socket.disconnect();
  });
});
