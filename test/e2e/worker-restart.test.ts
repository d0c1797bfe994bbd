import { loadConfig } from '@rallyboard/core/config';
import { connectMongo, ledgerModel } from '@rallyboard/core/db';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnv } from '../support/config.js';
import { startProcess } from '../support/processes.js';
import { eventually, seedBoard, startTestServer, type TestServer } from '../support/stack.js';

// Short locks so a killed worker's jobs are found stalled and re-delivered within seconds.
const env = testEnv({
  WORKER_LOCK_DURATION_MS: '2000',
  WORKER_STALLED_INTERVAL_MS: '1000',
  WORKER_CONCURRENCY: '8',
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

const TOTAL = 600;

async function castVotes(
  boardId: string,
  count: number,
  onProgress: (sent: number) => Promise<void>,
): Promise<void> {
  const candidates = ['alice', 'bob', 'carol'];
  let sent = 0;
  // Eight clients in parallel, each voting in turn.
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (sent < count) {
        const i = sent++;
        const res = await fetch(`${server.url}/api/boards/${boardId}/votes`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ candidateId: candidates[i % candidates.length] }),
        });
        expect(res.status).toBe(202);
        await onProgress(i + 1);
      }
    }),
  );
}

async function totalScore(boardId: string): Promise<number> {
  const scores = await server.deps.redis.zrange(
    server.deps.keys.board(boardId).scores,
    '0',
    '-1',
    'WITHSCORES',
  );
  let total = 0;
  for (let i = 1; i < scores.length; i += 2) total += Number(scores[i]);
  return total;
}

describe.each([
  { how: 'stopped gracefully (SIGTERM)', signal: 'SIGTERM' as const },
  { how: 'killed outright (SIGKILL)', signal: 'SIGKILL' as const },
])('when the worker process is $how mid-stream and restarted', ({ signal }) => {
  it('counts every vote sent exactly once', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob', 'carol']);
    let worker = await startProcess('workers', env, 'workers started');
    let scoreAtStop = -1;
    let restarted: Promise<void> | undefined;

    await castVotes(boardId, TOTAL, async (sent) => {
      if (sent !== TOTAL / 3 || restarted) return;
      restarted = (async () => {
        worker.child.kill(signal);
        const code = await worker.exited;
        if (signal === 'SIGTERM') expect(code).toBe(0);
        scoreAtStop = await totalScore(boardId);
        worker = await startProcess('workers', env, 'workers started');
      })();
    });
    await restarted;

    await eventually(async () => (await totalScore(boardId)) >= TOTAL, 30_000, `score ${TOTAL}`);
    // Let any re-delivered job land before judging: a double count would show up now.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    worker.child.kill('SIGTERM');
    await worker.exited;

    expect(scoreAtStop).toBeGreaterThan(0);
    expect(scoreAtStop).toBeLessThan(TOTAL);
    expect(await totalScore(boardId)).toBe(TOTAL);
    expect(Number(await server.deps.redis.get(server.deps.keys.board(boardId).seq))).toBe(TOTAL);
    await eventually(
      async () => (await ledgerModel(mongo).countDocuments({ boardId, verdict: 'counted' })) === TOTAL,
      10_000,
      'every vote on the ledger',
    );
  }, 90_000);
});
