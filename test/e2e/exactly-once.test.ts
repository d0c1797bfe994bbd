import { loadConfig } from '@rallyboard/core/config';
import { archiveModels, boardModel, connectMongo, ledgerModel } from '@rallyboard/core/db';
import { redisNodes } from '@rallyboard/core/redis';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcile } from '../../workers/src/recovery/reconcile.js';
import { testEnv } from '../support/config.js';
import { startProcess } from '../support/processes.js';
import { eventually, seedBoard, startTestServer, type TestServer } from '../support/stack.js';
import { castVote, inParallel, readRanking } from '../support/votes.js';

// Short locks so a killed worker's jobs are found stalled and re-delivered within seconds.
const env = testEnv({
  WORKER_LOCK_DURATION_MS: '2000',
  WORKER_STALLED_INTERVAL_MS: '1000',
  WORKER_CONCURRENCY: '16',
});
const config = loadConfig(env);
let mongo: Connection;
let server: TestServer;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
});
afterAll(async () => {
  await server.close();
  await mongo.close();
});

const CANDIDATES = ['alice', 'bob', 'carol', 'dave'];

/**
 * Sends `total` votes spread over the boards, 48 requests in flight. Every 10th vote is sent a
 * second time with the same Idempotency-Key, as a client retrying would: it names the same vote,
 * so it must not count twice. Returns each board's distinct accepted vote ids.
 */
async function burst(boards: string[], total: number, onSent: (sent: number) => Promise<void>) {
  const accepted = new Map(boards.map((b) => [b, new Set<string>()]));
  let sent = 0;
  await inParallel(total, 48, async (i) => {
    const boardId = boards[i % boards.length] as string;
    const candidateId = CANDIDATES[(i * 7) % CANDIDATES.length] as string;
    const idempotencyKey = `client-${i}-${boardId}`;
    const sends = i % 10 === 0 ? 2 : 1;
    for (let s = 0; s < sends; s++) {
      const res = await castVote(server, boardId, candidateId, { idempotencyKey });
      expect(res.status).toBe(202);
      accepted.get(boardId)?.add(((await res.json()) as { voteId: string }).voteId);
    }
    await onSent(++sent);
  });
  return accepted;
}

async function boardTotal(boardId: string): Promise<number> {
  const view = await readRanking(server.url, boardId);
  return view.entries.reduce((sum, e) => sum + e.score, 0);
}

// The Redis Cluster tier runs this file too: what a cluster changes is which node each key
// lives on, which a burst of 5,000 shows as well as one of 20,000 (and it keeps CI in its time).
const KILL_BURST = redisNodes(config.redis.url).cluster ? 5_000 : 20_000;

describe.each([
  { how: 'killed outright (kill -9)', signal: 'SIGKILL' as const, total: KILL_BURST },
  { how: 'stopped gracefully (SIGTERM)', signal: 'SIGTERM' as const, total: 3_000 },
])(
  'when the worker process is $how in the middle of a burst of $total votes, then restarted',
  ({ signal, total }) => {
    it("leaves every board's score equal to its distinct accepted votes, exactly", async () => {
      const boards: string[] = [];
      for (let b = 0; b < 3; b++) boards.push(await seedBoard(config, server.deps.redis, mongo, CANDIDATES));
      let worker = await startProcess('workers', env, 'workers started');
      let countedAtStop = -1;
      let restarted: Promise<void> | undefined;

      const accepted = await burst(boards, total, async (sent) => {
        if (sent !== Math.floor(total / 3) || restarted) return;
        restarted = (async () => {
          worker.child.kill(signal);
          const code = await worker.exited;
          if (signal === 'SIGTERM') expect(code).toBe(0);
          countedAtStop = (await Promise.all(boards.map(boardTotal))).reduce((a, b) => a + b, 0);
          worker = await startProcess('workers', env, 'workers started');
        })();
      });
      await restarted;

      const expected = new Map(boards.map((b) => [b, accepted.get(b)?.size ?? 0]));
      const expectedSum = [...expected.values()].reduce((a, b) => a + b, 0);
      // Retried requests named the same votes: fewer distinct votes than requests.
      expect(expectedSum).toBe(total);
      await eventually(
        async () => (await Promise.all(boards.map(boardTotal))).reduce((a, b) => a + b, 0) >= expectedSum,
        120_000,
        `${expectedSum} votes counted`,
      );
      // Let any re-delivered job land before judging: a double count would show now.
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      worker.child.kill('SIGTERM');
      await worker.exited;

      expect(countedAtStop).toBeGreaterThan(0);
      expect(countedAtStop).toBeLessThan(total);
      const ledger = ledgerModel(mongo);
      for (const boardId of boards) {
        const want = expected.get(boardId) ?? -1;
        const view = await readRanking(server.url, boardId);
        expect(
          view.entries.reduce((sum, e) => sum + e.score, 0),
          `board ${boardId}`,
        ).toBe(want);
        expect(view.totals.votes).toBe(want);
        expect(view.seq).toBe(want);
        const counted = await ledger.find({ boardId, verdict: 'counted' }, { _id: 1 }).lean();
        expect(new Set(counted.map((r) => r._id))).toEqual(accepted.get(boardId));
        const report = await reconcile(
          {
            redis: server.deps.redis,
            keys: server.deps.keys,
            ledger,
            boards: boardModel(mongo),
            archives: archiveModels(mongo),
          },
          boardId,
        );
        expect(report.windows.flatMap((w) => w.drift)).toEqual([]);
        expect(report.ok).toBe(true);
      }
    }, 300_000);
  },
);
