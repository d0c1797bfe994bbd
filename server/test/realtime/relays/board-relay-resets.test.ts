import { randomUUID } from 'node:crypto';
import { BoardFeed } from '@rallyboard/core/protocol';
import { fenceBoard, installBoard } from '@rallyboard/core/redis';
import { describe, expect, it } from 'vitest';
import { collectUpdates, connectSocket, subscribe } from '../../../../test/support/socket.js';
import { eventually, seedBoard } from '../../../../test/support/stack.js';
import { readRanking } from '../../../../test/support/votes.js';
import { listenProxiedRelay } from '../../support/app.js';
import { applyDirect } from '../../support/boards.js';
import {
  config,
  mongo,
  server,
  sockets,
  TOP_N,
  untilSeq,
  useRelayStack,
  votes,
  watcher,
} from '../../support/relay-fixture.js';

// When the relay starts watchers over with a reset: a rebuild, a reset change, a dropped subscription.
useRelayStack();

describe('the relay', () => {
  it('sends watchers a reset with the full top N when a rebuild installs the board', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo, ['a', 'b', 'c', 'd']);
    const { socket, updates } = await watcher();
    const dayWatcher = await watcher();
    const feed = new BoardFeed('all', TOP_N);
    feed.snapshot(await subscribe(socket, boardId));
    await subscribe(dayWatcher.socket, boardId, 'day');
    await votes(boardId, ['a', 'b', 'a']);
    await untilSeq(updates, 3);
    await untilSeq(dayWatcher.updates, 3);
    const before = updates.length;
    const dayBefore = dayWatcher.updates.length;

    const { redis, keys } = server.deps;
    const token = randomUUID();
    await fenceBoard(
      redis,
      keys,
      { boardId, title: 'rebuilt', kind: 'vote', dailyRetentionDays: 8, candidateIds: ['a', 'b', 'c', 'd'] },
      { token, ttlMs: 60_000 },
    );
    const seq = await installBoard(redis, keys, boardId, {
      fence: token,
      seq: 3,
      all: { total: 5, members: [{ candidateId: 'd', count: 5, seq: 3 }] },
      periods: [],
      origin: 'test',
    });
    expect(seq).toBe(3);
    await eventually(async () => updates.length > before, 10_000, 'the reset');
    await eventually(async () => dayWatcher.updates.length > dayBefore, 10_000, 'the day reset');

    expect(updates.at(-1)).toEqual({
      boardId,
      window: 'all',
      day: null,
      fromSeq: 3,
      seq: 3,
      reset: true,
      totals: { votes: 5, members: 4 },
      entries: [
        { candidateId: 'd', rank: 1, score: 5 },
        { candidateId: 'a', rank: 2, score: 0 },
        { candidateId: 'b', rank: 3, score: 0 },
      ],
    });
    expect(dayWatcher.updates.at(-1)).toMatchObject({ window: 'day', reset: true });
    for (const update of updates) expect(feed.update(update)).toBe('applied');
    const ranking = await readRanking(server.url, boardId);
    expect(feed.entries).toEqual(ranking.entries.slice(0, TOP_N));
  });

  it('sends watchers a reset when a reset change is published', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo, ['a', 'b', 'c', 'd']);
    const { socket, updates } = await watcher();
    await subscribe(socket, boardId);
    await votes(boardId, ['b', 'c']);
    await untilSeq(updates, 2);
    const before = updates.length;

    await server.deps.redis.publish(
      server.deps.keys.boardChanges(boardId),
      JSON.stringify({ boardId, seq: 2, reset: true, origin: 'test' }),
    );
    await eventually(async () => updates.length > before, 10_000, 'the reset');
    expect(updates.at(-1)).toMatchObject({ reset: true, fromSeq: 2, seq: 2 });
    expect(updates.at(-1)?.entries).toEqual([
      { candidateId: 'b', rank: 1, score: 1 },
      { candidateId: 'c', rank: 2, score: 1 },
      { candidateId: 'a', rank: 3, score: 0 },
    ]);
  });

  it('sends a reset with the missed changes once its Redis subscription comes back, without waiting for a vote', async () => {
    const app = await listenProxiedRelay(server.deps, config.redis.url);
    try {
      const boardId = await seedBoard(config, server.deps.redis, mongo, ['a', 'b', 'c']);
      const socket = await connectSocket(app.url);
      sockets.push(socket);
      const updates = collectUpdates(socket);
      const feed = new BoardFeed('all', TOP_N);
      feed.snapshot(await subscribe(socket, boardId));
      await applyDirect(server.deps, boardId, ['a']);
      await untilSeq(updates, 1);
      await applyDirect(server.deps, boardId, ['a']);
      await untilSeq(updates, 2);
      expect(updates.map((u) => u.reset)).toEqual([true, false]);

      await app.drop();
      // Missed: nobody hears this change.
      await applyDirect(server.deps, boardId, ['b', 'b', 'b']);
      await app.restore();

      // No vote after the reconnect: the relay sends the reset of its own, with the missed change.
      const { seq } = await readRanking(app.url, boardId);
      await eventually(async () => updates.length > 2, 10_000, 'a reset after the reconnect');
      expect(updates[2]).toMatchObject({ reset: true, fromSeq: 0, seq });
      expect(updates[2]?.entries).toHaveLength(TOP_N);
      for (const update of updates) expect(feed.update(update)).toBe('applied');
      expect(feed.entries).toEqual((await readRanking(app.url, boardId)).entries.slice(0, TOP_N));
      expect(feed.standing('b')?.score).toBe(3);

      // And it hears changes again.
      await applyDirect(server.deps, boardId, ['c']);
      await untilSeq(updates, seq + 1);
      expect(updates.at(-1)).toMatchObject({ reset: false, fromSeq: seq, seq: seq + 1 });
    } finally {
      await app.close();
    }
  });

  it('ignores a malformed change message and goes on relaying', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo, ['a', 'b']);
    const { socket, updates } = await watcher();
    await subscribe(socket, boardId);
    await server.deps.redis.publish(server.deps.keys.boardChanges(boardId), 'not json');
    await server.deps.redis.publish(server.deps.keys.boardChanges(boardId), JSON.stringify({ seq: 'x' }));
    await votes(boardId, ['b']);
    await untilSeq(updates, 1);
    expect(updates.map((u) => u.seq)).toEqual([1]);
  });
});
