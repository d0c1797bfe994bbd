import { connectMongo } from '@rallyboard/core/db';
import { BoardFeed } from '@rallyboard/core/protocol';
import { closeRedis, type RedisClient } from '@rallyboard/core/redis';
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
  type TestServer,
  testRedis,
} from '../../../../test/support/stack.js';
import { startTcpProxy, type TcpProxy, throughProxy } from '../../../../test/support/tcp-proxy.js';
import { applyDirect } from '../../support/boards.js';

// A relay whose reads take longer than its tick (a slow link to Redis, a busy server): its pushes
// must still follow one another, each taking up where the last ended. Two flushes used to run at
// once then, and a room got an update from an older base after a newer one (seen in CI with two
// servers under load).
const TICK_MS = 10;
const base = testConfig();
let proxy: TcpProxy;
let server: TestServer;
let mongo: Connection;
let direct: RedisClient;
let socket: TestSocket | undefined;

beforeAll(async () => {
  const { hostname, port } = new URL(base.redis.url);
  proxy = await startTcpProxy({ host: hostname, port: Number(port) }, { latencyMs: 25 });
  const config = testConfig({
    REDIS_URL: throughProxy(base.redis.url, proxy),
    KEY_PREFIX: base.keyPrefix,
    RELAY_TICK_MS: String(TICK_MS),
    REDIS_COMMAND_TIMEOUT_MS: '5000',
  });
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
  direct = await testRedis(base);
});
afterAll(async () => {
  socket?.disconnect();
  await server.close();
  await closeRedis(direct);
  await mongo.close();
  await proxy.close();
});

describe('the relay, when reading a board takes longer than a tick', () => {
  it('sends each room its updates one after another, each from the seq the last ended at', async () => {
    const candidates = ['c1', 'c2', 'c3', 'c4', 'c5'];
    const boardId = await seedBoard(base, direct, mongo, candidates);
    socket = await connectSocket(server.url);
    const updates = collectUpdates(socket);
    const feed = new BoardFeed('all', 10);
    feed.snapshot(await subscribe(socket, boardId));

    // A vote every few milliseconds for two seconds, applied straight to Redis: changes keep
    // coming while every push waits on its reads.
    let applied = 0;
    const until = Date.now() + 2_000;
    while (Date.now() < until) {
      await applyDirect({ redis: direct, keys: server.deps.keys }, boardId, [
        candidates[(applied * applied) % candidates.length] as string,
      ]);
      applied++;
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    await eventually(async () => updates.at(-1)?.seq === applied, 15_000, `seq ${applied} pushed`);

    expect(updates.length).toBeGreaterThan(5);
    updates.slice(1).forEach((update, i) => {
      expect(update.fromSeq, `update ${i + 1}`).toBe(updates[i]?.seq);
    });
    expect(updates.map((u) => feed.update(u)).filter((o) => o !== 'applied')).toEqual([]);
  }, 30_000);
});
