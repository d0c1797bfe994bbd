import './lottery.css';
import type { LotteryTicketPage, LotteryView, LotteryWinner } from '@rallyboard/core/protocol';

/** How often the screen looks for a lottery's commitment and draw (one small public read). */
const POLL_MS = 4_000;
/** How long the names roll before each winner lands, at most (many winners roll faster). */
const ROLL_MS = 2_400;
const MIN_ROLL_MS = 600;
/** How long the draw stays on the screen after the last winner landed. */
const SHOWN_MS = 90_000;

/** What a test reads from the page (`window.__rallyLottery`). */
export interface LotteryProbe {
  phase: 'none' | 'committed' | 'rolling' | 'landed' | 'drawn';
  /** The winners shown so far: `<prize> <holder>`. */
  landed: string[];
  /** Whether the page checked SHA-256(seed) against the commitment itself, and it held. */
  seedChecked: boolean | undefined;
}

const $ = (id: string): HTMLElement => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** SHA-256 of the seed's bytes, hex, by the browser's own crypto (undefined where it has none: plain http). */
async function sha256Hex(seedHex: string): Promise<string | undefined> {
  if (!globalThis.crypto?.subtle || !/^[0-9a-f]{64}$/.test(seedHex)) return undefined;
  const bytes = new Uint8Array(seedHex.match(/../g)?.map((h) => Number.parseInt(h, 16)) ?? []);
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The big screen's lottery (docs/rewards.md): before the draw, each lottery's commitment (the
 * SHA-256 of its secret seed) along the bottom of the screen; when the host draws while the screen
 * is open, a draw view that rolls through the ticket holders' numbers and lands on each winner in
 * turn, then shows the seed and that the page checked it against the commitment. A screen opened
 * after the draw shows the result along the bottom, without the show.
 */
export class LotteryPanel {
  readonly probe: LotteryProbe = { phase: 'none', landed: [], seedChecked: undefined };
  #known = new Map<string, LotteryView['status']>();
  #first = true;
  #drawing = false;

  constructor(readonly campaignId: string) {
    void this.#poll();
  }

  async #poll(): Promise<void> {
    for (;;) {
      try {
        await this.#look();
      } catch {
        // The next look tries again: a lottery line is never worth an error on the big screen.
      }
      await sleep(POLL_MS);
    }
  }

  async #look(): Promise<void> {
    const res = await fetch(`/api/campaigns/${encodeURIComponent(this.campaignId)}/lotteries`);
    if (!res.ok) return;
    const { lotteries } = (await res.json()) as { lotteries: LotteryView[] };
    const justDrawn = lotteries.filter(
      (l) => l.status === 'drawn' && this.#known.get(l.id) === 'committed' && !this.#first,
    );
    this.#known = new Map(lotteries.map((l) => [l.id, l.status]));
    this.#first = false;
    this.#showLine(lotteries);
    for (const lottery of justDrawn) if (!this.#drawing) await this.#draw(lottery);
  }

  /** The line along the bottom: each lottery's commitment, or its winners once drawn. */
  #showLine(lotteries: readonly LotteryView[]): void {
    const line = $('lottery-line');
    line.hidden = lotteries.length === 0;
    line.replaceChildren(
      ...lotteries.map((l) => {
        const item = document.createElement('div');
        item.className = 'lottery-item';
        item.dataset.status = l.status;
        item.textContent =
          l.status === 'drawn'
            ? `抽奖「${l.name}」已开奖：${(l.winners ?? []).map((w) => `${w.prize} ${w.holder}`).join('，') || '无有效抽奖券'}`
            : `抽奖「${l.name}」种子承诺 SHA-256：${l.commitment}`;
        return item;
      }),
    );
    if (!this.#drawing) {
      this.probe.phase = lotteries.some((l) => l.status === 'committed')
        ? 'committed'
        : lotteries.length > 0
          ? 'drawn'
          : 'none';
    }
  }

  /**
   * The draw view: names roll, each winner lands in turn, then the seed and its check. The draw is
   * recorded already and never played again, so whatever fails on the way (the tickets' read, the
   * hash), the view still leaves after SHOWN_MS: until 2026-12-07 a failed read kept it over the
   * podium until the page was reloaded.
   */
  async #draw(lottery: LotteryView): Promise<void> {
    this.#drawing = true;
    this.probe.phase = 'rolling';
    this.probe.landed = [];
    const overlay = $('lottery-draw');
    const roll = $('lottery-roll');
    const list = $('lottery-winners');
    const proof = $('lottery-proof');
    $('lottery-draw-title').textContent = `开奖 · ${lottery.name}`;
    list.replaceChildren();
    proof.textContent = `种子承诺 SHA-256：${lottery.commitment}`;
    overlay.hidden = false;
    try {
      const names = await this.#rollingNames(lottery);
      const winners = lottery.winners ?? [];
      const perWinner = Math.max(MIN_ROLL_MS, Math.min(ROLL_MS, 24_000 / Math.max(1, winners.length)));
      for (const winner of winners) {
        await this.#rollTo(roll, names, winner, perWinner);
        const item = document.createElement('li');
        item.textContent = `${winner.prize} · 抽奖编号 ${winner.holder}`;
        list.append(item);
        this.probe.landed.push(`${winner.prize} ${winner.holder}`);
      }
      if (winners.length === 0) roll.textContent = '没有有效的抽奖券';
      const hash = await sha256Hex(lottery.seed ?? '');
      this.probe.seedChecked = hash === undefined ? undefined : hash === lottery.commitment;
      proof.textContent =
        `种子 ${lottery.seed ?? ''}${hash === lottery.commitment ? ' · SHA-256 与开奖前公布的承诺一致 ✓' : ''}` +
        ' · 全部有效抽奖券已公布，任何人都可以复算中奖结果';
      this.probe.phase = 'landed';
    } finally {
      setTimeout(() => {
        overlay.hidden = true;
        this.#drawing = false;
        this.probe.phase = 'drawn';
      }, SHOWN_MS);
    }
  }

  /**
   * The ticket holders' numbers to roll through: the published list's first page, or the winners'
   * own numbers when it cannot be read (the show goes on without the others').
   */
  async #rollingNames(lottery: LotteryView): Promise<string[]> {
    const winners = (lottery.winners ?? []).map((w) => w.holder);
    try {
      const res = await fetch(
        `/api/campaigns/${encodeURIComponent(this.campaignId)}/lotteries/${lottery.id}/tickets?page=0`,
      );
      const page = res.ok ? ((await res.json()) as LotteryTicketPage) : undefined;
      const holders = [...new Set(page?.tickets.map((t) => t.holder) ?? [])];
      return holders.length > 0 ? holders : winners;
    } catch {
      return winners;
    }
  }

  /** Rolls the numbers, slowing down, and stops on the winner's. */
  async #rollTo(
    roll: HTMLElement,
    names: readonly string[],
    winner: LotteryWinner,
    ms: number,
  ): Promise<void> {
    const started = performance.now();
    let step = 40;
    for (let i = 0; performance.now() - started < ms; i++) {
      roll.textContent = names[(i * 7919) % names.length] ?? winner.holder;
      await sleep(step);
      step = Math.min(220, step * 1.06);
    }
    roll.textContent = `${winner.prize} · ${winner.holder}`;
    roll.dataset.landed = winner.holder;
    await sleep(500);
  }
}
