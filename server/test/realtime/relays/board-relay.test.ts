import { randomUUID } from 'node:crypto';
import { connectMongo } from '@rallyboard/core/db';
import { BoardFeed, type BoardView, type FeedOutcome, type RankUpdate } from '@rallyboard/core/protocol';
import { createRedis, fenceBoard, installBoard, waitForReady } from '@rallyboard/core/redis';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../../test/support/config.js';
import {
  collectUpdates,
  connectSocket,
  subscribe,
  type TestSocket,
} from '../../../../test/support/socket.js';
import {
  eventually,
  seedBoard,
  startTestServer,
  startTestWorker,
  type TestServer,
} from '../../../../test/support/stack.js';
import { castVote, inParallel, readRanking } from '../../../../test/support/votes.js';
import { boardRoom } from '../../../src/realtime/types.js';
import { listenApp } from '../../support/app.js';
import { applyDirect, aroundToday, getJson } from '../../support/boards.js';
import { startTcpProxy } from '../../support/proxy.js';

const TICK_MS = 100;
const TOP_N = 3;
const config = testConfig({ RELAY_TICK_MS: String(TICK_MS), LEADERBOARD_TOP_N: String(TOP_N) });
let server: TestServer;
let mongo: Connection;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
  worker = await startTestWorker(config, mongo);
});
afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await worker.close();
  await server.close();
  await mongo.close();
});

/** A watcher: a socket that collects the `rank:updated` it receives, with when each arrived. */
async function watcher() {
  const socket = await connectSocket(server.url);
  sockets.push(socket);
  const updates = collectUpdates(socket);
  const arrivals: number[] = [];
  socket.on('rank:updated', () => arrivals.push(Date.now()));
  return { socket, updates, arrivals };
}

/** POSTs votes one after another (each must be accepted). */
async function votes(boardId: string, candidateIds: string[]): Promise<void> {
  for (const candidateId of candidateIds) {
    const res = await castVote(server, boardId, candidateId);
    expect(res.status).toBe(202);
  }
}

const untilSeq = (updates: RankUpdate[], seq: number) =>
  eventually(async () => updates.some((u) => u.seq >= seq), 10_000, `a rank:updated at seq ${seq}`);

const byCandidate = (entries: RankUpdate['entries']) =>
  [...entries].sort((a, b) => a.candidateId.localeCompare(b.candidateId));

/** Each update after the first takes up from the seq the previous one ended at. */
function expectChained(updates: RankUpdate[]): void {
  updates.slice(1).forEach((update, i) => {
    expect(update.fromSeq, `update ${i + 1}`).toBe((updates[i] as RankUpdate).seq);
    expect(update.seq).toBeGreaterThan(update.fromSeq);
  });
}

describe('the relay', () => {
  it('coalesces a burst of votes into at most one rank:updated per tick, which a BoardFeed follows to the REST leaderboard', async () => {
    const candidates = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'];
    const boardId = await seedBoard(config, server.deps.redis, mongo, candidates);
    const { socket, updates, arrivals } = await watcher();
    const feed = new BoardFeed('all', TOP_N);
    expect(feed.snapshot(await subscribe(socket, boardId))).toBe('applied');

    const VOTES = 400;
    const started = Date.now();
    // Skewed, so ranks keep changing during the burst.
    await inParallel(VOTES, 20, async (i) => {
      const res = await castVote(server, boardId, candidates[(i * i) % candidates.length] as string);
      expect(res.status).toBe(202);
    });
    await eventually(
      async () => (await readRanking(server.url, boardId)).totals.votes === VOTES,
      20_000,
      'every vote',
    );
    await untilSeq(updates, VOTES);
    const elapsed = (arrivals.at(-1) as number) - started;

    expect(updates.length).toBeLessThan(VOTES / 4);
    expect(updates.length).toBeLessThanOrEqual(Math.ceil(elapsed / TICK_MS) + 1);
    expect(updates[0]).toMatchObject({ reset: true, fromSeq: 0 });
    expect(updates.slice(1).every((u) => !u.reset)).toBe(true);
    expectChained(updates);

    const outcomes = updates.map((u) => feed.update(u));
    expect(outcomes.filter((o): o is Exclude<FeedOutcome, 'applied'> => o !== 'applied')).toEqual([]);
    const { body: top } = await getJson<BoardView>(
      `${server.url}/api/boards/${boardId}/leaderboard?limit=${TOP_N}`,
    );
    expect(feed.entries).toEqual(top.entries);
    expect(feed.totals).toEqual(top.totals);
    expect(feed.seq).toBe(top.seq);
    expect(feed.seq).toBe(VOTES);
  });

  it('pushes only the members that changed and the top-N members whose rank moved', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo, ['a', 'b', 'c', 'd', 'e']);
    const { socket, updates } = await watcher();
    const feed = new BoardFeed('all', TOP_N);
    feed.snapshot(await subscribe(socket, boardId));

    // The room's first push is a reset: the whole top N.
    await votes(boardId, ['c']);
    await untilSeq(updates, 1);
    expect(updates[0]).toMatchObject({ reset: true, fromSeq: 0, seq: 1, totals: { votes: 1, members: 5 } });
    expect(updates[0]?.entries).toEqual([
      { candidateId: 'c', rank: 1, score: 1 },
      { candidateId: 'a', rank: 2, score: 0 },
      { candidateId: 'b', rank: 3, score: 0 },
    ]);

    // c scores again and stays first: only c.
    await votes(boardId, ['c']);
    await untilSeq(updates, 2);
    expect(updates[1]).toMatchObject({ reset: false, fromSeq: 1, seq: 2, totals: { votes: 2, members: 5 } });
    expect(updates[1]?.entries).toEqual([{ candidateId: 'c', rank: 1, score: 2 }]);

    // d enters second: d, and a and b, pushed down a rank (b out of the top N).
    await votes(boardId, ['d']);
    await untilSeq(updates, 3);
    expect(updates[2]).toMatchObject({ reset: false, fromSeq: 2, seq: 3 });
    expect(byCandidate(updates[2]?.entries ?? [])).toEqual([
      { candidateId: 'a', rank: 3, score: 0 },
      { candidateId: 'b', rank: 4, score: 0 },
      { candidateId: 'd', rank: 2, score: 1 },
    ]);

    // e ties d, after it: e, and a pushed out. b moved too, but outside the top N: not sent.
    await votes(boardId, ['e']);
    await untilSeq(updates, 4);
    expect(updates[3]).toMatchObject({ reset: false, fromSeq: 3, seq: 4 });
    expect(byCandidate(updates[3]?.entries ?? [])).toEqual([
      { candidateId: 'a', rank: 4, score: 0 },
      { candidateId: 'e', rank: 3, score: 1 },
    ]);

    expect(updates).toHaveLength(4);
    for (const update of updates) expect(feed.update(update)).toBe('applied');
    const ranking = await readRanking(server.url, boardId);
    expect(feed.entries).toEqual(ranking.entries.slice(0, TOP_N));
  });

  it("sends the day window's room its own updates, carrying the day", async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob'], {
      timezone: 'Pacific/Kiritimati',
    });
    const daily = await watcher();
    const allTime = await watcher();
    const [view, days] = await aroundToday('Pacific/Kiritimati', () =>
      subscribe(daily.socket, boardId, 'day'),
    );
    expect(days).toContain(view.day);
    await subscribe(allTime.socket, boardId, 'all');
    const feed = new BoardFeed('day', TOP_N);
    feed.snapshot(view);

    await votes(boardId, ['bob', 'bob', 'alice']);
    await untilSeq(daily.updates, 3);
    await untilSeq(allTime.updates, 3);

    expect(
      daily.updates.every((u) => u.window === 'day' && u.day === view.day && u.boardId === boardId),
    ).toBe(true);
    expect(allTime.updates.every((u) => u.window === 'all' && u.day === null)).toBe(true);
    expectChained(daily.updates);
    for (const update of daily.updates) expect(feed.update(update)).toBe('applied');
    const { body } = await getJson<BoardView>(`${server.url}/api/boards/${boardId}/leaderboard?window=day`);
    expect(body.day).toBe(view.day);
    expect(feed.entries).toEqual(body.entries);
    expect(feed.totals).toEqual({ votes: 3, members: 2 });
  });

  it("turns a day window's room to the new day when the day ends, without waiting for a vote", async () => {
    // UTC-11 and UTC+14 are always on different dates: moving the board from one to the other
    // makes "today" change under the watchers, as midnight would.
    const boardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob'], {
      timezone: 'Pacific/Pago_Pago',
    });
    const daily = await watcher();
    const view = await subscribe(daily.socket, boardId, 'day');
    await votes(boardId, ['bob']);
    await untilSeq(daily.updates, 1);
    expect(daily.updates.at(-1)?.day).toBe(view.day);

    await server.deps.redis.hset(server.deps.keys.board(boardId).meta, 'timezone', 'Pacific/Kiritimati');
    await eventually(
      async () => daily.updates.some((u) => u.reset && u.day !== view.day),
      15_000,
      'a reset for the new day',
    );
    const turned = daily.updates.find((u) => u.reset && u.day !== view.day) as RankUpdate;
    // Nothing was voted on the new day yet.
    expect(turned.entries).toEqual([]);
    expect(turned.totals).toEqual({ votes: 0, members: 2 });
  }, 30_000);

  it('pushes nothing for a board nobody watches', async () => {
    const unwatched = await seedBoard(config, server.deps.redis, mongo, ['alice']);
    const watched = await seedBoard(config, server.deps.redis, mongo, ['alice']);
    const leaver = await watcher();
    await subscribe(leaver.socket, unwatched);
    await leaver.socket
      .timeout(5_000)
      .emitWithAck('board:unsubscribe', { boardId: unwatched, window: 'all' });
    const bystander = await watcher();
    await subscribe(bystander.socket, watched);

    // Count what the relay hands to socket.io, calling through.
    const adapter = server.io.sockets.adapter;
    const broadcast = adapter.broadcast.bind(adapter);
    const pushedTo: string[] = [];
    adapter.broadcast = (packet, options) => {
      if ((packet as { data?: unknown[] }).data?.[0] === 'rank:updated') pushedTo.push(...options.rooms);
      broadcast(packet, options);
    };
    try {
      await votes(unwatched, ['alice', 'alice']);
      await eventually(
        async () => (await readRanking(server.url, unwatched)).seq === 2,
        10_000,
        'the unwatched votes',
      );
      // The relay hears the changes in the order they were made: once the watched board's update
      // arrives, the unwatched board's changes have been handled too.
      await votes(watched, ['alice']);
      await untilSeq(bystander.updates, 1);
    } finally {
      adapter.broadcast = broadcast;
    }
    expect(pushedTo).toEqual([boardRoom(watched, 'all')]);
    expect(leaver.updates).toEqual([]);
    expect(bystander.updates.map((u) => u.boardId)).toEqual([watched]);
  });

  it('starts a room over with a reset once nobody watched it through a change', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']);
    const barrierBoard = await seedBoard(config, server.deps.redis, mongo, ['alice']);
    const barrier = await watcher();
    await subscribe(barrier.socket, barrierBoard);
    const first = await watcher();
    await subscribe(first.socket, boardId);
    await votes(boardId, ['alice']);
    await untilSeq(first.updates, 1);
    first.socket.disconnect();
    await eventually(
      async () => !server.io.sockets.adapter.rooms.has(boardRoom(boardId, 'all')),
      5_000,
      'the room to empty',
    );

    // A change while nobody watches; the barrier board's update shows the relay has handled it.
    await votes(boardId, ['bob']);
    await eventually(
      async () => (await readRanking(server.url, boardId)).seq === 2,
      10_000,
      'the vote meanwhile',
    );
    await votes(barrierBoard, ['alice']);
    await untilSeq(barrier.updates, 1);

    const second = await watcher();
    expect((await subscribe(second.socket, boardId)).seq).toBe(2);
    await votes(boardId, ['bob']);
    await untilSeq(second.updates, 3);
    expect(second.updates[0]).toMatchObject({ reset: true, fromSeq: 0, seq: 3 });
    expect(second.updates[0]?.entries).toEqual([
      { candidateId: 'bob', rank: 1, score: 2 },
      { candidateId: 'alice', rank: 2, score: 1 },
    ]);
  });

  it('goes on diffing for a watcher that joins a watched room, from what the room was last sent', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']);
    const first = await watcher();
    await subscribe(first.socket, boardId);
    await votes(boardId, ['alice']);
    await untilSeq(first.updates, 1);

    const second = await watcher();
    const feed = new BoardFeed('all', TOP_N);
    feed.snapshot(await subscribe(second.socket, boardId));
    await votes(boardId, ['bob', 'bob']);
    await untilSeq(second.updates, 3);
    expect(second.updates[0]).toMatchObject({ reset: false, fromSeq: 1 });
    expectChained([...first.updates.slice(0, 1), ...second.updates]);
    for (const update of second.updates) expect(feed.update(update)).toBe('applied');
    expect(feed.entries).toEqual((await readRanking(server.url, boardId)).entries);
  });

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
      days: [],
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

  it('sends a reset once its Redis subscription drops and comes back, since changes may have been missed', async () => {
    // A second server whose relay listens through a proxy that can cut its Redis connection.
    const proxy = await startTcpProxy(config.redis.url);
    const subscriber = createRedis(proxy.url, 'subscriber', 'test-proxied');
    subscriber.on('error', () => {});
    await waitForReady(subscriber);
    const app = await listenApp({ ...server.deps, subscriber }, { relay: true });
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

      await proxy.cut();
      await eventually(async () => subscriber.status !== 'ready', 5_000, 'the subscriber to notice');
      // Missed: nobody hears this change.
      await applyDirect(server.deps, boardId, ['b', 'b', 'b']);
      await proxy.restore();
      await eventually(async () => subscriber.status === 'ready', 10_000, 'the subscriber to reconnect');

      // The subscription comes back just after `ready`: vote until the relay hears one.
      await eventually(
        async () => {
          await applyDirect(server.deps, boardId, ['c']);
          await new Promise((resolve) => setTimeout(resolve, 2 * TICK_MS));
          return updates.length > 2;
        },
        10_000,
        'an update after the reconnect',
      );
      const { seq } = await readRanking(app.url, boardId);
      await untilSeq(updates, seq);
      expect(updates[2]).toMatchObject({ reset: true });
      expect(updates[2]?.entries).toHaveLength(TOP_N);
      // A diff from seq 2 would have left b's missed change out; the reset brings it in.
      for (const update of updates) expect(feed.update(update)).toBe('applied');
      expect(feed.entries).toEqual((await readRanking(app.url, boardId)).entries.slice(0, TOP_N));
      expect(feed.standing('b')?.score).toBe(3);
    } finally {
      await app.close();
      subscriber.disconnect();
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
