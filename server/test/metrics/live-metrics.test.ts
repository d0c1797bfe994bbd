import { connectMongo } from '@rallyboard/core/db';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { parseExposition, type Sample, sampleSum, sampleValue } from '../../../test/support/exposition.js';
import { collectUpdates, connectSocket, subscribe, type TestSocket } from '../../../test/support/socket.js';
import {
  eventually,
  seedBoard,
  startTestServer,
  startTestWorker,
  type TestServer,
} from '../../../test/support/stack.js';
import { castVote } from '../../../test/support/votes.js';

// What an operator's scrape shows moving as votes arrive: requests by route, the ingest's
// batches, the relay's pushes and the sockets watching.
const TOKEN = 'metrics-test-token-0123456789abcdef';
const config = testConfig({ METRICS_TOKEN: TOKEN, RELAY_TICK_MS: '50' });
const VOTE_ROUTE = '/api/boards/:boardId/votes';
let server: TestServer;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let mongo: Connection;
let socket: TestSocket | undefined;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
  worker = await startTestWorker(config, mongo);
});
afterAll(async () => {
  socket?.disconnect();
  await worker.close();
  await server.close();
  await mongo.close();
});

async function scrape(): Promise<Sample[]> {
  const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  return parseExposition(await res.text());
}

describe('the metrics a vote moves', () => {
  it('count the vote request by route pattern and status, its batch, the push to a watcher and the socket', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']);
    socket = await connectSocket(server.url);
    const updates = collectUpdates(socket);
    await subscribe(socket, boardId);
    const before = await scrape();

    const accepted = await castVote(server, boardId, 'alice', { participantId: 'p-metrics-1' });
    expect(accepted.status).toBe(202);
    const refused = await castVote(server, boardId, 'nobody', { participantId: 'p-metrics-2' });
    expect(refused.status).toBe(422);
    await eventually(async () => updates.some((u) => u.seq >= 1), 10_000, 'the push');

    const after = await scrape();
    const moved = (name: string, labels: Record<string, string> = {}) =>
      sampleSum(after, name, labels) - sampleSum(before, name, labels);
    expect(
      moved('rallyboard_http_requests_total', { route: VOTE_ROUTE, method: 'POST', status: '202' }),
    ).toBe(1);
    expect(
      moved('rallyboard_http_requests_total', { route: VOTE_ROUTE, method: 'POST', status: '422' }),
    ).toBe(1);
    // No label carries the board's id: routes are patterns.
    expect(after.some((s) => Object.values(s.labels).some((v) => v.includes(boardId)))).toBe(false);
    expect(
      moved('rallyboard_http_request_duration_seconds_count', { route: VOTE_ROUTE, method: 'POST' }),
    ).toBe(2);
    expect(moved('rallyboard_ingest_batch_votes_sum')).toBe(1);
    expect(moved('rallyboard_ingest_batch_duration_seconds_count')).toBe(1);
    expect(moved('rallyboard_relay_ticks_total')).toBeGreaterThanOrEqual(1);
    expect(moved('rallyboard_relay_pushes_total', { window: 'all' })).toBeGreaterThanOrEqual(1);
    expect(moved('rallyboard_relay_bytes_total', { window: 'all' })).toBeGreaterThan(50);
    expect(sampleValue(after, 'rallyboard_sockets', { namespace: '/' })).toBe(1);
    expect(sampleValue(after, 'rallyboard_sockets', { namespace: '/host' })).toBe(0);

    socket.disconnect();
    await eventually(
      async () => sampleValue(await scrape(), 'rallyboard_sockets', { namespace: '/' }) === 0,
      5_000,
      'the socket gone',
    );
  });
});
