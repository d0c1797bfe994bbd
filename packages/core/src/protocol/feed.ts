import type { RankingView } from './groups.js';
import type { BoardTotals, BoardView, LeaderboardEntry, RankUpdate, RankWindow } from './leaderboard.js';

/** What became of one pushed update. `gap`: something was missed; call `snapshot` again. */
export type FeedOutcome = 'applied' | 'stale' | 'gap' | 'buffered';

/**
 * How many updates a copy holds while it waits for a snapshot. A client whose snapshot does not
 * come (its resync refused again and again) keeps up with a live board's pushes in bounded memory
 * (until 2026-12-07 it held every one): the oldest go first, and a snapshot older than one that
 * went answers `gap`, so nothing is skipped unseen.
 */
export const MAX_BUFFERED = 256;

interface Standing {
  rank: number | null;
  score: number;
}

/**
 * A client's live copy of one board window's top N, built from a snapshot and the
 * `rank:updated` stream. The same code runs in the mini-program, the big screen and our tests.
 *
 * Subscribe first, then take the snapshot: updates that arrive before it are buffered and
 * replayed on top of it. An update that would skip a change (its `fromSeq` is past what this
 * copy holds), or leaves a hole in the top N, answers `gap`: fetch a snapshot and carry on.
 */
export class BoardFeed {
  #seq = -1;
  #day: string | null = null;
  #totals: BoardTotals = { votes: 0, members: 0 };
  #standings = new Map<string, Standing>();
  #buffered: RankUpdate[] = [];
  #stale = true;

  constructor(
    readonly window: RankWindow,
    /** How many entries from the top this copy keeps. */
    readonly limit: number,
    /** Which ranking of the window: the candidates (the default), one group's, or the groups'. */
    readonly ranking: { view?: RankingView | undefined; group?: string | undefined } = {},
  ) {}

  /** The seq this copy is at; -1 before the first snapshot. */
  get seq(): number {
    return this.#seq;
  }
  get day(): string | null {
    return this.#day;
  }
  get totals(): BoardTotals {
    return this.#totals;
  }
  /** True until a snapshot arrives, and again after a gap. */
  get needsSnapshot(): boolean {
    return this.#stale;
  }

  /** The top entries in rank order. */
  get entries(): LeaderboardEntry[] {
    return [...this.#standings]
      .filter((pair): pair is [string, { rank: number; score: number }] => {
        const rank = pair[1].rank;
        return rank !== null && rank <= this.limit;
      })
      .map(([candidateId, { rank, score }]) => ({ rank, candidateId, score }))
      .sort((a, b) => a.rank - b.rank);
  }

  /** A member's standing, if this copy knows it. */
  standing(candidateId: string): Standing | undefined {
    return this.#standings.get(candidateId);
  }

  /**
   * Takes a snapshot, then replays the updates buffered for it. A copy that holds a ranking (not
   * waiting for a snapshot) keeps it when the snapshot is older (a lower seq of the same day, or
   * an earlier day) and answers `stale`: a snapshot read before a reset that came first (a freeze's
   * end, a new day) would bring back what the reset replaced, and nothing later would correct it
   * (until 2026-12-08 it replaced it). A copy that waits for one, first or after a gap, takes any
   * snapshot: it knows it is behind, and after a rebuild the seq may start lower.
   */
  snapshot(view: BoardView): FeedOutcome {
    const older = !this.#stale && this.#isNewerThan(view.seq, view.day);
    if (!older) this.#replace(view.seq, view.day, view.totals, view.entries);
    const buffered = this.#buffered;
    this.#buffered = [];
    let outcome: FeedOutcome = older ? 'stale' : 'applied';
    for (const update of buffered) {
      if (this.update(update) === 'gap') outcome = 'gap';
    }
    return outcome;
  }

  update(update: RankUpdate): FeedOutcome {
    // One socket may watch several rooms: an update of another window or ranking is not this copy's.
    if (update.window !== this.window) return 'stale';
    if ((update.view ?? 'candidates') !== (this.ranking.view ?? 'candidates')) return 'stale';
    if (update.group !== this.ranking.group) return 'stale';
    if (update.reset) {
      if (update.seq < this.#seq && update.day === this.#day) return 'stale';
      this.#replace(
        update.seq,
        update.day,
        update.totals,
        update.entries.flatMap((e) => (e.rank === null ? [] : [{ ...e, rank: e.rank }])),
      );
      return 'applied';
    }
    if (this.#stale) {
      if (this.#buffered.length >= MAX_BUFFERED) this.#buffered.shift();
      this.#buffered.push(update);
      return 'buffered';
    }
    if (update.day !== this.#day) return this.#gap();
    if (update.seq <= this.#seq) return 'stale';
    if (update.fromSeq > this.#seq) return this.#gap();
    return this.#apply(update);
  }

  #replace(seq: number, day: string | null, totals: BoardTotals, entries: readonly LeaderboardEntry[]) {
    this.#seq = seq;
    this.#day = day;
    this.#totals = totals;
    this.#standings = new Map(entries.map((e) => [e.candidateId, { rank: e.rank, score: e.score }]));
    this.#stale = false;
  }

  /** Whether what this copy holds is past `seq` of `day`: a later seq of that day, or a later day. */
  #isNewerThan(seq: number, day: string | null): boolean {
    if (day === this.#day) return seq < this.#seq;
    return day !== null && this.#day !== null && day < this.#day;
  }

  #gap(): FeedOutcome {
    this.#stale = true;
    return 'gap';
  }

  #apply(update: RankUpdate): FeedOutcome {
    // Members not in the update kept their scores, so they keep their order among themselves;
    // they fill, in that order, the ranks the changed members do not take.
    const before = this.entries.map((e) => e.candidateId);
    const pinned = new Map<number, string>();
    for (const entry of update.entries) {
      this.#standings.set(entry.candidateId, { rank: entry.rank, score: entry.score });
      if (entry.rank !== null) pinned.set(entry.rank, entry.candidateId);
    }
    const changed = new Set(update.entries.map((e) => e.candidateId));
    let rank = 1;
    for (const candidateId of before) {
      if (changed.has(candidateId)) continue;
      while (pinned.has(rank)) rank++;
      const standing = this.#standings.get(candidateId);
      if (standing && rank <= this.limit) standing.rank = rank++;
      else this.#standings.delete(candidateId);
    }
    // Forget what we can no longer place exactly: unchanged members below the top N.
    for (const [candidateId, standing] of this.#standings) {
      if (!changed.has(candidateId) && (standing.rank === null || standing.rank > this.limit)) {
        this.#standings.delete(candidateId);
      }
    }
    this.#seq = update.seq;
    this.#totals = update.totals;
    // A pinned rank with an empty rank above it means a member we never saw moved in: resync.
    const ranks = this.entries.map((e) => e.rank);
    if (ranks.some((r, i) => r !== i + 1)) return this.#gap();
    // Fewer entries than before: a member we cannot place (it left our view in a snapshot
    // taken between two pushes and came back unchanged since the earlier one) belongs in the
    // top N. A window's ranked set only shrinks on a reset, so this is never a false alarm.
    if (ranks.length < before.length) return this.#gap();
    return 'applied';
  }
}
