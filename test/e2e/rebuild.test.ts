import { loadConfig } from '@rallyboard/core/config';
import { connectMongo, ledgerModel } from '@rallyboard/core/db';
import { scanKeys } from '@rallyboard/core/redis';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../support/commands.js';
import { testEnv } from '../support/config.js';
import { type RunningProcess, startProcess } from '../support/processes.js';
import { eventually, seedBoard, startTestServer, type TestServer } from '../support/stack.js';
import { castVote, readRanking } from '../support/votes.js';

const env = testEnv({ FENCE_RETRY_MS: '100', REBUILD_SETTLE_TIMEOUT_MS: '30000' });
const config = loadConfig(env);
const CLI = 'workers/src/recovery/cli.ts';
let mongo: Connection;
let server: TestServer;
let worker: RunningProcess;
let stream: ReturnType<typeof steadyVotes> | undefined;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
  worker = await startProcess('workers', env, 'workers started');
});
afterAll(async () => {
  await stream?.stop().catch(() => {});
  worker.child.kill('SIGTERM');
  await worker.exited;
  await server.close();
  await mongo.close();
});

const CANDIDATES = ['c1', 'c2', 'c3', 'c4', 'c5'];

/** Deletes every Redis key of the board, as if Redis had lost it. */
async function loseBoardState(boardId: string): Promise<number> {
  const { redis, keys } = server.deps;
  const pattern = `${keys.board(boardId).meta.slice(0, -'meta'.length)}*`;
  let deleted = 0;
  for await (const batch of scanKeys(redis, pattern)) {
    if ((batch as string[]).length > 0) deleted += await redis.del(...(batch as string[]));
  }
  return deleted;
}

/** Votes at a steady pace until stopped; returns the distinct accepted vote ids. */
function steadyVotes(boardId: string) {
  const accepted = new Set<string>();
  let running = true;
  let sent = 0;
  let failure: unknown;
  // Kept from rejecting unobserved: a failure surfaces from stop() and from count().
  const done = Promise.allSettled(
    Array.from({ length: 8 }, async () => {
      try {
        while (running) {
          const candidateId = CANDIDATES[sent++ % CANDIDATES.length] as string;
          const res = await castVote(server, boardId, candidateId);
          expect(res.status, await res.clone().text()).toBe(202);
          accepted.add(((await res.json()) as { voteId: string }).voteId);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      } catch (error) {
        failure ??= error;
        throw error;
      }
    }),
  );
  return {
    accepted,
    /** How many votes were accepted so far; throws what stopped the voters, if anything did. */
    count() {
      if (failure !== undefined) throw failure;
      return accepted.size;
    },
    async stop() {
      running = false;
      const failed = (await done).find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}

describe('when a board loses its Redis state while votes keep arriving', () => {
  it('`rebuild` restores it from the ledger and every accepted vote counts exactly once', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo, CANDIDATES);
    const votes = steadyVotes(boardId);
    stream = votes;
    await eventually(
      async () => (await readRanking(server.url, boardId)).totals.votes >= 400,
      20_000,
      '400 votes',
    );

    expect(await loseBoardState(boardId)).toBeGreaterThan(400);
    // Votes go on being accepted (MongoDB knows the board); they wait in the queue.
    const acceptedAtLoss = votes.accepted.size;
    await eventually(
      async () => votes.count() > acceptedAtLoss + 100,
      20_000,
      'votes accepted after the loss',
    );

    const drift = await runCommand(CLI, ['reconcile', boardId], env);
    expect(drift.code, drift.stderr).toBe(1);
    expect(drift.stdout).toContain('DRIFT');

    const rebuilt = await runCommand(CLI, ['rebuild', boardId, '--json'], env);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    const report = JSON.parse(rebuilt.stdout) as { ledgerRecords: number; markersRestored: number };
    expect(report.ledgerRecords).toBeGreaterThan(400);
    expect(report.markersRestored).toBe(report.ledgerRecords);

    // Keep voting for a while after the rebuild, then stop and let everything settle.
    const acceptedAtRebuild = votes.accepted.size;
    await eventually(async () => votes.count() > acceptedAtRebuild + 200, 20_000, 'votes after the rebuild');
    await votes.stop();
    const want = votes.accepted.size;
    await eventually(
      async () => (await readRanking(server.url, boardId)).totals.votes >= want,
      60_000,
      `${want} counted`,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    const view = await readRanking(server.url, boardId);
    expect(view.totals.votes).toBe(want);
    expect(view.entries.reduce((sum, e) => sum + e.score, 0)).toBe(want);
    const counted = await ledgerModel(mongo).find({ boardId, verdict: 'counted' }, { _id: 1 }).lean();
    expect(new Set(counted.map((r) => r._id))).toEqual(votes.accepted);
    expect(await ledgerModel(mongo).countDocuments({ boardId, verdict: { $ne: 'counted' } })).toBe(0);

    const check = await runCommand(CLI, ['reconcile', boardId], env);
    expect(check.code, check.stdout).toBe(0);
    expect(check.stdout).toContain('no drift');
  }, 180_000);
});
