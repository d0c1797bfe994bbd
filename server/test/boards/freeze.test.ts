import { connectMongo } from '@rallyboard/core/db';
import { type BoardView, dayOf, type HostBoardView, type RankUpdate } from '@rallyboard/core/protocol';
import { registerBoard } from '@rallyboard/core/redis';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../test/support/config.js';
import {
  collectUpdates,
  connectSocket,
  query,
  subscribe,
  type TestSocket,
} from '../../../test/support/socket.js';
import {
  eventually,
  seedBoard,
  startTestServer,
  startTestWorker,
  type TestServer,
} from '../../../test/support/stack.js';
import { castVote } from '../../../test/support/votes.js';
import { applyDirect, loseBoardState } from '../support/boards.js';
import { call, campaignBody, codeOf, createTestHost, type TestHost } from '../support/hosts.js';

const config = testConfig({ RELAY_TICK_MS: '50' });
let server: TestServer;
let mongo: Connection;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let host: TestHost;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
  worker = await startTestWorker(config, mongo);
  host = await createTestHost(server);
});
afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await worker.close();
  await server.close();
  await mongo.close();
});

const DAY_MS = 86_400_000;
const today = () => dayOf(Date.now(), 'Asia/Shanghai');
const yesterday = () => dayOf(Date.now() - DAY_MS, 'Asia/Shanghai');
const tomorrow = () => dayOf(Date.now() + DAY_MS, 'Asia/Shanghai');

const move = async (id: string, status: string, as: TestHost = host) => {
  const answer = await call(server, as.token, 'POST', `/api/campaigns/${id}/status`, { status });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
};

async function liveCampaign(): Promise<string> {
  const created = await call<{ id: string }>(server, host.token, 'POST', '/api/campaigns', campaignBody());
  expect(created.status).toBe(201);
  await move(created.body.id, 'scheduled');
  await move(created.body.id, 'live');
  return created.body.id;
}

/** What the public reads: the REST leaderboard of a window. */
async function publicBoard(id: string, search = 'window=all'): Promise<BoardView> {
  const answer = await call<BoardView>(
    server,
    undefined,
    'GET',
    `/api/boards/${id}/leaderboard?limit=100&${search}`,
  );
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
}

/** What the host reads: the live ranking, and whether the public one is frozen. */
async function hostBoard(id: string, search = 'window=all', as: TestHost = host) {
  return call<HostBoardView>(server, as.token, 'GET', `/api/campaigns/${id}/leaderboard?limit=100&${search}`);
}

/** Votes through the API (a participant each, so no quota stops them), counted by the worker. */
async function votes(id: string, candidateIds: string[]): Promise<void> {
  const before = (await hostBoard(id)).body.totals.votes;
  for (const candidateId of candidateIds) {
    const res = await castVote(server, id, candidateId, { participantId: randomId('p') });
    expect(res.status).toBe(202);
  }
  await eventually(
    async () => (await hostBoard(id)).body.totals.votes === before + candidateIds.length,
    20_000,
    'the worker to count the votes',
  );
}

const ranking = (view: Pick<BoardView, 'seq' | 'totals' | 'entries'>) => ({
  seq: view.seq,
  totals: view.totals,
  entries: view.entries,
});

async function watch(id: string) {
  const socket = await connectSocket(server.url);
  sockets.push(socket);
  const updates = collectUpdates(socket);
  const snapshot = await subscribe(socket, id, 'all');
  return { socket, updates, snapshot };
}

/**
 * Waits until the relay has pushed two later ticks of a control board to the socket: by then it
 * has handled every change published before (the channel delivers in order), so a diff it were
 * to send for those changes would have reached the socket.
 */
async function relayCaughtUp(socket: TestSocket, updates: RankUpdate[]): Promise<void> {
  const control = await seedBoard(config, server.deps.redis, mongo, ['x', 'y']);
  await subscribe(socket, control, 'all');
  for (const seq of [1, 2]) {
    await applyDirect(server.deps, control, ['x']);
    await eventually(
      async () => updates.some((u) => u.boardId === control && u.seq >= seq),
      10_000,
      `the control board's push at seq ${seq}`,
    );
  }
}

describe('封榜: a frozen campaign', () => {
  let id: string;
  let atFreeze: BoardView;
  let freezeDayAtFreeze: BoardView;
  let before: Awaited<ReturnType<typeof watch>>;

  beforeAll(async () => {
    id = await liveCampaign();
    await votes(id, ['alice', 'alice', 'bob']);
    // A vote of the day before, straight into its keys (the API counts votes for today only).
    await applyDirect(server.deps, id, [{ candidateId: 'bob', voterId: 'p-direct', day: yesterday() }]);
    before = await watch(id);
    const preFreeze = await publicBoard(id);
    const preFreezeDay = await publicBoard(id, `window=day&day=${today()}`);

    await move(id, 'frozen');
    atFreeze = await publicBoard(id);
    freezeDayAtFreeze = await publicBoard(id, `window=day&day=${today()}`);
    expect(ranking(atFreeze)).toEqual(ranking(preFreeze));
    expect(ranking(freezeDayAtFreeze)).toEqual(ranking(preFreezeDay));

    await votes(id, ['bob', 'bob', 'bob']);
    await relayCaughtUp(before.socket, before.updates);
    await applyDirect(server.deps, id, [{ candidateId: 'alice', voterId: 'p-direct', day: tomorrow() }]);
  });

  it('still takes and counts votes: the host sees counting go on', async () => {
    const answer = await hostBoard(id);
    expect(answer.status).toBe(200);
    expect(answer.body.frozen).toBe(true);
    expect(answer.body.totals.votes).toBe(8);
    expect(answer.body.seq).toBeGreaterThan(atFreeze.seq);
    expect(answer.body.entries.map((e) => [e.candidateId, e.score])).toEqual([
      ['bob', 5],
      ['alice', 3],
    ]);
  });

  it('pushes no rank:updated for the votes counted after the freeze', () => {
    const pushed = before.updates.filter((u) => u.boardId === id);
    for (const update of pushed) expect(update.seq).toBeLessThanOrEqual(atFreeze.seq);
  });

  it('answers the public leaderboard as it stood at the freeze', async () => {
    expect(atFreeze.totals.votes).toBe(4);
    expect(ranking(await publicBoard(id))).toEqual(ranking(atFreeze));
    const totals = await call<BoardView>(server, undefined, 'GET', `/api/boards/${id}/totals?window=all`);
    expect(totals.body.totals).toEqual(atFreeze.totals);
    const bob = await call<{ member: unknown }>(server, undefined, 'GET', `/api/boards/${id}/members/bob`);
    expect(bob.body.member).toEqual({ candidateId: 'bob', rank: 2, score: 2 });
  });

  it('answers a socket subscribe snapshot and a board:query from the freeze', async () => {
    const late = await watch(id);
    expect(ranking(late.snapshot)).toEqual(ranking(atFreeze));
    expect(
      ranking(await query(late.socket, { type: 'top', boardId: id, window: 'all', limit: 100 })),
    ).toEqual(ranking(atFreeze));
    const day = await query(late.socket, { type: 'top', boardId: id, window: 'day', limit: 100 });
    expect(ranking(day)).toEqual(ranking(freezeDayAtFreeze));
  });

  it('answers the freeze day from the freeze and a day before from its keys; a day not begun is refused', async () => {
    expect(ranking(await publicBoard(id, 'window=day'))).toEqual(ranking(freezeDayAtFreeze));
    expect(freezeDayAtFreeze.entries.map((e) => [e.candidateId, e.score])).toEqual([
      ['alice', 2],
      ['bob', 1],
    ]);
    const dayBefore = await publicBoard(id, `window=day&day=${yesterday()}`);
    expect(dayBefore.entries.map((e) => [e.candidateId, e.score])).toEqual([['bob', 1]]);
    // Tomorrow has not begun, on the public read or the host's: 400, not an empty ranking (a day
    // after the freeze day that has begun reads empty; packages/core's board-status tests).
    const after = await call(
      server,
      undefined,
      'GET',
      `/api/boards/${id}/leaderboard?window=day&day=${tomorrow()}`,
    );
    expect(after.status).toBe(400);
    expect(codeOf(after)).toBe('INVALID_INPUT');
    const hostAfter = await hostBoard(id, `window=day&day=${tomorrow()}`);
    expect(hostAfter.status).toBe(400);
  });

  it('answers another host CAMPAIGN_NOT_FOUND, and an admin the live ranking', async () => {
    const other = await createTestHost(server);
    expect(codeOf(await hostBoard(id, 'window=all', other))).toBe('CAMPAIGN_NOT_FOUND');
    const admin = await createTestHost(server, 'admin');
    expect((await hostBoard(id, 'window=all', admin)).body).toMatchObject({
      frozen: true,
      totals: { votes: 8 },
    });
  });

  describe('when it ends', () => {
    it('resets every screen to the live ranking, and no screen got a diff of the votes after the freeze', async () => {
      await move(id, 'ended');
      const live = (await hostBoard(id)).body;
      expect(live.frozen).toBe(false);
      const pushed = () => before.updates.filter((u) => u.boardId === id);
      const isEndReset = (u: RankUpdate) => u.reset && u.seq === live.seq;
      await eventually(async () => pushed().some(isEndReset), 10_000, 'the reset of the end');
      const end = pushed().findIndex(isEndReset);
      // Before the end's reset, nothing newer than the freeze reached the screen.
      for (const update of pushed().slice(0, end)) expect(update.seq).toBeLessThanOrEqual(atFreeze.seq);
      const reset = pushed()[end] as RankUpdate;
      expect(reset.entries).toEqual(live.entries);
      expect(reset.totals).toEqual(live.totals);
      expect(ranking(await publicBoard(id))).toEqual(ranking(live));
      expect(live.totals.votes).toBe(8);
    });
  });
});

describe('when Redis lost the board of a frozen campaign', () => {
  it('answers the public an empty ranking after the rebuild, not what was counted since the freeze', async () => {
    const id = await liveCampaign();
    await votes(id, ['alice']);
    await move(id, 'frozen');
    await votes(id, ['bob']);
    await loseBoardState(server.deps.redis, server.deps.keys, id);
    // As a rebuild registers it again from MongoDB: the status comes back, the snapshot does not.
    await registerBoard(server.deps.redis, server.deps.keys, {
      boardId: id,
      title: 'T',
      kind: 'vote',
      dailyRetentionDays: 8,
      candidateIds: ['alice', 'bob'],
      status: 'frozen',
    });
    await applyDirect(server.deps, id, [
      { candidateId: 'alice', voterId: 'p-direct' },
      { candidateId: 'bob', voterId: 'p-direct' },
    ]);
    expect((await hostBoard(id)).body.totals.votes).toBe(2);
    const answer = await publicBoard(id);
    expect(answer).toMatchObject({ seq: 0, totals: { votes: 0, members: 2 }, entries: [] });
  });
});
