import { BoardFeed, type BoardView, groupIdOf, type RankUpdate } from '@rallyboard/core/protocol';
import { setBoardStatus, setMemberGroups } from '@rallyboard/core/redis';
import { describe, expect, it, vi } from 'vitest';
import { subscribe } from '../../../test/support/socket.js';
import { eventually, seedBoard } from '../../../test/support/stack.js';
import { applyDirect, getJson } from '../support/boards.js';
import { config, mongo, server, untilSeq, useRelayStack, votes, watcher } from '../support/relay-fixture.js';

// Group boards (团/班级/门店): each group's ranking of its candidates, and the groups by their
// totals, on REST, socket queries and live rooms, counted by the real pipeline.
useRelayStack();

const RED = groupIdOf('红队');
const BLUE = groupIdOf('蓝队');
const GROUPS = { alice: '红队', bob: '红队', carol: '蓝队' };

const api = (boardId: string, path: string) => `${server.url}/api/boards/${boardId}/${path}`;
const ranking = (view: BoardView) => view.entries.map((e) => [e.candidateId, e.score]);

async function groupedBoard(): Promise<string> {
  return seedBoard(config, server.deps.redis, mongo, ['alice', 'bob', 'carol', 'dave'], { groups: GROUPS });
}

describe('group boards', () => {
  it('answer each group ranking and the ranking of the groups, in every window, on REST', async () => {
    const boardId = await groupedBoard();
    await votes(boardId, ['bob', 'alice', 'bob', 'carol', 'dave', 'dave', 'dave']);
    await eventually(
      async () => (await getJson<BoardView>(api(boardId, 'totals'))).body.totals.votes === 7,
      10_000,
      'votes',
    );

    const red = await getJson<BoardView>(api(boardId, `leaderboard?group=${RED}`));
    expect(red.status).toBe(200);
    expect(red.body).toMatchObject({ group: RED, view: 'candidates', totals: { votes: 3, members: 2 } });
    expect(ranking(red.body)).toEqual([
      ['bob', 2],
      ['alice', 1],
    ]);
    const groups = await getJson<BoardView>(api(boardId, 'leaderboard?view=groups&window=day'));
    expect(groups.body).toMatchObject({ view: 'groups', totals: { votes: 4, members: 2 } });
    expect(ranking(groups.body)).toEqual([
      [RED, 3],
      [BLUE, 1],
    ]);
    // Around and jump on a group ranking, as on the board's.
    const around = await getJson<BoardView & { member: unknown }>(
      api(boardId, `members/alice/around?group=${RED}&k=1&window=week`),
    );
    expect(around.body.member).toEqual({ candidateId: 'alice', rank: 2, score: 1 });
    const page = await getJson<BoardView>(api(boardId, `leaderboard?view=groups&offset=1&limit=1`));
    expect(ranking(page.body)).toEqual([[BLUE, 1]]);
  });

  it('refuse an unknown group, a candidate outside the group, and a group with view=groups', async () => {
    const boardId = await groupedBoard();
    const unknown = await getJson(api(boardId, `leaderboard?group=${groupIdOf('没有')}`));
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: { code: 'GROUP_NOT_FOUND' } });
    const outside = await getJson(api(boardId, `members/carol?group=${RED}`));
    expect(outside.status).toBe(422);
    expect(outside.body).toMatchObject({
      error: { code: 'UNKNOWN_MEMBER', message: 'The group has no such candidate.', details: { group: RED } },
    });
    const noGroup = await getJson(api(boardId, `members/${groupIdOf('没有')}?view=groups`));
    expect(noGroup.status).toBe(404);
    expect(noGroup.body).toMatchObject({ error: { code: 'GROUP_NOT_FOUND' } });
    const both = await getJson(api(boardId, `leaderboard?view=groups&group=${RED}`));
    expect(both.status).toBe(400);
    expect(both.body).toMatchObject({ error: { code: 'INVALID_INPUT', details: [{ path: 'query.group' }] } });
    const bad = await getJson(api(boardId, 'leaderboard?group=红队'));
    expect(bad.status).toBe(400);
  });

  it('push each group room and the groups room its own live diffs, which a BoardFeed follows to REST', async () => {
    const boardId = await groupedBoard();
    const { socket, updates } = await watcher();
    const redFeed = new BoardFeed('all', 10, { group: RED });
    const groupsFeed = new BoardFeed('all', 10, { view: 'groups' });
    const plainFeed = new BoardFeed('all', 10);
    socket.on('rank:updated', (update: RankUpdate) => {
      redFeed.update(update);
      groupsFeed.update(update);
      plainFeed.update(update);
    });
    redFeed.snapshot(await subscribe(socket, boardId, 'all', { group: RED }));
    groupsFeed.snapshot(await subscribe(socket, boardId, 'all', { view: 'groups' }));
    plainFeed.snapshot(await subscribe(socket, boardId, 'all'));
    await votes(boardId, ['carol', 'alice', 'bob', 'bob', 'carol', 'carol', 'dave']);
    await untilSeq(updates, 7);
    await eventually(
      async () => groupsFeed.seq >= 7 && redFeed.seq >= 6,
      10_000,
      'the group rooms at the last seq',
    );
    expect(updates.some((u) => u.group === RED)).toBe(true);
    expect(updates.some((u) => u.view === 'groups')).toBe(true);
    const rest = async (query: string) =>
      ranking((await getJson<BoardView>(api(boardId, `leaderboard?${query}`))).body);
    expect(redFeed.entries.map((e) => [e.candidateId, e.score])).toEqual(await rest(`group=${RED}`));
    expect(groupsFeed.entries.map((e) => [e.candidateId, e.score])).toEqual(await rest('view=groups'));
    // Tied at 3: RED got there first (bob's second vote), BLUE later (carol's third).
    expect(groupsFeed.entries.map((e) => [e.candidateId, e.score])).toEqual([
      [RED, 3],
      [BLUE, 3],
    ]);
    expect(plainFeed.totals.votes).toBe(7);
  });

  it('serve a frozen board group rankings from the freeze, never the counting behind it', async () => {
    const boardId = await groupedBoard();
    await applyDirect(server.deps, boardId, ['alice', 'carol']);
    await setBoardStatus(server.deps.redis, server.deps.keys, boardId, 'live');
    await setBoardStatus(server.deps.redis, server.deps.keys, boardId, 'frozen');
    // Every process's board cache sees the freeze within its cache time.
    await new Promise((resolve) => setTimeout(resolve, config.ingest.boardCacheMs + 200));
    await applyDirect(server.deps, boardId, ['carol', 'carol', 'bob']);
    const groups = await getJson<BoardView>(api(boardId, 'leaderboard?view=groups'));
    expect(ranking(groups.body)).toEqual([
      [RED, 1],
      [BLUE, 1],
    ]);
    const red = await getJson<BoardView>(api(boardId, `leaderboard?group=${RED}`));
    expect(ranking(red.body)).toEqual([
      ['alice', 1],
      ['bob', 0],
    ]);
    expect(red.body.totals).toEqual({ votes: 1, members: 2 });
  });

  it("push a group room the ranking afresh when a candidate of its last push moved out, before the move's reset arrives", async () => {
    const boardId = await groupedBoard();
    const { socket } = await watcher();
    const feed = new BoardFeed('all', 10, { group: RED });
    socket.on('rank:updated', (update: RankUpdate) => feed.update(update));
    feed.snapshot(await subscribe(socket, boardId, 'all', { group: RED }));
    await applyDirect(server.deps, boardId, ['alice', 'bob']);
    await eventually(async () => feed.seq >= 2, 10_000, 'the room at seq 2');
    // alice moves to BLUE; the move's reset has not reached this server yet (held back here),
    // so its cached groups still put her in RED.
    const quiet = new Proxy(server.deps.redis, {
      get(target, name) {
        if (name === 'publish') return async () => 0;
        const value: unknown = Reflect.get(target, name, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    await setMemberGroups(quiet, server.deps.keys, boardId, new Map([['alice', BLUE]]));
    const errors = vi.spyOn(server.deps.logger, 'error');
    try {
      await applyDirect(server.deps, boardId, ['bob']);
      await eventually(async () => feed.seq >= 3, 10_000, 'the room at seq 3');
      expect(feed.entries.map((e) => [e.candidateId, e.score])).toEqual([['bob', 2]]);
      // Pushed at once, not as a failed push tried again.
      expect(errors.mock.calls.filter(([fields]) => JSON.stringify(fields).includes(boardId))).toEqual([]);
    } finally {
      errors.mockRestore();
    }
  });
});
