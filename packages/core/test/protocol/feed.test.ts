import { describe, expect, it } from 'vitest';
import { BoardFeed } from '../../src/protocol/feed.js';
import type {
  BoardView,
  LeaderboardEntry,
  MemberStanding,
  RankUpdate,
  RankWindow,
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

/** A seeded PRNG: the same seed, the same run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * A board window as Redis keeps it: counts, and the seq at which each member reached its count.
 * An all-time window has every member from the start; a day window only those changed that day.
 */
class TrueBoard {
  seq = 0;
  readonly state = new Map<string, { count: number; seq: number }>();

  constructor(
    readonly window: RankWindow,
    readonly members: readonly string[],
  ) {
    if (window === 'all') for (const m of members) this.state.set(m, { count: 0, seq: 0 });
  }

  change(member: string, delta: 1 | -1) {
    this.seq++;
    const count = (this.state.get(member)?.count ?? 0) + delta;
    this.state.set(member, { count, seq: this.seq });
  }

  count(member: string): number {
    return this.state.get(member)?.count ?? 0;
  }

  /** Count desc, then who reached it first, then id (Redis's order for equal keys). */
  ranking(): LeaderboardEntry[] {
    return [...this.state]
      .sort(([a, x], [b, y]) => y.count - x.count || x.seq - y.seq || (a < b ? -1 : a > b ? 1 : 0))
      .map(([candidateId, { count }], i) => ({ rank: i + 1, candidateId, score: count }));
  }

  standing(member: string): MemberStanding {
    const entry = this.ranking().find((e) => e.candidateId === member);
    return entry ?? { candidateId: member, rank: null, score: 0 };
  }

  view(limit: number): BoardView {
    return {
      boardId: 'b',
      window: this.window,
      day: this.window === 'day' ? TODAY : null,
      seq: this.seq,
      totals: this.totals(),
      entries: this.ranking().slice(0, limit),
    };
  }

  totals() {
    return {
      votes: [...this.state.values()].reduce((sum, s) => sum + s.count, 0),
      members: this.members.length,
    };
  }
}

/** What server/src/realtime/relays/room-push.ts sends a room: a reset first, then diffs against its last push. */
class Relay {
  last: { seq: number; top: Map<string, MemberStanding> } | undefined;
  changed = new Set<string>();

  constructor(
    readonly board: TrueBoard,
    readonly topN: number,
  ) {}

  push(): RankUpdate {
    const { board, last, changed } = this;
    const reset = !last;
    const slice = board.ranking().slice(0, this.topN);
    const top = new Map(slice.map((e) => [e.candidateId, e as MemberStanding]));
    let entries: MemberStanding[];
    if (reset) {
      entries = slice;
    } else {
      const foci = [...new Set([...changed, ...last.top.keys()])];
      const now = new Map([...foci.map((f) => [f, board.standing(f)] as const), ...top]);
      entries = [...now.values()].filter((standing) => {
        const before = last.top.get(standing.candidateId);
        return (
          changed.has(standing.candidateId) ||
          !before ||
          before.rank !== standing.rank ||
          before.score !== standing.score
        );
      });
    }
    const update: RankUpdate = {
      boardId: 'b',
      window: board.window,
      day: board.window === 'day' ? TODAY : null,
      fromSeq: last?.seq ?? 0,
      seq: board.seq,
      reset,
      totals: board.totals(),
      entries,
    };
    this.last = { seq: board.seq, top };
    this.changed = new Set();
    return update;
  }
}

interface Scenario {
  name: string;
  window: RankWindow;
  /** Likes can be taken back; votes cannot. */
  unlikes: boolean;
  topN: number;
  seed: number;
}

const scenarios: Scenario[] = [
  { name: 'votes, all-time, relay top 10', window: 'all', unlikes: false, topN: 10, seed: 1 },
  { name: 'votes, all-time, relay top 5', window: 'all', unlikes: false, topN: 5, seed: 2 },
  { name: 'likes, all-time, relay top 10', window: 'all', unlikes: true, topN: 10, seed: 3 },
  { name: 'likes, all-time, relay top 5', window: 'all', unlikes: true, topN: 5, seed: 4 },
  { name: 'likes, one day (counts below 0), relay top 8', window: 'day', unlikes: true, topN: 8, seed: 5 },
  { name: 'votes, one day, relay top 5', window: 'day', unlikes: false, topN: 5, seed: 6 },
];

const LIMIT = 5;
const MEMBERS = Array.from({ length: 15 }, (_, i) => `m${String(i).padStart(2, '0')}`);

/** A few random changes, as one relay tick would gather them. */
function tick(board: TrueBoard, relay: Relay, random: () => number, unlikes: boolean) {
  const changes = 1 + Math.floor(random() * 4);
  for (let i = 0; i < changes; i++) {
    const member = MEMBERS[Math.floor(random() * MEMBERS.length)] as string;
    // Like boards: an all-time count never goes below 0; a day's can.
    const canDrop = unlikes && (board.window === 'day' || board.count(member) > 0);
    board.change(member, canDrop && random() < 0.45 ? -1 : 1);
    relay.changed.add(member);
  }
}

describe('BoardFeed against the relay, with random changes on a board of 15', () => {
  it.each(scenarios)(
    'holds the true top 5 after every diff when every diff is delivered ($name)',
    (scenario) => {
      const random = mulberry32(scenario.seed);
      const board = new TrueBoard(scenario.window, MEMBERS);
      const relay = new Relay(board, scenario.topN);
      const feed = new BoardFeed(scenario.window, LIMIT);
      // Subscribe, then snapshot: the first push is the relay's reset.
      expect(feed.snapshot(board.view(LIMIT))).toBe('applied');
      let gaps = 0;
      for (let step = 0; step < 400; step++) {
        tick(board, relay, random, scenario.unlikes);
        const outcome = feed.update(relay.push());
        if (outcome === 'gap') {
          gaps++;
          feed.snapshot(board.view(LIMIT));
        } else {
          expect(outcome).toBe('applied');
        }
        expect(feed.entries).toEqual(board.ranking().slice(0, LIMIT));
        expect(feed.seq).toBe(board.seq);
        expect(feed.totals).toEqual(board.totals());
      }
      expect(gaps).toBe(0);
    },
  );

  it.each(scenarios)(
    'shows the true top 5 or reports a gap when it joins with a snapshot taken between two pushes ($name)',
    (scenario) => {
      const random = mulberry32(scenario.seed + 100);
      const board = new TrueBoard(scenario.window, MEMBERS);
      const relay = new Relay(board, scenario.topN);
      relay.push();
      let gaps = 0;
      let joins = 0;
      for (let round = 0; round < 40; round++) {
        // A viewer subscribes: pushes before its snapshot are buffered, then it snapshots mid-tick.
        const feed = new BoardFeed(scenario.window, LIMIT);
        for (let i = Math.floor(random() * 3); i > 0; i--) {
          tick(board, relay, random, scenario.unlikes);
          expect(feed.update(relay.push())).toBe('buffered');
        }
        tick(board, relay, random, scenario.unlikes);
        if (feed.snapshot(board.view(LIMIT)) === 'gap') gaps++;
        joins++;
        for (let step = 0; step < 10; step++) {
          tick(board, relay, random, scenario.unlikes);
          const outcome = feed.update(relay.push());
          if (outcome === 'gap') {
            gaps++;
            feed.snapshot(board.view(LIMIT));
          } else {
            expect(outcome).toBe('applied');
          }
          expect(feed.entries).toEqual(board.ranking().slice(0, LIMIT));
        }
      }
      expect(joins).toBe(40);
      // Votes only ever climb, so a viewer that joined between two pushes can place everyone.
      if (!scenario.unlikes) expect(gaps).toBe(0);
    },
  );
});
