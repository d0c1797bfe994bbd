import { connectMongo } from '@rallyboard/core/db';
import { type Job, Queue, Worker } from 'bullmq';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../test/support/config.js';
import {
  eventually,
  seedBoard,
  startTestServer,
  startTestWorker,
  type TestServer,
  testRedis,
} from '../../../test/support/stack.js';
import { castVote, readRanking } from '../../../test/support/votes.js';
import { createTestHost } from '../support/hosts.js';

const config = testConfig();
let mongo: Connection;
let server: TestServer;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let cookie: string;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
  worker = await startTestWorker(config, mongo);
  const admin = await createTestHost(server, 'admin');
  const res = await fetch(`${server.url}/api/admin/queue-session`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin.token}` },
  });
  cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
});
afterAll(async () => {
  await worker?.close();
  await server?.close();
  await mongo?.close();
});

/** A request to bull-board's own API as the signed-in admin's browser would send it. */
const board = (method: string, path: string, body?: unknown) =>
  fetch(`${server.url}/admin/queues/api${path}`, {
    method,
    headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

const score = async (boardId: string, candidateId: string) =>
  (await readRanking(server.url, boardId)).entries.find((e) => e.candidateId === candidateId)?.score ?? 0;

describe('bull-board is read-only', () => {
  it('refuses its add-job API: no job is queued and no vote reaches the board', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']);
    const before = await server.deps.voteQueue.getJobCounts();
    const forged = Array.from({ length: 50 }, (_, i) => ({
      voteId: `forged-${boardId}-${i}`,
      candidateId: 'alice',
      action: 'vote',
      voterId: `made-up-${i}`,
      acceptedAt: Date.now(),
    }));
    const added = await board('POST', '/queues/votes/add', {
      name: 'votes',
      data: { boardId, votes: forged },
      options: {},
    });
    expect(added.status).toBe(403);
    expect(((await added.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
    expect(await server.deps.voteQueue.getJobCounts()).toEqual(before);

    // A real vote through ingest, queued after the attempt: once it is counted, anything the
    // attempt had queued before it would have been counted too.
    expect((await castVote(server, boardId, 'bob')).status).toBe(202);
    await eventually(async () => (await score(boardId, 'bob')) === 1, 20_000, "bob's vote");
    expect(await score(boardId, 'alice')).toBe(0);
  });

  it('refuses retry, clean, empty, obliterate, pause and promote, and leaves the queues as they were', async () => {
    // The campaigns queue has no worker in this test: a failed, a waiting and a delayed job stay put.
    const [connection, workerConnection] = await Promise.all([
      testRedis(config, 'producer'),
      testRedis(config, 'worker'),
    ]);
    const queue = new Queue('campaigns', { connection, prefix: server.deps.keys.queuePrefix });
    const failing = new Worker(
      'campaigns',
      async (job: Job) => {
        if (job.name === 'fails') throw new Error('planned failure');
      },
      { connection: workerConnection, prefix: server.deps.keys.queuePrefix, autorun: false },
    );
    try {
      const failed = await queue.add('fails', { probe: randomId() }, { attempts: 1 });
      void failing.run();
      await eventually(async () => (await failed.getState()) === 'failed', 10_000, 'the failed job');
      await failing.close();
      const waiting = await queue.add('waits', { probe: randomId() });
      const delayed = await queue.add('later', { probe: randomId() }, { delay: 3_600_000 });
      const before = await queue.getJobCounts();
      expect(before).toMatchObject({ failed: 1, waiting: 1, delayed: 1 });

      const writes: [string, string, unknown?][] = [
        ['PUT', '/queues/campaigns/retry/failed'],
        ['PUT', `/queues/campaigns/${failed.id}/retry`],
        ['PUT', '/queues/campaigns/clean/failed'],
        ['PUT', `/queues/campaigns/${waiting.id}/clean`],
        ['PUT', '/queues/campaigns/empty'],
        ['PUT', '/queues/campaigns/obliterate', { force: true }],
        ['PUT', '/queues/campaigns/promote'],
        ['PUT', `/queues/campaigns/${delayed.id}/promote`],
        ['PUT', '/queues/campaigns/pause'],
        ['PUT', '/queues/pause'],
        ['PATCH', `/queues/campaigns/${waiting.id}/update-data`, { jobData: { forged: true } }],
        ['DELETE', '/queues/campaigns/empty'],
        ['POST', '/queues/campaigns/add', { name: 'forged', data: {}, options: {} }],
      ];
      for (const [method, path, body] of writes) {
        const answer = await board(method, path, body);
        expect(answer.status, `${method} ${path}`).toBe(403);
      }
      expect(await queue.getJobCounts()).toEqual(before);
      expect(await queue.isPaused()).toBe(false);
      expect(await failed.getState()).toBe('failed');
      expect((await queue.getJob(String(waiting.id)))?.data).toEqual(waiting.data);
      expect(await delayed.getState()).toBe('delayed');
    } finally {
      await failing.close();
      await queue.close();
      connection.disconnect();
      workerConnection.disconnect();
    }
  });

  it('still shows every queue and its jobs, each marked read-only for the page', async () => {
    const answer = await board('GET', '/queues?activeQueue=votes&status=latest&page=1');
    expect(answer.status).toBe(200);
    const { queues } = (await answer.json()) as { queues: { name: string; readOnlyMode: boolean }[] };
    expect(queues.map((q) => [q.name, q.readOnlyMode]).sort()).toEqual([
      ['campaigns', true],
      ['review', true],
      ['votes', true],
    ]);
  });
});
