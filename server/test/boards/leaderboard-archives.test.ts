import { type BoardView, groupIdOf, type MemberView } from '@rallyboard/core/protocol';
import { liveReadKeys, type Ranking, readBoard, type WindowRef } from '@rallyboard/core/redis';
import { describe, expect, it } from 'vitest';
import { connectSocket, query } from '../../../test/support/socket.js';
import { seedBoard } from '../../../test/support/stack.js';
import { archivedBoard, DAY, expire } from '../support/archive-fixture.js';
import { applyDirect, getJson } from '../support/boards.js';
import { api, config, mongo, server, useLeaderboardServer } from '../support/leaderboard-fixture.js';

useLeaderboardServer();

const reads = (boardId: string) => [
  `${boardId}/leaderboard?window=day&day=${DAY}`,
  `${boardId}/leaderboard?window=day&day=${DAY}&offset=1&limit=2`,
  `${boardId}/members/alice?window=day&day=${DAY}`,
  `${boardId}/members/dave?window=day&day=${DAY}`,
  `${boardId}/members/bob/around?window=day&day=${DAY}&k=1`,
  `${boardId}/totals?window=day&day=${DAY}`,
  `${boardId}/leaderboard?window=week&day=2026-03-15`,
];

describe('an ended period, read from its archive', () => {
  it('answers every read shape as Redis did, at any age, with the period’s last seq', async () => {
    const boardId = await archivedBoard();
    // Before: Redis still has the day, but the archive answers (an ended period reads from it).
    const before = await Promise.all(reads(boardId).map((path) => getJson<MemberView>(api(path))));
    await expire(boardId);
    const after = await Promise.all(reads(boardId).map((path) => getJson<MemberView>(api(path))));
    expect(after).toEqual(before);
    const [top, page, alice, dave, around, totals, week] = after.map((a) => a.body);
    expect(top?.entries).toEqual([
      { rank: 1, candidateId: 'carol', score: 3 },
      { rank: 2, candidateId: 'bob', score: 2 },
      { rank: 3, candidateId: 'alice', score: 1 },
    ]);
    expect(top).toMatchObject({ window: 'day', day: DAY, seq: 6, totals: { votes: 6, members: 4 } });
    expect(page?.entries.map((e) => e.candidateId)).toEqual(['bob', 'alice']);
    expect(alice?.member).toEqual({ candidateId: 'alice', rank: 3, score: 1 });
    expect(dave?.member).toEqual({ candidateId: 'dave', rank: null, score: 0 });
    expect(around?.entries.map((e) => e.candidateId)).toEqual(['carol', 'bob', 'alice']);
    expect(totals?.entries).toEqual([]);
    expect(week).toMatchObject({ window: 'week', day: '2026-03-09', totals: { votes: 6 } });
  });

  it('answers the same over board:query, and UNKNOWN_MEMBER for a candidate the board does not have', async () => {
    const boardId = await archivedBoard();
    await expire(boardId);
    const socket = await connectSocket(server.url);
    try {
      const view = (await query(socket, {
        type: 'top',
        boardId,
        window: 'day',
        day: DAY,
        limit: 2,
      })) as BoardView;
      expect(view.entries.map((e) => e.candidateId)).toEqual(['carol', 'bob']);
      await expect(
        query(socket, { type: 'member', boardId, window: 'day', day: DAY, candidateId: 'mallory' }),
      ).rejects.toMatchObject({ code: 'UNKNOWN_MEMBER' });
    } finally {
      socket.disconnect();
    }
  });

  it('answers an ended day without an archive from Redis, as before', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo, ['alice']);
    await applyDirect(server.deps, boardId, [{ candidateId: 'alice', day: DAY }]);
    const { body } = await getJson<BoardView>(api(`${boardId}/leaderboard?window=day&day=${DAY}`));
    expect(body).toMatchObject({ seq: 1, entries: [{ rank: 1, candidateId: 'alice', score: 1 }] });
  });
});

describe('an ended period of a board with groups, read from its archive', () => {
  it('answers its group rankings and the ranking of the groups as Redis did, after Redis let them go', async () => {
    const boardId = await archivedBoard({ alice: '红队', bob: '红队', carol: '蓝队' });
    const red = groupIdOf('红队');
    const paths = [
      `${boardId}/leaderboard?window=day&day=${DAY}&view=groups`,
      `${boardId}/leaderboard?window=day&day=${DAY}&group=${red}`,
      `${boardId}/members/alice/around?window=day&day=${DAY}&group=${red}&k=1`,
      `${boardId}/leaderboard?window=week&day=${DAY}&view=groups`,
    ];
    // What Redis's group keys held for the period, before they go.
    const fromRedis = (ranking: Ranking, ref: WindowRef) =>
      readBoard(
        server.deps.redis,
        server.deps.keys,
        boardId,
        ref,
        { mode: 'range', offset: 0, limit: 10 },
        liveReadKeys(server.deps.keys, boardId, ref, ranking),
      ).then((slice) => slice.entries);
    const live = await Promise.all([
      fromRedis({ view: 'groups' }, { window: 'day', day: DAY }),
      fromRedis({ view: 'candidates', group: red }, { window: 'day', day: DAY }),
      fromRedis({ view: 'groups' }, { window: 'week', day: '2026-03-09' }),
    ]);
    await expire(boardId);
    const archived = await Promise.all(paths.map((path) => getJson<MemberView>(api(path))));
    const [groups, inRed, around, week] = archived.map((a) => a.body);
    // Tied at 3: 红队 got there first (bob's second vote), 蓝队 later (carol's third).
    expect(groups?.entries).toEqual([
      { rank: 1, candidateId: red, score: 3 },
      { rank: 2, candidateId: groupIdOf('蓝队'), score: 3 },
    ]);
    expect(groups).toMatchObject({ view: 'groups', totals: { votes: 6, members: 2 } });
    expect(inRed?.entries.map((e) => [e.candidateId, e.score])).toEqual([
      ['bob', 2],
      ['alice', 1],
    ]);
    expect(inRed).toMatchObject({ group: red, totals: { votes: 3, members: 2 } });
    expect(around?.member).toEqual({ candidateId: 'alice', rank: 2, score: 1 });
    expect(week?.entries).toEqual(groups?.entries);
    expect([groups?.entries, inRed?.entries, week?.entries]).toEqual(live);
  });
});
