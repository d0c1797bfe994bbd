import { connectMongo } from '@rallyboard/core/db';
import { QUEUE_NAMES, VOTE_JOB, type VoteJob } from '@rallyboard/core/queue';
import { clearDeadLetters, closeRedis, recordDeadLetter } from '@rallyboard/core/redis';
import { Worker } from 'bullmq';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../test/support/config.js';
import { parseExposition, sampleValue } from '../../../test/support/exposition.js';
import { eventually, startTestServer, type TestServer, testRedis } from '../../../test/support/stack.js';
import { listenApp } from '../support/app.js';

const TOKEN = 'metrics-test-token-0123456789abcdef';
const config = testConfig({ METRICS_TOKEN: TOKEN });
let server: TestServer;
let mongo: Connection;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
});
afterAll(async () => {
  await server.close();
  await mongo.close();
});

function scrape(url: string, authorization?: string) {
  return fetch(`${url}/metrics`, authorization === undefined ? {} : { headers: { authorization } });
}

async function samples() {
  const res = await scrape(server.url, `Bearer ${TOKEN}`);
  expect(res.status).toBe(200);
  return parseExposition(await res.text());
}

const vote = (n: number): VoteJob => ({
  boardId: randomId(),
  votes: [{ voteId: `v${n}${randomId('x')}`, candidateId: 'alice', action: 'vote', acceptedAt: Date.now() }],
});

/** A vote job that fails for good on the server's votes queue: a real BullMQ worker that throws. */
async function failOneVoteJob(): Promise<void> {
  const connection = await testRedis(config, 'worker');
  const worker = new Worker<VoteJob>(
    QUEUE_NAMES.votes,
    async () => {
      throw new Error('undecidable');
    },
    { connection, prefix: server.deps.keys.queuePrefix },
  );
  try {
    const job = await server.deps.voteQueue.add(VOTE_JOB, vote(1), { attempts: 1 });
    await eventually(async () => (await job.getState()) === 'failed', 10_000, 'job failed');
  } finally {
    await worker.close();
    await closeRedis(connection);
  }
}

describe('GET /metrics when no METRICS_TOKEN is configured', () => {
  it('answers 404 as if nothing were there, with or without a token', async () => {
    const app = await listenApp({ ...server.deps, config: testConfig() });
    try {
      for (const authorization of [undefined, `Bearer ${TOKEN}`, 'Bearer ']) {
        const res = await scrape(app.url, authorization);
        expect(res.status).toBe(404);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
      }
    } finally {
      await app.close();
    }
  });
});

describe('GET /metrics without the right token', () => {
  it('answers 401 UNAUTHENTICATED and shows no metric', async () => {
    for (const authorization of [undefined, 'Bearer wrong', `Bearer ${TOKEN}x`, TOKEN, `Basic ${TOKEN}`]) {
      const res = await scrape(server.url, authorization);
      expect(res.status, String(authorization)).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      const body = await res.text();
      expect(body).not.toContain('rallyboard_');
      expect((JSON.parse(body) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
    }
  });
});

describe('GET /metrics with the token', () => {
  it('answers valid Prometheus text, not cached', async () => {
    const res = await scrape(server.url, `Bearer ${TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const text = await res.text();
    expect(() => parseExposition(text)).not.toThrow();
    expect(text).toContain('# TYPE rallyboard_dead_letter_votes gauge');
    expect(text).toContain('# TYPE rallyboard_votes_queue_lag_seconds gauge');
  });

  it("shows a board's dead-lettered jobs and votes, and only for boards that have any", async () => {
    const [board, other] = [randomId(), randomId()];
    const { redis, keys } = server.deps;
    await recordDeadLetter(redis, keys, board, { id: 'job-1', votes: 3 });
    await recordDeadLetter(redis, keys, board, { id: 'job-2', votes: 2 });
    await recordDeadLetter(redis, keys, other, { id: 'job-3', votes: 1 });
    await clearDeadLetters(redis, keys, other, ['job-3']);

    const found = await samples();
    expect(sampleValue(found, 'rallyboard_dead_letter_jobs', { board })).toBe(2);
    expect(sampleValue(found, 'rallyboard_dead_letter_votes', { board })).toBe(5);
    expect(sampleValue(found, 'rallyboard_dead_letter_jobs', { board: other })).toBeUndefined();

    // Replayed: the board leaves the metrics at the next scrape.
    await clearDeadLetters(redis, keys, board, ['job-1', 'job-2']);
    const after = await samples();
    expect(sampleValue(after, 'rallyboard_dead_letter_jobs', { board })).toBeUndefined();
    expect(sampleValue(after, 'rallyboard_dead_letter_votes', { board })).toBeUndefined();
  });

  it("shows the votes queue's jobs by state and its lag", async () => {
    await failOneVoteJob();
    const before = Date.now();
    await server.deps.voteQueue.add(VOTE_JOB, vote(2));
    await new Promise((resolve) => setTimeout(resolve, 300));

    const found = await samples();
    const jobs = (state: string) => sampleValue(found, 'rallyboard_votes_queue_jobs', { state });
    expect([jobs('waiting'), jobs('delayed'), jobs('active'), jobs('failed')]).toEqual([1, 0, 0, 1]);
    const lag = sampleValue(found, 'rallyboard_votes_queue_lag_seconds') ?? 0;
    expect(lag).toBeGreaterThanOrEqual(0.3);
    expect(lag).toBeLessThanOrEqual((Date.now() - before) / 1_000 + 0.1);
  });
});
