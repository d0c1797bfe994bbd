import { loadConfig } from '@rallyboard/core/config';
import { connectMongo } from '@rallyboard/core/db';
import { BoardFeed, type RankUpdate } from '@rallyboard/core/protocol';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnv } from '../support/config.js';
import { expectAcceptedCountedRecorded, FAULT_CANDIDATES } from '../support/fault-checks.js';
import { type RunningProcess, startProcess } from '../support/processes.js';
import { collectUpdates, connectSocket, subscribe, type TestSocket } from '../support/socket.js';
import { eventually, seedBoard, startTestServer, type TestServer } from '../support/stack.js';
import { castVote, inParallel, type VoteTarget } from '../support/votes.js';

// Two server processes and two worker processes on one Redis and one MongoDB, as behind a load
// balancer: votes go to both servers, watchers on both see every change in order, and a worker
// killed outright mid-burst leaves every accepted vote counted once.
const env = testEnv({
  WORKER_LOCK_DURATION_MS: '2000',
  WORKER_STALLED_INTERVAL_MS: '1000',
  WORKER_CONCURRENCY: '16',
});
const config = loadConfig(env);
const VOTES = 3_000;
let mongo: Connection;
/** In-process, only to read the boards and the queue for the checks; it takes no traffic. */
let reader: TestServer;
const processes: RunningProcess[] = [];
const sockets: TestSocket[] = [];

/** A server process on a port of its own, and where it listens. */
async function startServer(): Promise<VoteTarget & { running: RunningProcess }> {
  const running = await startProcess('server', env, 'server listening');
  processes.push(running);
  const line = running.lines.find((l) => l.includes('server listening')) as string;
  return { url: (JSON.parse(line) as { url: string }).url, deps: { config }, running };
}

async function startWorkers(): Promise<RunningProcess> {
  const running = await startProcess('workers', env, 'workers started');
  processes.push(running);
  return running;
}

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  reader = await startTestServer(config, mongo);
});
afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  for (const p of processes) p.child.kill('SIGKILL');
  await Promise.all(processes.map((p) => p.exited));
  await reader.close();
  await mongo.close();
});

/** A watcher on one server: its updates, checked to chain from its snapshot with no gap. */
async function watch(server: VoteTarget, boardId: string) {
  const socket = await connectSocket(server.url);
  sockets.push(socket);
  const updates = collectUpdates(socket);
  const feed = new BoardFeed('all', 10);
  feed.snapshot(await subscribe(socket, boardId));
  return { updates, feed };
}

function expectInOrder(updates: readonly RankUpdate[], feed: BoardFeed, finalSeq: number): void {
  expect(updates.length).toBeGreaterThan(0);
  updates.slice(1).forEach((update, i) => {
    expect(update.fromSeq, `update ${i + 1}`).toBe((updates[i] as RankUpdate).seq);
  });
  expect(updates.map((u) => feed.update(u)).filter((o) => o !== 'applied')).toEqual([]);
  expect(updates.at(-1)?.seq).toBe(finalSeq);
}

describe('two servers and two workers on one Redis and one MongoDB', () => {
  it('count every accepted vote once, one worker killed -9 mid-burst, and push every change to watchers on both', async () => {
    const servers = [await startServer(), await startServer()];
    const workers = [await startWorkers(), await startWorkers()];
    const boardId = await seedBoard(config, reader.deps.redis, mongo, FAULT_CANDIDATES);
    const watchers = await Promise.all(servers.map((s) => watch(s, boardId)));

    const accepted = new Map([[boardId, new Set<string>()]]);
    let sent = 0;
    await inParallel(VOTES, 24, async (i) => {
      const server = servers[i % 2] as VoteTarget;
      const candidateId = FAULT_CANDIDATES[(i * 7) % FAULT_CANDIDATES.length] as string;
      const res = await castVote(server, boardId, candidateId, { idempotencyKey: `scale-out-${i}` });
      expect(res.status, await res.clone().text()).toBe(202);
      accepted.get(boardId)?.add(((await res.json()) as { voteId: string }).voteId);
      if (++sent === VOTES / 3) workers[0]?.child.kill('SIGKILL');
    });
    expect(await workers[0]?.exited).toBe('SIGKILL');

    await expectAcceptedCountedRecorded(reader, mongo, reader.deps.voteQueue, accepted, 90_000);
    for (const { updates, feed } of watchers) {
      await eventually(async () => updates.at(-1)?.seq === VOTES, 10_000, 'the last change pushed');
      expectInOrder(updates, feed, VOTES);
    }
  }, 180_000);

  it('count every vote once when a server is killed -9 with requests in flight and its clients retry on the other', async () => {
    const [doomed, survivor] = [await startServer(), await startServer()];
    await startWorkers();
    const boardId = await seedBoard(config, reader.deps.redis, mongo, FAULT_CANDIDATES);

    const accepted = new Map([[boardId, new Set<string>()]]);
    let sent = 0;
    let retried = 0;
    await inParallel(VOTES, 24, async (i) => {
      const candidateId = FAULT_CANDIDATES[(i * 7) % FAULT_CANDIDATES.length] as string;
      const idempotencyKey = `crash-vote-${i}`;
      // As a client behind a load balancer: half the votes go to the server that dies; one that
      // gets no answer (reset mid-request, or refused once it is gone) is sent again, with the
      // same Idempotency-Key, to the other.
      let res = await castVote(i % 2 === 0 ? doomed : survivor, boardId, candidateId, {
        idempotencyKey,
      }).catch(() => undefined);
      if (res?.status !== 202) {
        retried++;
        res = await castVote(survivor, boardId, candidateId, { idempotencyKey });
      }
      expect(res.status, await res.clone().text()).toBe(202);
      accepted.get(boardId)?.add(((await res.json()) as { voteId: string }).voteId);
      if (++sent === VOTES / 3) doomed.running.child.kill('SIGKILL');
    });
    expect(await doomed.running.exited).toBe('SIGKILL');
    expect(retried).toBeGreaterThan(VOTES / 4);

    // Each key names one vote: a retry of a vote the dead server had already queued is the same vote.
    expect(accepted.get(boardId)?.size).toBe(VOTES);
    await expectAcceptedCountedRecorded(reader, mongo, reader.deps.voteQueue, accepted, 90_000);
  }, 180_000);
});
