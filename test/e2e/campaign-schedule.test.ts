import { connect, createServer, type Server, type Socket } from 'node:net';
import { settleBoard } from '@rallyboard/core/campaigns';
import { boardModel, campaignModel, connectMongo } from '@rallyboard/core/db';
import { createLogger } from '@rallyboard/core/logger';
import { closeRedis, type RedisClient, readBoardMeta, withLock } from '@rallyboard/core/redis';
import type { Worker } from 'bullmq';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, campaignBody, createTestHost, type TestHost } from '../../server/test/support/hosts.js';
import { createScheduleWorker } from '../../workers/src/campaigns/schedule-worker.js';
import { testConfig } from '../support/config.js';
import { eventually, startTestServer, type TestServer, testRedis } from '../support/stack.js';

// A host schedules a campaign through the server; the workers process's schedule worker starts it.
const config = testConfig();
let slowMongo: { uri: string; close(): Promise<void> };
let serverMongo: Connection;
let server: TestServer;
let host: TestHost;
let redis: RedisClient;
let connection: RedisClient;
let worker: Worker;
let workerMongo: Connection;

/**
 * A relay to MongoDB that holds each request `delayMs` before passing it on: the server's
 * MongoDB is a slow network away, the workers' is not (as when they run beside the database).
 * Real latency, so the order of the server's writes and the worker's reads is no coin toss.
 */
async function slowRelay(uri: string, delayMs: number): Promise<{ uri: string; close(): Promise<void> }> {
  const target = new URL(uri);
  const sockets = new Set<Socket>();
  const relay: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 27017), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => sockets.delete(socket));
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('data', (chunk) => setTimeout(() => upstream.write(chunk), delayMs));
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const url = new URL(uri);
  url.hostname = '127.0.0.1';
  url.port = String((relay.address() as { port: number }).port);
  return {
    uri: url.toString(),
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
    },
  };
}

beforeAll(async () => {
  slowMongo = await slowRelay(config.mongo.uri, 100);
  serverMongo = await connectMongo(slowMongo.uri, 'test-server');
  server = await startTestServer(config, serverMongo);
  host = await createTestHost(server);
  [redis, connection] = await Promise.all([testRedis(config), testRedis(config, 'worker')]);
  const { keys } = server.deps;
  workerMongo = await connectMongo(config.mongo.uri, 'test-workers');
  worker = createScheduleWorker(
    {
      logger: createLogger(config, 'workers', 'test'),
      keys,
      campaigns: campaignModel(workerMongo),
      serialize: (campaignId, work) => withLock(redis, keys.campaignLock(campaignId), work),
      settleBoard: (campaign, from) =>
        settleBoard({ redis, keys, config, boards: boardModel(workerMongo) }, campaign, { from }),
    },
    connection,
  );
  void worker.run();
  await worker.waitUntilReady();
});
afterAll(async () => {
  await worker?.close();
  await Promise.all([redis, connection].filter(Boolean).map((r) => closeRedis(r)));
  await server?.close();
  await Promise.all([serverMongo?.close(), workerMongo?.close()]);
  await slowMongo?.close();
});

const statusOf = async (id: string) =>
  (await campaignModel(workerMongo).findById(id, { status: 1 }).lean())?.status;

describe('scheduling a campaign whose start has already passed', () => {
  it('puts it live promptly, in MongoDB and on its board', async () => {
    const ids = await Promise.all(
      Array.from({ length: 3 }, async () => {
        const body = campaignBody();
        const created = await call<{ id: string }>(server, host.token, 'POST', '/api/campaigns', {
          ...body,
          schedule: {
            startAt: new Date(Date.now() - 60_000).toISOString(),
            endAt: new Date(Date.now() + 86_400_000).toISOString(),
            timezone: 'Asia/Shanghai',
          },
        });
        expect(created.status, JSON.stringify(created.body)).toBe(201);
        return created.body.id;
      }),
    );
    await Promise.all(
      ids.map(async (id) => {
        const moved = await call(server, host.token, 'POST', `/api/campaigns/${id}/status`, {
          status: 'scheduled',
        });
        expect(moved.status, JSON.stringify(moved.body)).toBe(200);
      }),
    );
    for (const id of ids) {
      await eventually(async () => (await statusOf(id)) === 'live', 5_000, `${id} live`);
      await eventually(
        async () => (await readBoardMeta(redis, server.deps.keys, id))?.status === 'live',
        2_000,
        `${id}'s board live`,
      );
    }
  });
});
