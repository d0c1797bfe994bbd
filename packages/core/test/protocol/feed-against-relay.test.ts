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
