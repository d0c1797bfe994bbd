import { connectMongo, ledgerModel } from '@rallyboard/core/db';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../support/config.js';
import {
  eventually,
  seedBoard,
  startTestServer,
  startTestWorker,
  type TestServer,
} from '../support/stack.js';
import { castVote, readRanking } from '../support/votes.js';

const config = testConfig({ WORKER_CONCURRENCY: '16' });
let mongo: Connection;
let server: TestServer;
let worker: Awaited<ReturnType<typeof startTestWorker>>;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
  worker = await startTestWorker(config, mongo);
});
afterAll(async () => {
  await worker.close();
  await server.close();
  await mongo.close();
});

const ITEMS = ['photo1', 'photo2', 'photo3'];

describe('a like board, with voters liking and unliking in races', () => {
  it('counts, per item, the voters whose last applied action was a like', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo, ITEMS, { kind: 'like' });
    // 40 voters, each firing 6 likes/unlikes per item all at once: their order of arrival is
    // whatever the network, the queue and the batches make of it.
    const sends: Promise<void>[] = [];
    for (let v = 0; v < 40; v++) {
      for (const item of ITEMS) {
        for (let a = 0; a < 6; a++) {
          const action = (v + a) % 3 === 0 ? 'unlike' : 'like';
          sends.push(
            castVote(server, boardId, item, { action, participantId: `voter-${v}` }).then((res) => {
              expect(res.status).toBe(202);
            }),
          );
        }
      }
    }
    await Promise.all(sends);
    const ledger = ledgerModel(mongo);
    await eventually(
      async () => (await ledger.countDocuments({ boardId })) === sends.length,
      30_000,
      'every action decided',
    );

    // The truth, from the ledger: for each (item, voter), the counted action with the highest seq.
    const counted = await ledger.find({ boardId, verdict: 'counted' }).sort({ seq: 1 }).lean();
    const last = new Map<string, number>();
    for (const r of counted) last.set(`${r.candidateId}|${r.voterId}`, r.delta ?? 0);
    const expected = new Map(ITEMS.map((item) => [item, 0]));
    for (const [key, delta] of last) {
      if (delta === 1) {
        const item = key.split('|')[0] as string;
        expected.set(item, (expected.get(item) ?? 0) + 1);
      }
    }
    // Within one voter and item, counted actions alternate like, unlike, like…
    const perPair = new Map<string, number[]>();
    for (const r of counted)
      perPair.set(`${r.candidateId}|${r.voterId}`, [
        ...(perPair.get(`${r.candidateId}|${r.voterId}`) ?? []),
        r.delta ?? 0,
      ]);
    for (const deltas of perPair.values()) {
      expect(deltas).toEqual(deltas.map((_, i) => (i % 2 === 0 ? 1 : -1)));
    }

    const view = await readRanking(server.url, boardId);
    for (const item of ITEMS) {
      const entry = view.entries.find((e) => e.candidateId === item);
      expect(entry?.score, item).toBe(expected.get(item));
      expect(await server.deps.redis.scard(server.deps.keys.board(boardId).likes(item))).toBe(
        expected.get(item),
      );
    }
    expect(view.totals.votes).toBe([...expected.values()].reduce((a, b) => a + b, 0));
    // All on one day: today's window agrees with all-time.
    const today = await readRanking(server.url, boardId, 'day');
    expect(today.totals.votes).toBe(view.totals.votes);
    expect(await ledger.countDocuments({ boardId, verdict: 'rejected' })).toBe(0);
  }, 60_000);
});
