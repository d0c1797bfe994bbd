import { BoardFeed, type BoardView, type RankUpdate } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { subscribe } from '../../../../test/support/socket.js';
import { eventually, seedBoard } from '../../../../test/support/stack.js';
import { readRanking } from '../../../../test/support/votes.js';
import { boardRoom } from '../../../src/realtime/types.js';
import { aroundToday, getJson } from '../../support/boards.js';
import {
  config,
  expectChained,
  mongo,
  server,
  TOP_N,
  untilSeq,
  useRelayStack,
  votes,
  watcher,
} from '../../support/relay-fixture.js';

// The rooms the relay pushes to: a day window's own, which turns with the day, and only the rooms
// someone watches.
useRelayStack();

/**
 * Moves the board (on Pacific/Pago_Pago) to Pacific/Kiritimati, a day ahead, as midnight would,
 * and waits for the reset that turns the watched day room to the new day, without any vote.
 */
async function newDayOf(boardId: string, updates: RankUpdate[], day: string | null): Promise<RankUpdate> {
  await server.deps.redis.hset(server.deps.keys.board(boardId).meta, 'timezone', 'Pacific/Kiritimati');
  await eventually(
    async () => updates.some((u) => u.reset && u.day !== day),
    15_000,
    'a reset for the new day',
  );
  return updates.find((u) => u.reset && u.day !== day) as RankUpdate;
}

/**
 * A board watched by one socket, whose update after a vote on `boardId` shows the relay has
 * handled that vote (the relay handles changes in order): what a test of a change nobody watched
 * waits on.
 */
async function relayBarrier() {
  const barrierBoard = await seedBoard(config, server.deps.redis, mongo, ['alice']);
  const barrier = await watcher();
  await subscribe(barrier.socket, barrierBoard);
  let heard = 0;
  return {
    /** Votes `candidateIds` on `boardId` unwatched, and returns once the relay has handled them. */
    async votesUnwatched(boardId: string, candidateIds: string[], seq: number, what: string) {
      await votes(boardId, candidateIds);
      await eventually(async () => (await readRanking(server.url, boardId)).seq === seq, 10_000, what);
      await votes(barrierBoard, ['alice']);
      heard += 1;
      await untilSeq(barrier.updates, heard);
    },
  };
}

describe('the relay', () => {
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

    // Nothing was voted on the new day yet.
    expect(await newDayOf(boardId, daily.updates, view.day)).toMatchObject({
      entries: [],
      totals: { votes: 0, members: 2 },
    });
  }, 30_000);

  it("turns a day window's room to the new day even if nothing was voted since it was watched", async () => {
    // As above, but the room was never pushed to: the screen joined after the day's last vote.
    const boardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob'], {
      timezone: 'Pacific/Pago_Pago',
    });
    const barrier = await relayBarrier();
    await barrier.votesUnwatched(boardId, ['bob'], 1, 'the vote before the screen joins');
    const daily = await watcher();
    const view = await subscribe(daily.socket, boardId, 'day');
    expect(view.totals).toEqual({ votes: 1, members: 2 });

    // Nothing was voted on the new day yet.
    expect(await newDayOf(boardId, daily.updates, view.day)).toMatchObject({
      entries: [],
      totals: { votes: 0, members: 2 },
    });
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
    const barrier = await relayBarrier();
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

    // A change while nobody watches.
    await barrier.votesUnwatched(boardId, ['bob'], 2, 'the vote meanwhile');

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
});
