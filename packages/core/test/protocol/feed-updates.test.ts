import { describe, expect, it } from 'vitest';
import { BoardFeed, MAX_BUFFERED } from '../../src/protocol/feed.js';
import type {
  BoardView,
  LeaderboardEntry,
  MemberStanding,
  RankUpdate,
} from '../../src/protocol/leaderboard.js';

const TODAY = '2026-11-25';
const TOMORROW = '2026-11-26';

/** `'a:5'` → a ranked by position; shorthand for a top list. */
function ranked(...items: string[]): LeaderboardEntry[] {
  return items.map((item, i) => {
    const [candidateId = '', score = '0'] = item.split(':');
    return { rank: i + 1, candidateId, score: Number(score) };
  });
}

function view(seq: number, entries: LeaderboardEntry[], over: Partial<BoardView> = {}): BoardView {
  return {
    boardId: 'b',
    window: 'all',
    day: null,
    seq,
    totals: { votes: entries.reduce((sum, e) => sum + e.score, 0), members: 10 },
    entries,
    ...over,
  };
}

function diff(
  fromSeq: number,
  seq: number,
  entries: MemberStanding[],
  over: Partial<RankUpdate> = {},
): RankUpdate {
  return {
    boardId: 'b',
    window: 'all',
    day: null,
    fromSeq,
    seq,
    reset: false,
    totals: { votes: seq, members: 10 },
    entries,
    ...over,
  };
}

const at = (candidateId: string, rank: number | null, score: number): MemberStanding => ({
  candidateId,
  rank,
  score,
});

/** The feed's top as `id:score` in rank order, ranks checked to be 1..n. */
function tops(feed: BoardFeed): string[] {
  const entries = feed.entries;
  expect(entries.map((e) => e.rank)).toEqual(entries.map((_, i) => i + 1));
  return entries.map((e) => `${e.candidateId}:${e.score}`);
}

function fed(limit = 3, entries = ranked('a:5', 'b:4', 'c:3'), seq = 10): BoardFeed {
  const feed = new BoardFeed('all', limit);
  expect(feed.snapshot(view(seq, entries))).toBe('applied');
  return feed;
}

describe('BoardFeed', () => {
  it('needs a snapshot before it holds anything', () => {
    const feed = new BoardFeed('all', 3);
    expect(feed.needsSnapshot).toBe(true);
    expect(feed.seq).toBe(-1);
    expect(feed.entries).toEqual([]);
  });

  it('takes a snapshot, then applies a diff on top of it', () => {
    const feed = fed();
    expect(feed.needsSnapshot).toBe(false);
    expect(tops(feed)).toEqual(['a:5', 'b:4', 'c:3']);
    // c overtakes a and b: the relay sends c and both members whose rank moved.
    expect(feed.update(diff(10, 12, [at('c', 1, 6), at('a', 2, 5), at('b', 3, 4)]))).toBe('applied');
    expect(tops(feed)).toEqual(['c:6', 'a:5', 'b:4']);
    expect(feed.seq).toBe(12);
    expect(feed.totals).toEqual({ votes: 12, members: 10 });
    expect(feed.standing('c')).toEqual({ rank: 1, score: 6 });
  });

  it('lets members the diff does not name keep their order and fill the ranks left free', () => {
    const feed = fed(4, ranked('a:9', 'b:7', 'c:5', 'd:3'));
    // d jumps to 2nd: only d, and b and c (whose ranks moved), are named; a is not.
    expect(feed.update(diff(10, 11, [at('d', 2, 8)]))).toBe('applied');
    expect(tops(feed)).toEqual(['a:9', 'd:8', 'b:7', 'c:5']);
  });

  it('buffers updates that arrive before the snapshot and replays them on top of it', () => {
    const feed = new BoardFeed('all', 3);
    expect(feed.update(diff(8, 9, [at('b', 2, 4)]))).toBe('buffered');
    expect(feed.update(diff(9, 11, [at('c', 1, 6), at('a', 2, 5), at('b', 3, 4)]))).toBe('buffered');
    expect(feed.entries).toEqual([]);
    // The snapshot is at 10: the first buffered update is older, the second applies.
    expect(feed.snapshot(view(10, ranked('a:5', 'b:4', 'c:3')))).toBe('applied');
    expect(tops(feed)).toEqual(['c:6', 'a:5', 'b:4']);
    expect(feed.seq).toBe(11);
  });

  it('holds at most MAX_BUFFERED updates while it waits: a snapshot older than those it let go is a gap', () => {
    // A client whose snapshot never comes (its resync refused, again and again) while pushes go on.
    const feed = new BoardFeed('all', 3);
    const pushes = MAX_BUFFERED + 50;
    for (let seq = 11; seq <= 10 + pushes; seq++) {
      expect(feed.update(diff(seq - 1, seq, [at('a', 1, seq)]))).toBe('buffered');
    }
    // At 10, the 50 oldest pushes are gone: it says so instead of skipping them.
    expect(feed.snapshot(view(10, ranked('a:5', 'b:4', 'c:3')))).toBe('gap');
    // A snapshot at or past the last one let go carries on from there.
    for (let seq = 11; seq <= 10 + pushes; seq++) feed.update(diff(seq - 1, seq, [at('a', 1, seq)]));
    expect(feed.snapshot(view(60, ranked('a:60', 'b:4', 'c:3')))).toBe('applied');
    expect(feed.seq).toBe(10 + pushes);
  });

  it('ignores an update it has already seen', () => {
    const feed = fed();
    expect(feed.update(diff(8, 10, [at('c', 1, 99)]))).toBe('stale');
    expect(feed.update(diff(5, 9, [at('c', 1, 99)]))).toBe('stale');
    expect(tops(feed)).toEqual(['a:5', 'b:4', 'c:3']);
    expect(feed.seq).toBe(10);
  });

  it('ignores an update of another window', () => {
    const feed = fed();
    expect(feed.update(diff(10, 11, [at('c', 1, 99)], { window: 'day', day: TODAY }))).toBe('stale');
    expect(tops(feed)).toEqual(['a:5', 'b:4', 'c:3']);
  });

  it('reports a gap when an update starts past its seq, then buffers until the next snapshot', () => {
    const feed = fed();
    expect(feed.update(diff(11, 12, [at('c', 1, 6)]))).toBe('gap');
    expect(feed.needsSnapshot).toBe(true);
    expect(feed.update(diff(12, 13, [at('b', 1, 7)]))).toBe('buffered');
    expect(feed.snapshot(view(12, ranked('c:6', 'a:5', 'b:4')))).toBe('applied');
    expect(feed.needsSnapshot).toBe(false);
    expect(tops(feed)).toEqual(['b:7', 'c:6', 'a:5']);
    expect(feed.seq).toBe(13);
  });

  it('reports a gap when the day changes under a day window', () => {
    const feed = new BoardFeed('day', 3);
    feed.snapshot(view(10, ranked('a:2'), { window: 'day', day: TODAY }));
    expect(feed.day).toBe(TODAY);
    expect(feed.update(diff(10, 11, [at('b', 1, 1)], { window: 'day', day: TOMORROW }))).toBe('gap');
    expect(feed.needsSnapshot).toBe(true);
  });

  it('replaces everything on a reset, and ignores an older reset of the same day', () => {
    const feed = fed();
    const reset = diff(0, 20, [at('x', 1, 40), at('y', 2, 30)], {
      reset: true,
      totals: { votes: 70, members: 2 },
    });
    expect(feed.update(reset)).toBe('applied');
    expect(tops(feed)).toEqual(['x:40', 'y:30']);
    expect(feed.standing('a')).toBeUndefined();
    expect(feed.totals).toEqual({ votes: 70, members: 2 });
    expect(feed.update({ ...reset, seq: 15, entries: [at('z', 1, 1)] })).toBe('stale');
    expect(tops(feed)).toEqual(['x:40', 'y:30']);
  });

  it('takes a reset even while it waits for a snapshot, and one of a new day even with a lower seq', () => {
    const feed = new BoardFeed('day', 2);
    const reset = diff(0, 20, [at('x', 1, 4)], { reset: true, window: 'day', day: TODAY });
    expect(feed.update(reset)).toBe('applied');
    expect(feed.needsSnapshot).toBe(false);
    expect(feed.update({ ...reset, seq: 3, day: TOMORROW, entries: [at('y', 1, 1)] })).toBe('applied');
    expect(feed.day).toBe(TOMORROW);
    expect(tops(feed)).toEqual(['y:1']);
  });

  it('keeps a reset that came while it waited over the snapshot read before it', () => {
    // A phone subscribes as the host ends a frozen campaign: the subscribe's read has the
    // freeze's ranking at 15; the end's reset, at 20, reaches it before the ack.
    const feed = new BoardFeed('all', 3);
    expect(feed.update(diff(0, 20, [at('x', 1, 40)], { reset: true }))).toBe('applied');
    expect(feed.snapshot(view(15, ranked('a:5')))).toBe('stale');
    expect(feed.seq).toBe(20);
    expect(tops(feed)).toEqual(['x:40']);
    // It carries on from the reset.
    expect(feed.update(diff(20, 21, [at('y', 2, 3)]))).toBe('applied');
    expect(tops(feed)).toEqual(['x:40', 'y:3']);
  });

  it("keeps a new day's reset over a snapshot of the day before, whatever their seqs", () => {
    const feed = new BoardFeed('day', 3);
    const reset = diff(0, 3, [at('y', 1, 1)], { reset: true, window: 'day', day: TOMORROW });
    expect(feed.update(reset)).toBe('applied');
    expect(feed.snapshot(view(10, ranked('a:2'), { window: 'day', day: TODAY }))).toBe('stale');
    expect(feed.day).toBe(TOMORROW);
    expect(tops(feed)).toEqual(['y:1']);
  });

  it('takes a snapshot as new as what it holds, or newer, in its place', () => {
    const feed = fed();
    expect(feed.snapshot(view(10, ranked('a:5', 'b:4', 'c:3')))).toBe('applied');
    expect(feed.snapshot(view(12, ranked('c:6', 'a:5', 'b:4')))).toBe('applied');
    expect(tops(feed)).toEqual(['c:6', 'a:5', 'b:4']);
    const day = new BoardFeed('day', 3);
    day.snapshot(view(10, ranked('a:2'), { window: 'day', day: TODAY }));
    expect(day.snapshot(view(4, ranked('b:1'), { window: 'day', day: TOMORROW }))).toBe('applied');
    expect(day.day).toBe(TOMORROW);
    expect(tops(day)).toEqual(['b:1']);
  });

  it('takes any snapshot after a gap, even one with a lower seq (a board rebuilt from its ledger)', () => {
    const feed = fed();
    expect(feed.update(diff(11, 12, [at('c', 1, 6)]))).toBe('gap');
    expect(feed.snapshot(view(8, ranked('b:4', 'a:3')))).toBe('applied');
    expect(feed.needsSnapshot).toBe(false);
    expect(feed.seq).toBe(8);
    expect(tops(feed)).toEqual(['b:4', 'a:3']);
  });

  it('drops a member pushed out of the top N', () => {
    const feed = fed();
    // d (never seen) enters at 2nd; c falls to 4th and out.
    expect(feed.update(diff(10, 11, [at('d', 2, 5), at('b', 3, 4), at('c', 4, 3)]))).toBe('applied');
    expect(tops(feed)).toEqual(['a:5', 'd:5', 'b:4']);
    // It still knows c's exact standing at this seq, and forgets c once it can no longer place it.
    expect(feed.standing('c')).toEqual({ rank: 4, score: 3 });
    expect(feed.update(diff(11, 12, [at('e', 4, 4)]))).toBe('applied');
    expect(feed.standing('c')).toBeUndefined();
    expect(tops(feed)).toEqual(['a:5', 'd:5', 'b:4']);
  });

  it('places a member it never saw where the update pins it', () => {
    const feed = fed();
    expect(feed.update(diff(10, 11, [at('z', 1, 50), at('a', 2, 5), at('b', 3, 4), at('c', 4, 3)]))).toBe(
      'applied',
    );
    expect(tops(feed)).toEqual(['z:50', 'a:5', 'b:4']);
  });

  it('reports a gap when a pinned rank leaves a hole above it that it cannot fill', () => {
    const feed = fed();
    // b and c fall out; z is pinned at 3rd, so someone it never saw holds 2nd.
    expect(feed.update(diff(10, 11, [at('z', 3, 6), at('b', 5, 4), at('c', 6, 3)]))).toBe('gap');
    expect(feed.needsSnapshot).toBe(true);
  });

  it('shows members without an entry in a day window nowhere in the top', () => {
    const feed = new BoardFeed('day', 3);
    feed.snapshot(view(4, ranked('a:2'), { window: 'day', day: TODAY }));
    expect(
      feed.update(
        diff(4, 5, [at('b', 1, 3), at('a', 2, 2), at('c', null, 0)], { window: 'day', day: TODAY }),
      ),
    ).toBe('applied');
    expect(tops(feed)).toEqual(['b:3', 'a:2']);
  });

  it('when a late snapshot sits between two pushes of a like board, never shows a shortened top as applied', () => {
    // The relay last pushed at seq 10: a 5, c 4, d 3, b 2. Then b got 4 likes (seq 14), and this
    // viewer took its snapshot: b, a, c. Then b lost them again (seq 18).
    const feed = new BoardFeed('all', 3);
    feed.snapshot(view(14, ranked('b:6', 'a:5', 'c:4')));
    // The relay's diff from 10 names b only: a, c and d stand where they stood at 10.
    const outcome = feed.update(diff(10, 18, [at('b', 4, 2)]));
    // Either it knows it cannot place d (a gap), or it shows the true top.
    if (outcome !== 'gap') expect(tops(feed)).toEqual(['a:5', 'c:4', 'd:3']);
  });
});
