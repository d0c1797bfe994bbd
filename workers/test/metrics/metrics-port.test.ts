import type { Server } from 'node:http';
import { connectMongo } from '@rallyboard/core/db';
import { createRedis, waitForReady } from '@rallyboard/core/redis';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { parseExposition, type Sample, sampleSum } from '../../../test/support/exposition.js';
import { startOwnRedis } from '../../../test/support/own-redis.js';
import {
  eventually,
  seedBoard,
  startTestServer,
  startTestWorker,
  type TestServer,
} from '../../../test/support/stack.js';
import { castVote } from '../../../test/support/votes.js';
import { createWorkerMetrics } from '../../src/metrics/recorders.js';
import { startMetricsServer } from '../../src/metrics/server.js';

// The workers' metrics port, as an operator's scraper sees it while votes are applied.
const TOKEN = 'metrics-test-token-0123456789abcdef';
const config = testConfig();
const metrics = createWorkerMetrics();
let server: TestServer;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let mongo: Connection;
let port: Server;
let url: string;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
  worker = await startTestWorker(config, mongo, { metrics });
  const started = await startMetricsServer(metrics.registry, { host: '127.0.0.1', port: 0, token: TOKEN });
  port = started.server;
  url = `http://127.0.0.1:${started.port}`;
});
afterAll(async () => {
  port?.close();
  await worker.close();
  await server.close();
  await mongo.close();
});

async function scrape(): Promise<Sample[]> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parseExposition(await res.text());
}

describe('the workers metrics port', () => {
  it('answers 401 without the token and 404 off /metrics, showing no metric', async () => {
    for (const authorization of [undefined, 'Bearer wrong', TOKEN]) {
      const res = await fetch(`${url}/metrics`, authorization ? { headers: { authorization } } : {});
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      const body = await res.text();
      expect(body).not.toContain('rallyboard_');
      expect((JSON.parse(body) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
    }
    const elsewhere = await fetch(`${url}/`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(elsewhere.status).toBe(404);
  });

  it('shows the batch, the verdicts and the ledger write of the votes it applied', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']);
    const before = await scrape();
    const VOTES = 3;
    for (let i = 0; i < VOTES; i++) {
      const res = await castVote(server, boardId, i === 0 ? 'alice' : 'bob', { participantId: `p-m-${i}` });
      expect(res.status).toBe(202);
    }
    const moved = async (name: string, labels: Record<string, string> = {}) =>
      sampleSum(await scrape(), name, labels) - sampleSum(before, name, labels);
    await eventually(
      async () => (await moved('rallyboard_worker_votes_total', { verdict: 'counted' })) === VOTES,
      10_000,
      'the votes counted',
    );
    expect(await moved('rallyboard_worker_batch_votes_sum')).toBe(VOTES);
    expect(await moved('rallyboard_worker_batch_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(await moved('rallyboard_ledger_write_records_sum')).toBe(VOTES);
  });

  it("counts risk control's verdicts, and each rule once per vote it did not accept", async () => {
    const own = createWorkerMetrics();
    own.apply.judged([
      { verdict: 'accept', rules: ['ipAccounts'] },
      { verdict: 'review', rules: ['deviceAccounts', 'deviceAccounts', 'lockstep'] },
      { verdict: 'reject', rules: ['lockstep'] },
    ]);
    const found = parseExposition(await own.registry.metrics());
    expect(sampleSum(found, 'rallyboard_risk_verdicts_total', { verdict: 'accept' })).toBe(1);
    expect(sampleSum(found, 'rallyboard_risk_verdicts_total', { verdict: 'review' })).toBe(1);
    expect(
      sampleSum(found, 'rallyboard_risk_rule_hits_total', { rule: 'deviceAccounts', verdict: 'review' }),
    ).toBe(1);
    expect(sampleSum(found, 'rallyboard_risk_rule_hits_total', { rule: 'lockstep' })).toBe(2);
    expect(sampleSum(found, 'rallyboard_risk_rule_hits_total', { rule: 'ipAccounts' })).toBe(0);
  });

  it("counts its Redis connections' errors when Redis goes away", async () => {
    const own = createWorkerMetrics();
    const gone = await startOwnRedis('always');
    const connection = createRedis(gone.url, 'worker', 'test');
    try {
      await waitForReady(connection);
      own.watchStores({ redis: [connection] });
      await gone.kill();
      await eventually(
        async () =>
          sampleSum(parseExposition(await own.registry.metrics()), 'rallyboard_worker_store_errors_total', {
            store: 'redis',
          }) > 0,
        10_000,
        'errors counted',
      );
    } finally {
      connection.disconnect();
      await gone.close();
    }
  });
});
