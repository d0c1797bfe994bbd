import { BoardFeed, type RankUpdate } from '@rallyboard/core/protocol';
import { closeRedis, type RedisClient } from '@rallyboard/core/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collectUpdates,
  connectSocket,
  subscribe,
  type TestSocket,
} from '../../../../test/support/socket.js';
import { eventually, seedBoard, testRedis } from '../../../../test/support/stack.js';
import { createBoardLookup } from '../../../src/boards/lookup.js';
import { createBoardRelay } from '../../../src/realtime/relays/board-relay.js';
import type { Relay } from '../../../src/realtime/relays/channel.js';
import { listenApp, type RunningApp } from '../../support/app.js';
import { applyDirect } from '../../support/boards.js';
import { config, mongo, server, TOP_N, untilSeq, useRelayStack } from '../../support/relay-fixture.js';

// A push whose read of the board fails (here a Redis command timeout on the main connection,
// while the subscriber stays up) sent its room nothing. Until 2026-12-08 an all-time room then
// kept the old ranking until its board's next vote: for good after a campaign's last vote.
useRelayStack();

/**
 * The relay's Redis: the main connection, except that its reads of a board (readBoard-5.lua)
 * time out while `failing()` says so, as they do when Redis stalls past the command timeout.
 */
function flakyBoardReads(redis: RedisClient) {
  const reads = { failing: () => false, failed: 0 };
  const flaky = new Proxy(redis, {
    get(target, name) {
      if (name === 'readBoard' && reads.failing()) {
        reads.failed++;
        return () => Promise.reject(new Error('Command timed out'));
      }
      const value: unknown = Reflect.get(target, name, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { redis: flaky, reads };
}

let subscriber: RedisClient;
let app: RunningApp;
let relay: Relay;
let reads: ReturnType<typeof flakyBoardReads>['reads'];
const sockets: TestSocket[] = [];

// The file's server answers subscriptions; its sockets get their pushes from a board relay of the
// test's own, whose reads of a board can be made to fail.
beforeAll(async () => {
  const { keys } = server.deps;
  const flaky = flakyBoardReads(server.deps.redis);
  reads = flaky.reads;
  subscriber = await testRedis(config, 'subscriber');
  app = await listenApp(server.deps);
  const boards = createBoardLookup({ config, redis: server.deps.redis, keys, mongo });
  relay = createBoardRelay(app.io, { ...server.deps, redis: flaky.redis, boards, subscriber });
  await relay.start();
});
afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await relay.stop();
  await app.close();
  await closeRedis(subscriber);
});

/** A socket of the relay's server watching the board's all-time ranking, from its snapshot. */
async function watching(boardId: string) {
  const socket = await connectSocket(app.url);
  sockets.push(socket);
  const updates = collectUpdates(socket);
  const feed = new BoardFeed('all', TOP_N);
  expect(feed.snapshot(await subscribe(socket, boardId))).toBe('applied');
  return { socket, updates, feed };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the relay, when a push fails', () => {
  it('sends an all-time room the change whose push failed, with no further vote', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo, ['a', 'b', 'c']);
    const { updates, feed } = await watching(boardId);
    reads.failing = () => reads.failed < 1;

    await applyDirect(server.deps, boardId, ['b']);
    await untilSeq(updates, 1);

    expect(reads.failed).toBe(1);
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({ window: 'all', reset: true, fromSeq: 0, seq: 1 });
    expect(feed.update(updates[0] as RankUpdate)).toBe('applied');
    expect(feed.standing('b')).toEqual({ rank: 1, score: 1 });
  });

  it('tries again less and less often while reads fail, and sends the change once they answer', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo, ['a', 'b', 'c']);
    const { updates } = await watching(boardId);
    const until = Date.now() + 2_000;
    reads.failed = 0;
    reads.failing = () => Date.now() < until;

    await applyDirect(server.deps, boardId, ['c', 'c']);
    await untilSeq(updates, 2);

    // Tried again, but not at every tick (100 ms): a wait from 250 ms, doubled at each failure.
    expect(reads.failed).toBeGreaterThanOrEqual(2);
    expect(reads.failed).toBeLessThanOrEqual(6);
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({ reset: true, fromSeq: 0, seq: 2 });
  });

  it('stops trying once nobody watches the room', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo, ['a', 'b']);
    const { socket } = await watching(boardId);
    reads.failed = 0;
    reads.failing = () => true;

    await applyDirect(server.deps, boardId, ['a']);
    await eventually(async () => reads.failed >= 2, 5_000, 'the push tried again');
    const answer = await socket.timeout(5_000).emitWithAck('board:unsubscribe', { boardId, window: 'all' });
    expect(answer).toMatchObject({ data: { boardId, window: 'all' } });
    const failed = reads.failed;

    await sleep(2_500);
    reads.failing = () => false;
    expect(reads.failed - failed).toBeLessThanOrEqual(1);
  });
});
