import type {
  BoardFeed,
  BoardView,
  LeaderboardEntry,
  ScreenReveal,
  ScreenView,
} from '@rallyboard/core/protocol';
import { revealedCount, revealOrder } from '../shared/reveal.js';

function nameOf(view: ScreenView, candidateId: string): { name: string; imageUrl: string | undefined } {
  const member = view.campaign.members.find((m) => m.candidateId === candidateId);
  return { name: member?.name ?? candidateId, imageUrl: member?.imageUrl };
}

function avatar(imageUrl: string | undefined, name: string): HTMLElement {
  if (imageUrl) {
    const img = document.createElement('img');
    img.className = 'avatar';
    img.src = imageUrl;
    img.alt = name;
    return img;
  }
  const span = document.createElement('span');
  span.className = 'avatar avatar-initial';
  span.textContent = name.slice(0, 1);
  return span;
}

/**
 * The reveal: the final ranks shown one at a time from the last to the first, each sliding in
 * as its turn comes (REVEAL_STEP_MS apart, counted from the host's press, so every screen in the
 * venue, and one reloaded mid-way, shows the same rank at the same moment). The list reads top
 * down; ranks not yet revealed are placeholders.
 */
export function renderReveal(list: HTMLElement, reveal: ScreenReveal, nowMs: number, view: ScreenView): void {
  const order = revealOrder(reveal.entries);
  const shown = new Set(
    order
      .slice(0, revealedCount(Date.parse(reveal.revealedAt), nowMs, order.length))
      .map((e) => e.candidateId),
  );
  const key = [...shown].join(',');
  if (list.dataset.shown === key && list.childElementCount === order.length) return;
  list.dataset.shown = key;
  list.replaceChildren(
    ...reveal.entries.map((entry) => {
      const li = document.createElement('li');
      li.className = 'reveal-item';
      li.dataset.rank = String(entry.rank);
      const revealed = shown.has(entry.candidateId);
      li.dataset.revealed = String(revealed);
      const rank = document.createElement('span');
      rank.className = 'reveal-rank';
      rank.textContent = `第${entry.rank}名`;
      li.append(rank);
      if (revealed) {
        const { name, imageUrl } = nameOf(view, entry.candidateId);
        li.dataset.candidateId = entry.candidateId;
        const label = document.createElement('span');
        label.className = 'reveal-name';
        label.textContent = name;
        const score = document.createElement('span');
        score.className = 'reveal-score';
        score.textContent = `${entry.score}票`;
        li.append(avatar(imageUrl, name), label, score);
      } else {
        const hidden = document.createElement('span');
        hidden.className = 'reveal-name reveal-hidden';
        hidden.textContent = '？？？';
        li.append(hidden);
      }
      return li;
    }),
  );
}

/** The podium of an ended campaign: second, first, third, as on a stage. */
export function renderPodium(
  places: HTMLElement,
  entries: readonly LeaderboardEntry[],
  view: ScreenView,
): void {
  const top = [...entries].sort((a, b) => a.rank - b.rank).slice(0, 3);
  const key = top.map((e) => `${e.candidateId}:${e.score}`).join(',');
  if (places.dataset.key === key) return;
  places.dataset.key = key;
  const stage = [top[1], top[0], top[2]].filter((e): e is LeaderboardEntry => e !== undefined);
  places.replaceChildren(
    ...stage.map((entry) => {
      const { name, imageUrl } = nameOf(view, entry.candidateId);
      const place = document.createElement('div');
      place.className = `podium-place podium-${entry.rank}`;
      place.dataset.rank = String(entry.rank);
      place.dataset.candidateId = entry.candidateId;
      const label = document.createElement('div');
      label.className = 'podium-name';
      label.textContent = name;
      const score = document.createElement('div');
      score.className = 'podium-score';
      score.textContent = `${entry.score}票`;
      const block = document.createElement('div');
      block.className = 'podium-block';
      block.textContent = String(entry.rank);
      place.append(avatar(imageUrl, name), label, score, block);
      return place;
    }),
  );
}

/** How long a failed read of the all-time ranking waits before it is tried again. */
const PODIUM_RETRY_MS = 5_000;

/**
 * What the podium ranks: the all-time counted ranking of the candidates, whichever ranking the
 * host put on the screen. The reveal's when there was one; the screen's own feed when it follows
 * that ranking; else a public read of it, done again when the feed moves (a void after the end
 * moves every ranking). Until 2026-12-07 the podium took the feed as it was: today's top three on
 * 今日榜, group ids on 分组排名.
 */
export class PodiumRanking {
  #entries: readonly LeaderboardEntry[] = [];
  #seq = -1;
  /** The feed's seq the last read was for: one read per change, not one per frame. */
  #readFor: number | undefined;

  /** @param onRead called when a read brought the ranking, to draw it */
  constructor(readonly onRead: () => void) {}

  entries(view: ScreenView, feed: BoardFeed): readonly LeaderboardEntry[] {
    if (view.reveal) return view.reveal.entries;
    if (feed.window === 'all' && (feed.ranking.view ?? 'candidates') === 'candidates') return feed.entries;
    if (this.#readFor !== feed.seq) {
      this.#readFor = feed.seq;
      void this.#read(view.campaign.id);
    }
    return this.#entries;
  }

  async #read(campaignId: string): Promise<void> {
    try {
      const res = await fetch(`/api/boards/${encodeURIComponent(campaignId)}/leaderboard?window=all&limit=3`);
      if (!res.ok) throw new Error(`leaderboard: ${res.status}`);
      const board = (await res.json()) as BoardView;
      // Reads may answer out of order: the later ranking stays.
      if (board.seq < this.#seq) return;
      this.#seq = board.seq;
      this.#entries = board.entries;
      this.onRead();
    } catch {
      // An empty podium for now, never another ranking's: the next draw reads again.
      setTimeout(() => {
        this.#readFor = undefined;
        this.onRead();
      }, PODIUM_RETRY_MS);
    }
  }
}
