import './matching.css';
import type { MatchView } from '@rallyboard/core/protocol';
import { yuan } from '@rallyboard/core/protocol';

/** How often the screen reads the matching (one small public read); the amounts follow counted votes. */
const POLL_MS = 4_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The big screen's donation matching (公益配捐): each pledge along the bottom with its progress,
 * what is matched so far against the cap, read every few seconds. What is matched comes from the
 * counted votes, so it drops when votes are voided, and stays still while the ranking is frozen.
 */
export class MatchingLine {
  /** For tests: the amounts shown, `<sponsor> <matched>/<cap>`. */
  readonly probe: { shown: string[] } = { shown: [] };

  constructor(
    readonly campaignId: string,
    readonly line: HTMLElement,
  ) {
    void this.#poll();
  }

  async #poll(): Promise<void> {
    for (;;) {
      try {
        const res = await fetch(`/api/campaigns/${encodeURIComponent(this.campaignId)}/matches`);
        if (res.ok) this.#show(((await res.json()) as { matches: MatchView[] }).matches);
      } catch {
        // The next read tries again: the matching line is never worth an error on the big screen.
      }
      await sleep(POLL_MS);
    }
  }

  #show(matches: readonly MatchView[]): void {
    this.line.hidden = matches.length === 0;
    this.probe.shown = matches.map((m) => `${m.sponsor} ${yuan(m.matchedFen)}/${yuan(m.capFen)}`);
    this.line.replaceChildren(
      ...matches.map((m) => {
        const item = document.createElement('div');
        item.className = 'matching-item';
        item.dataset.capReached = String(m.capReached);
        const label = document.createElement('span');
        label.className = 'matching-label';
        label.textContent = `公益配捐 · ${m.sponsor}${m.candidateName ? `为「${m.candidateName}」` : ''}每票 ${yuan(m.perVoteFen)}，用于${m.cause}`;
        const amount = document.createElement('span');
        amount.className = 'matching-amount';
        amount.textContent = `已配捐 ${yuan(m.matchedFen)} / ${yuan(m.capFen)}${m.capReached ? ' · 已达上限' : ''}`;
        const bar = document.createElement('span');
        bar.className = 'matching-bar';
        const fill = document.createElement('span');
        fill.className = 'matching-fill';
        fill.style.width = `${Math.min(100, (100 * m.matchedFen) / m.capFen).toFixed(1)}%`;
        bar.append(fill);
        item.append(label, bar, amount);
        return item;
      }),
    );
  }
}
