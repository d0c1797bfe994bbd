/** The longest dwell the server takes (24 hours): a page left open longer reports that. */
const MAX_DWELL_MS = 24 * 3_600_000;

/**
 * Time from a page being shown to a tap (a vote's `dwellMs`, for risk control). A page calls
 * `shown()` in onShow and `sinceShown()` when the user taps; a page hidden and shown again starts
 * over, so the time is what the user spent looking at it this time.
 */
export class DwellClock {
  #shownAt: number | null = null;

  shown(now: number = Date.now()): void {
    this.#shownAt = now;
  }

  hidden(): void {
    this.#shownAt = null;
  }

  /** Milliseconds since shown, within 0 and 24 h; undefined when the page was never shown. */
  sinceShown(now: number = Date.now()): number | undefined {
    if (this.#shownAt === null) return undefined;
    return Math.min(MAX_DWELL_MS, Math.max(0, Math.round(now - this.#shownAt)));
  }
}
