/**
 * A latency histogram that child processes fill and the parent merges: log buckets of ~1 %
 * relative width (bucket k holds values near 1.01^k − 1 ms), so a few hundred numbers describe
 * millions of samples and percentiles stay within 1 %.
 */
const LOG_STEP = Math.log(1.01);

/** The serializable form, sent over IPC and written to the JSON results. */
export interface HistogramData {
  /** [bucket, count] pairs. */
  buckets: [number, number][];
  count: number;
  sum: number;
  min: number;
  max: number;
}

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

export class Histogram {
  #buckets = new Map<number, number>();
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;

  static from(...all: (HistogramData | undefined)[]): Histogram {
    const h = new Histogram();
    for (const data of all) if (data) h.merge(data);
    return h;
  }

  /** @param ms a latency in milliseconds (negative values count as 0) */
  record(ms: number): void {
    const value = ms > 0 ? ms : 0;
    const bucket = Math.round(Math.log1p(value) / LOG_STEP);
    this.#buckets.set(bucket, (this.#buckets.get(bucket) ?? 0) + 1);
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  merge(data: HistogramData): void {
    for (const [bucket, count] of data.buckets) {
      this.#buckets.set(bucket, (this.#buckets.get(bucket) ?? 0) + count);
    }
    this.count += data.count;
    this.sum += data.sum;
    if (data.count > 0) {
      this.min = Math.min(this.min, data.min);
      this.max = Math.max(this.max, data.max);
    }
  }

  /** The value below which `p` % of the samples fall; NaN without samples. */
  percentile(p: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (const bucket of [...this.#buckets.keys()].sort((a, b) => a - b)) {
      seen += this.#buckets.get(bucket) ?? 0;
      if (seen >= rank) return Math.min(this.max, Math.max(this.min, Math.expm1(bucket * LOG_STEP)));
    }
    return this.max;
  }

  summary(): LatencySummary {
    const empty = this.count === 0;
    return {
      count: this.count,
      mean: empty ? Number.NaN : this.sum / this.count,
      p50: this.percentile(50),
      p90: this.percentile(90),
      p95: this.percentile(95),
      p99: this.percentile(99),
      max: empty ? Number.NaN : this.max,
    };
  }

  toJSON(): HistogramData {
    return {
      buckets: [...this.#buckets],
      count: this.count,
      sum: this.sum,
      min: this.count === 0 ? 0 : this.min,
      max: this.count === 0 ? 0 : this.max,
    };
  }
}
