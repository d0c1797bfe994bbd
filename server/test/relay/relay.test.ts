import { connectMongo } from '@rallyboard/core/db';
import { applyVote } from '@rallyboard/core/redis';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { collectUpdates, connectSocket, subscribe } from '../../../test/support/socket.js';
import { eventually, seedBoard, startTestServer, type TestServer } from '../../../test/support/stack.js';

const config = testConfig({ RELAY_TICK_MS: '100' });
let server: TestServer;
let mongo: Connection;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
});
afterAll(async () => {
  await server.close();
  await mongo.close();
});

const vote = (boardId: string, voteId: string, candidateId: string) =>
  applyVote(
    server.deps.redis,
    server.deps.keys,
    { voteId, boardId, candidateId },
    { dedupTtlSeconds: 60, origin: 'test' },
  );

describe('the relay', () => {
  it('pushes rank:updated to a subscribed socket after a change', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']);
    const socket = await connectSocket(server.url);
    const updates = collectUpdates(socket);
    await subscribe(socket, boardId);
    await vote(boardId, 'relay-vote-1', 'alice');
    await eventually(async () => updates.length > 0, 5_000, 'a rank:updated');
    expect(updates[0]).toEqual({ boardId, seq: 1, entries: [{ rank: 1, candidateId: 'alice', score: 1 }] });
    socket.disconnect();
  });

  it('coalesces a burst into few pushes that end at the final state', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']);
    const socket = await connectSocket(server.url);
    const updates = collectUpdates(socket);
    await subscribe(socket, boardId);
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => vote(boardId, `burst-${i}-vote`, i % 4 === 0 ? 'bob' : 'alice')),
    );
    await eventually(async () => updates.at(-1)?.seq === 200, 5_000, 'the final seq');
    expect(updates.length).toBeLessThan(20);
    expect(updates.at(-1)?.entries).toEqual([
      { rank: 1, candidateId: 'alice', score: 150 },
      { rank: 2, candidateId: 'bob', score: 50 },
    ]);
    // seq only moves forward across pushes.
    const seqs = updates.map((u) => u.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    socket.disconnect();
  });

  it('sends nothing to sockets that watch another board', async () => {
    const watched = await seedBoard(config, server.deps.redis, mongo, ['alice']);
    const other = await seedBoard(config, server.deps.redis, mongo, ['alice']);
    const socket = await connectSocket(server.url);
    const updates = collectUpdates(socket);
    await subscribe(socket, watched);
    await vote(other, 'elsewhere-vote-1', 'alice');
    await vote(watched, 'here-vote-1', 'alice');
    await eventually(async () => updates.length > 0, 5_000, 'the watched board update');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(updates.map((u) => u.boardId)).toEqual([watched]);
    socket.disconnect();
  });
});
