/** One observation of a board's counted total. */
interface Sample {
  at: number;
  total: number;
}

/** How far back samples are kept: the sparkline's span plus the minute each point looks back. */
const KEEP_MS = 11 * 60_000;

/**
 * Votes per minute from the totals a screen sees, for the headline figure and its sparkline.
 * The total is sampled as updates come (and on a timer when none come, so a quiet minute drops
 * to zero); the rate at `t` is the growth over the minute before `t`. A reset to a lower total
 * (a rebuild, a void) starts the series over rather than show a negative rate.
 */
export class VoteRate {
  #samples: Sample[] = [];

  add(at: number, total: number): void {
    const last = this.#samples.at(-1);
    if (last && total < last.total) this.#samples = [];
    this.#samples.push({ at, total });
    const cutoff = at - KEEP_MS;
    while (this.#samples.length > 2 && (this.#samples[1]?.at ?? at) < cutoff) this.#samples.shift();
  }

  /**
   * A snapshot's total. An empty series starts with what came before it: `recent` votes in the
   * minute before `at`, as the server counted them, so a screen opened after the votes of that
   * minute does not read 0 until the next ones. A series already going takes it as a sample.
   */
  snapshot(at: number, total: number, recent: number): void {
    if (this.#samples.length === 0)
      this.#samples.push({ at: at - 60_000, total: Math.max(0, total - recent) });
    this.add(at, total);
  }

  /**
   * The total as known at `t`: the last sample at or before it, or undefined before the first.
   * Samples are in time order and number one per update (tens of thousands at 50 a second), and
   * the screen asks every frame: a binary search, not a scan.
   */
  #totalAt(t: number): number | undefined {
    let low = 0;
    let high = this.#samples.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((this.#samples[middle]?.at ?? Number.POSITIVE_INFINITY) <= t) low = middle + 1;
      else high = middle;
    }
    return low === 0 ? undefined : this.#samples[low - 1]?.total;
  }

  /** Votes in the minute before `now`; 0 until two samples a moment apart exist. */
  perMinute(now: number): number {
    const current = this.#totalAt(now);
    const first = this.#samples[0];
    if (current === undefined || first === undefined) return 0;
    const before = this.#totalAt(now - 60_000) ?? first.total;
    return Math.max(0, current - before);
  }

  /** `points` rates ending at `now`, `stepMs` apart, oldest first: the sparkline. */
  series(now: number, points = 30, stepMs = 20_000): number[] {
    return Array.from({ length: points }, (_, i) => this.perMinute(now - (points - 1 - i) * stepMs));
  }
}
