import {
  archiveEndedPeriods,
  archiveModels,
  boardModel,
  connectMongo,
  ledgerModel,
} from '@rallyboard/core/db';
import { type BoardView, groupIdOf, type RankUpdate } from '@rallyboard/core/protocol';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { collectUpdates, connectSocket, subscribe, type TestSocket } from '../../../test/support/socket.js';
import {
  eventually,
  seedBoard,
  startTestServer,
  startTestWorker,
  type TestServer,
} from '../../../test/support/stack.js';
import { castVote } from '../../../test/support/votes.js';
import { getJson } from '../support/boards.js';

// Midnight (board time) while votes arrive, on a clock the test moves: each vote counts for the
// day it was accepted in, the day's and the month's rooms turn to the new period, and the ended
// day is then read from its archive.
const config = testConfig({ RELAY_TICK_MS: '50' });
let server: TestServer;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let mongo: Connection;
const sockets: TestSocket[] = [];

// 2027-06-30 23:59:50 in Shanghai (ahead of the machine's clock, so Redis keeps the keys) (UTC+8): ten seconds to the last day of June's end.
let clock = Date.parse('2027-06-30T15:59:50Z');
const JUNE_30 = '2027-06-30';
const JULY_1 = '2027-07-01';

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo, { now: () => clock });
  worker = await startTestWorker(config, mongo);
});
afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await worker.close();
  await server.close();
  await mongo.close();
});

const read = async (boardId: string, query: string) =>
  (await getJson<BoardView>(`${server.url}/api/boards/${boardId}/leaderboard?limit=100&${query}`)).body;
const scores = (view: BoardView) => view.entries.map((e) => `${e.candidateId}:${e.score}`);

describe('a period rolling over while votes arrive', () => {
  it('counts each vote in the day and month it was accepted in, turns the rooms to the new period, and archives the ended day', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob', 'carol'], {
      groups: { alice: '甲组', bob: '乙组', carol: '甲组' },
    });
    const socket = await connectSocket(server.url);
    sockets.push(socket);
    const updates = collectUpdates(socket);
    expect((await subscribe(socket, boardId, 'day')).day).toBe(JUNE_30);
    expect((await subscribe(socket, boardId, 'month')).day).toBe('2027-06-01');

    // Twelve votes, one a second of the clock: midnight falls after the tenth.
    const plan = [
      'alice',
      'alice',
      'bob',
      'alice',
      'bob',
      'alice',
      'bob',
      'alice',
      'bob',
      'alice',
      'carol',
      'carol',
    ];
    for (const [i, candidateId] of plan.entries()) {
      const res = await castVote(server, boardId, candidateId, { participantId: `p-midnight-${i}` });
      expect(res.status).toBe(202);
      clock += 1_000;
      // The day room shows June 30 live before midnight comes (else, on a slow machine, its first
      // push could come after it); the votes after this one cross midnight without waiting.
      if (i === 4) {
        await eventually(
          async () => updates.some((u) => u.window === 'day' && u.day === JUNE_30 && u.totals.votes > 0),
          10_000,
          "June 30's room with votes",
        );
      }
    }
    await eventually(
      async () => (await read(boardId, 'window=all')).totals.votes === 12,
      15_000,
      'every vote',
    );

    // June 30 has the ten before midnight; July 1 the two after; together the whole board.
    const june30 = await read(boardId, `window=day&day=${JUNE_30}`);
    expect(scores(june30)).toEqual(['alice:6', 'bob:4']);
    const today = await read(boardId, 'window=day');
    expect(today.day).toBe(JULY_1);
    expect(scores(today)).toEqual(['carol:2']);
    expect(june30.totals.votes + today.totals.votes).toBe(12);
    expect(scores(await read(boardId, 'window=month'))).toEqual(['carol:2']);
    expect(scores(await read(boardId, 'window=month&day=2027-06-15'))).toEqual(['alice:6', 'bob:4']);
    // The group rankings turned over with them.
    const [a, b] = [groupIdOf('甲组'), groupIdOf('乙组')];
    expect(scores(await read(boardId, `window=day&day=${JUNE_30}&view=groups`))).toEqual([
      `${a}:6`,
      `${b}:4`,
    ]);
    expect(scores(await read(boardId, 'window=day&view=groups'))).toEqual([`${a}:2`]);
    expect(scores(await read(boardId, `window=day&group=${a}`))).toEqual(['carol:2']);

    // The rooms turned to the new period with a reset, and carried on from there.
    await eventually(
      async () => updates.some((u) => u.window === 'day' && u.day === JULY_1 && u.reset),
      10_000,
      "the day room's reset to July 1",
    );
    const lastOf = (window: RankUpdate['window']) => updates.filter((u) => u.window === window).at(-1);
    await eventually(async () => lastOf('day')?.totals.votes === 2, 10_000, 'the day room at 2 votes');
    expect(lastOf('day')?.day).toBe(JULY_1);
    expect(lastOf('month')?.day).toBe('2027-07-01');
    // Nothing of July 1 was ever pushed as June 30's (the room shows the period current when it pushes).
    const june = updates.filter((u) => u.window === 'day' && u.day === JUNE_30);
    expect(june.length).toBeGreaterThan(0);
    expect(june.every((u) => u.totals.votes <= 10 && u.entries.every((e) => e.candidateId !== 'carol'))).toBe(
      true,
    );

    // Ten minutes' grace later the ended day is archived; its read no longer needs Redis.
    const stores = { ledger: ledgerModel(mongo), boards: boardModel(mongo), archives: archiveModels(mongo) };
    const archived = await archiveEndedPeriods(stores, boardId, {
      now: new Date(clock + 11 * 60_000),
      graceMs: 10 * 60_000,
    });
    expect(archived.created).toBeGreaterThanOrEqual(2);
    const k = server.deps.keys.board(boardId);
    await server.deps.redis.del(k.day(JUNE_30).scores, k.day(JUNE_30).total);
    expect(scores(await read(boardId, `window=day&day=${JUNE_30}`))).toEqual(['alice:6', 'bob:4']);
    expect(scores(await read(boardId, `window=day&day=${JUNE_30}&view=groups`))).toEqual([
      `${a}:6`,
      `${b}:4`,
    ]);
  });
});
