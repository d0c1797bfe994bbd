import { BoardFeed, type BoardView, type FeedOutcome, type RankUpdate } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { subscribe } from '../../../../test/support/socket.js';
import { eventually, seedBoard } from '../../../../test/support/stack.js';
import { castVote, inParallel, readRanking } from '../../../../test/support/votes.js';
import { getJson } from '../../support/boards.js';
import {
  config,
  expectChained,
  mongo,
  server,
  TICK_MS,
  TOP_N,
  untilSeq,
  useRelayStack,
  votes,
  watcher,
} from '../../support/relay-fixture.js';

// What the relay pushes as votes come: a tick's changes at most once, only what moved, from where
// the room was.
useRelayStack();

const byCandidate = (entries: RankUpdate['entries']) =>
  [...entries].sort((a, b) => a.candidateId.localeCompare(b.candidateId));

describe('the relay', () => {
  it('coalesces a burst of votes into at most one rank:updated per tick, which a BoardFeed follows to the REST leaderboard', async () => {
    const candidates = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'];
    const boardId = await seedBoard(config, server.deps.redis, mongo, candidates);
    const { socket, updates, arrivals } = await watcher();
    const feed = new BoardFeed('all', TOP_N);
    expect(feed.snapshot(await subscribe(socket, boardId))).toBe('applied');

    const VOTES = 400;
    const started = Date.now();
    // Skewed, so ranks keep changing during the burst.
    await inParallel(VOTES, 20, async (i) => {
      const res = await castVote(server, boardId, candidates[(i * i) % candidates.length] as string);
      expect(res.status).toBe(202);
    });
    await eventually(
      async () => (await readRanking(server.url, boardId)).totals.votes === VOTES,
      20_000,
      'every vote',
    );
    await untilSeq(updates, VOTES);
    const elapsed = (arrivals.at(-1) as number) - started;

    expect(updates.length).toBeLessThan(VOTES / 4);
    expect(updates.length).toBeLessThanOrEqual(Math.ceil(elapsed / TICK_MS) + 1);
    expect(updates[0]).toMatchObject({ reset: true, fromSeq: 0 });
    expect(updates.slice(1).every((u) => !u.reset)).toBe(true);
    expectChained(updates);

    const outcomes = updates.map((u) => feed.update(u));
    expect(outcomes.filter((o): o is Exclude<FeedOutcome, 'applied'> => o !== 'applied')).toEqual([]);
    const { body: top } = await getJson<BoardView>(
      `${server.url}/api/boards/${boardId}/leaderboard?limit=${TOP_N}`,
    );
    expect(feed.entries).toEqual(top.entries);
    expect(feed.totals).toEqual(top.totals);
    expect(feed.seq).toBe(top.seq);
    expect(feed.seq).toBe(VOTES);
  });

  it('pushes only the members that changed and the top-N members whose rank moved', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo, ['a', 'b', 'c', 'd', 'e']);
    const { socket, updates } = await watcher();
    const feed = new BoardFeed('all', TOP_N);
    feed.snapshot(await subscribe(socket, boardId));

    // The room's first push is a reset: the whole top N.
    await votes(boardId, ['c']);
    await untilSeq(updates, 1);
    expect(updates[0]).toMatchObject({ reset: true, fromSeq: 0, seq: 1, totals: { votes: 1, members: 5 } });
    expect(updates[0]?.entries).toEqual([
      { candidateId: 'c', rank: 1, score: 1 },
      { candidateId: 'a', rank: 2, score: 0 },
      { candidateId: 'b', rank: 3, score: 0 },
    ]);

    // c scores again and stays first: only c.
    await votes(boardId, ['c']);
    await untilSeq(updates, 2);
    expect(updates[1]).toMatchObject({ reset: false, fromSeq: 1, seq: 2, totals: { votes: 2, members: 5 } });
    expect(updates[1]?.entries).toEqual([{ candidateId: 'c', rank: 1, score: 2 }]);

    // d enters second: d, and a and b, pushed down a rank (b out of the top N).
    await votes(boardId, ['d']);
    await untilSeq(updates, 3);
    expect(updates[2]).toMatchObject({ reset: false, fromSeq: 2, seq: 3 });
    expect(byCandidate(updates[2]?.entries ?? [])).toEqual([
      { candidateId: 'a', rank: 3, score: 0 },
      { candidateId: 'b', rank: 4, score: 0 },
      { candidateId: 'd', rank: 2, score: 1 },
    ]);

    // e ties d, after it: e, and a pushed out. b moved too, but outside the top N: not sent.
    await votes(boardId, ['e']);
    await untilSeq(updates, 4);
    expect(updates[3]).toMatchObject({ reset: false, fromSeq: 3, seq: 4 });
    expect(byCandidate(updates[3]?.entries ?? [])).toEqual([
      { candidateId: 'a', rank: 4, score: 0 },
      { candidateId: 'e', rank: 3, score: 1 },
    ]);

    expect(updates).toHaveLength(4);
    for (const update of updates) expect(feed.update(update)).toBe('applied');
    const ranking = await readRanking(server.url, boardId);
    expect(feed.entries).toEqual(ranking.entries.slice(0, TOP_N));
  });

  it('goes on diffing for a watcher that joins a watched room, from what the room was last sent', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']);
    const first = await watcher();
    await subscribe(first.socket, boardId);
    await votes(boardId, ['alice']);
    await untilSeq(first.updates, 1);

    const second = await watcher();
    const feed = new BoardFeed('all', TOP_N);
    feed.snapshot(await subscribe(second.socket, boardId));
    await votes(boardId, ['bob', 'bob']);
    await untilSeq(second.updates, 3);
    expect(second.updates[0]).toMatchObject({ reset: false, fromSeq: 1 });
    expectChained([...first.updates.slice(0, 1), ...second.updates]);
    for (const update of second.updates) expect(feed.update(update)).toBe('applied');
    expect(feed.entries).toEqual((await readRanking(server.url, boardId)).entries);
  });
});
