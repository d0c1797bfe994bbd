import { loadConfig } from '@rallyboard/core/config';
import { connectMongo } from '@rallyboard/core/db';
import type { Connection } from 'mongoose';
import { afterAll, describe, expect, it } from 'vitest';
import { testEnv } from '../support/config.js';
import { expectAcceptedCountedRecorded, FAULT_CANDIDATES } from '../support/fault-checks.js';
import { type OwnRedis, startOwnRedis } from '../support/own-redis.js';
import { type RunningProcess, startProcess } from '../support/processes.js';
import { seedBoard, startTestServer, type TestServer } from '../support/stack.js';
import { castVote, inParallel, type VoteTarget } from '../support/votes.js';

// Redis killed outright (kill -9) in the middle of a burst, then started again on its
// append-only file: what was answered 202 before the kill must still be counted, once. Clients
// retry what got a 503 or no answer, with the same Idempotency-Key. A kill of the process keeps
// what Redis wrote to the OS, so `everysec` loses nothing here either; what it would lose is a
// crash of the machine (docs/architecture.md, "What a 202 promises").
const VOTES = 2_400;
const KILL_AT = 800;
const DOWN_MS = 1_500;

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

/** Sends one vote until it is answered 202, as a client would: again after a 503 or no answer, same key. */
async function voteUntilAccepted(target: VoteTarget, boardId: string, candidateId: string, key: string) {
  for (let attempt = 0; attempt < 300; attempt++) {
    const res = await castVote(target, boardId, candidateId, { idempotencyKey: key }).catch(() => undefined);
    if (res?.status === 202) return ((await res.json()) as { voteId: string }).voteId;
    if (res && res.status !== 503) throw new Error(`vote ${key}: ${res.status} ${await res.text()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`vote ${key} never accepted`);
}

async function stackOn(redis: OwnRedis) {
  const env = testEnv({
    REDIS_URL: redis.url,
    WORKER_LOCK_DURATION_MS: '2000',
    WORKER_STALLED_INTERVAL_MS: '1000',
  });
  const config = loadConfig(env);
  const mongo: Connection = await connectMongo(config.mongo.uri, 'test');
  cleanups.push(() => mongo.close());
  // In process, only to seed and to read the boards for the checks; the traffic goes to a real
  // server process, and real workers apply it.
  const reader: TestServer = await startTestServer(config, mongo);
  cleanups.push(() => reader.close());
  const server: RunningProcess = await startProcess('server', env, 'server listening');
  const workers: RunningProcess = await startProcess('workers', env, 'workers started');
  for (const p of [server, workers]) cleanups.push(async () => p.child.kill('SIGKILL'));
  const line = server.lines.find((l) => l.includes('server listening')) as string;
  const target: VoteTarget = { url: (JSON.parse(line) as { url: string }).url, deps: { config } };
  return { config, mongo, reader, server, workers, target };
}

describe.each(['always', 'everysec'] as const)('Redis with appendfsync %s, killed -9 mid-burst', (fsync) => {
  it('comes back from its append-only file with every vote answered 202 counted once', async () => {
    const redis = await startOwnRedis(fsync);
    cleanups.push(() => redis.close());
    const { config, mongo, reader, server, workers, target } = await stackOn(redis);
    const boardId = await seedBoard(config, reader.deps.redis, mongo, FAULT_CANDIDATES);

    const accepted = new Map([[boardId, new Set<string>()]]);
    let sent = 0;
    let outage: Promise<void> | undefined;
    await inParallel(VOTES, 16, async (i) => {
      const candidateId = FAULT_CANDIDATES[(i * 7) % FAULT_CANDIDATES.length] as string;
      accepted
        .get(boardId)
        ?.add(await voteUntilAccepted(target, boardId, candidateId, `rkill-${fsync}-${i}`));
      if (++sent === KILL_AT) {
        outage = (async () => {
          await redis.kill();
          await new Promise((resolve) => setTimeout(resolve, DOWN_MS));
          await redis.start();
        })();
      }
    });
    await outage;

    await expectAcceptedCountedRecorded(reader, mongo, reader.deps.voteQueue, accepted, 60_000);
    expect(server.child.exitCode).toBeNull();
    expect(workers.child.exitCode).toBeNull();
  }, 240_000);
});
