import {
  BoardFeed,
  type BoardView,
  type FeedOutcome,
  MAX_BUFFERED,
  type RankMove,
  type RankUpdate,
  rankMoves,
  type ScreenView,
} from '@rallyboard/core/protocol';
import { VoteRate } from '../shared/vote-rate.js';

/** A ranking a screen may show: its window, whose ranking, and how many entries. */
type Ranking = Pick<ScreenView, 'window' | 'view' | 'topN'>;

const keyOf = (window: string, view: string | undefined) => `${window}:${view ?? 'candidates'}`;
const keyOfFeed = (feed: BoardFeed) => keyOf(feed.window, feed.ranking.view);

/**
 * The ranking a big screen shows, with the arrows of its moves and its vote rate.
 *
 * One BoardFeed per ranking (window and view), made when the screen first names that ranking and
 * kept while it follows it, so a snapshot is handed to the feed that buffered the pushes before
 * it. Pushes of a ranking the screen has no feed for yet (before the first snapshot names one)
 * are held, at most MAX_BUFFERED, and given to its feed when it is made. Until 2026-12-08 each
 * snapshot made a new feed and a push before the first was dropped: a push sent between the
 * server's read and the ack was lost, for good when it was the campaign's last.
 */
export class ScreenRanking {
  #feeds = new Map<string, BoardFeed>();
  #held: RankUpdate[] = [];
  #following: BoardFeed | undefined;
  #shown: BoardFeed | undefined;
  /** The feed the arrows and the rate were worked out from, and its ranks then. */
  #ranked: BoardFeed | undefined;
  #ranks = new Map<string, number>();
  /** An arrow stays until that candidate moves again: a glance across the room still sees it. */
  moves = new Map<string, RankMove>();
  rate = new VoteRate();

  /** The feed drawn: the one followed once it holds a ranking; until then the one before it. */
  get shown(): BoardFeed | undefined {
    return this.#shown;
  }

  /**
   * The host put a ranking on the screen: the screen follows it from now on. True when it is
   * another than the one followed, which the screen subscribes to again.
   */
  switchTo(view: Ranking): boolean {
    const following = this.#following;
    if (!following || keyOfFeed(following) === keyOf(view.window, view.view)) return false;
    this.#follow(view);
    // Pushes held for it may have brought it already (a reset).
    if (this.#shown && this.#shown !== this.#ranked) this.#rankFrom(this.#shown, 0);
    return true;
  }

  /**
   * The screen is no longer subscribed (a lost connection, a refused subscription): pushes were
   * missed, so the next subscription starts new feeds. The one drawn stays until its snapshot.
   */
  restart(): void {
    this.#feeds.clear();
    this.#held = [];
    this.#following = undefined;
  }

  /** A subscription's snapshot, for the ranking its view names; `gap` when it must be read again. */
  snapshot(screen: Ranking & Pick<ScreenView, 'recentVotes'>, board: BoardView): FeedOutcome {
    const outcome = this.#follow(screen).snapshot(board);
    this.#settle();
    if (this.#shown) this.#rankFrom(this.#shown, screen.recentVotes);
    return outcome;
  }

  /**
   * A push, to the feed of its ranking. A gap is reported only for the ranking followed: a feed
   * the screen is leaving has no snapshot coming.
   */
  update(update: RankUpdate): FeedOutcome {
    const feed = this.#feeds.get(keyOf(update.window, update.view));
    if (!feed) {
      if (this.#held.length >= MAX_BUFFERED) this.#held.shift();
      this.#held.push(update);
      return 'buffered';
    }
    const outcome = feed.update(update);
    this.#settle();
    if (outcome === 'gap') return feed === this.#following ? 'gap' : 'stale';
    const shown = this.#shown;
    if (outcome !== 'applied' || !shown) return outcome;
    // A reset brought the ranking switched to before its snapshot did: it starts over.
    if (shown !== this.#ranked) this.#rankFrom(shown, 0);
    this.rate.add(Date.now(), shown.totals.votes);
    const next = new Map(shown.entries.map((e) => [e.candidateId, e.rank]));
    for (const [id, move] of rankMoves(this.#ranks, next)) {
      if (move.kind !== 'same') this.moves.set(id, move);
    }
    this.#ranks = next;
    return outcome;
  }

  /** The feed of a ranking: the one it has, or a new one given the pushes held for it. */
  #follow(ranking: Ranking): BoardFeed {
    const key = keyOf(ranking.window, ranking.view);
    let feed = this.#feeds.get(key);
    if (!feed || feed.limit !== ranking.topN) {
      feed = new BoardFeed(ranking.window, ranking.topN, { view: ranking.view });
      this.#feeds.set(key, feed);
      const held = this.#held;
      this.#held = [];
      for (const update of held) {
        if (keyOf(update.window, update.view) === key) feed.update(update);
        else this.#held.push(update);
      }
    }
    this.#following = feed;
    this.#settle();
    return feed;
  }

  /** The feed followed is drawn once it holds a ranking; a feed neither followed nor drawn goes. */
  #settle(): void {
    if (this.#following && this.#following.seq >= 0) this.#shown = this.#following;
    for (const [key, feed] of this.#feeds) {
      if (feed !== this.#following && feed !== this.#shown) this.#feeds.delete(key);
    }
  }

  /** Arrows and the rate start over from a feed: another ranking's totals are another series. */
  #rankFrom(feed: BoardFeed, recentVotes: number): void {
    if (this.#ranked && keyOfFeed(this.#ranked) !== keyOfFeed(feed)) this.rate = new VoteRate();
    this.#ranked = feed;
    this.rate.snapshot(Date.now(), feed.totals.votes, recentVotes);
    this.#ranks = new Map(feed.entries.map((e) => [e.candidateId, e.rank]));
    this.moves = new Map();
  }
}
