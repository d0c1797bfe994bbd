// How the pipeline benchmark writes its figures: counts, durations, sizes, ratios, latencies and
// CPU seconds, with '–' for a figure that was not measured.
import type { LatencySummary } from './histogram.js';

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const ms = (n: number) =>
  Number.isFinite(n) ? `${n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : Math.round(n)} ms` : '–';
const mib = (bytes: number) => (Number.isFinite(bytes) ? `${(bytes / 1_048_576).toFixed(1)} MiB` : '–');
const ratio = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : '–');
const lat = (l: LatencySummary) =>
  l.count === 0 ? '(no samples)' : `p50 ${ms(l.p50)}  p95 ${ms(l.p95)}  p99 ${ms(l.p99)}  max ${ms(l.max)}`;
export const cpu = (c: Record<string, number>) =>
  Object.entries(c)
    .filter(([, s]) => Number.isFinite(s))
    .map(([name, s]) => `${name} ${s.toFixed(1)}`)
    .join(', ');

export const format = { int, ms, mib, ratio, lat };

/** What a section of the printed table writes with: a row (label, value) and a section heading. */
export interface TableRows {
  row(label: string, value: string): void;
  head(title: string): void;
}
