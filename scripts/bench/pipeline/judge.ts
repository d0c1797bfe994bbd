// The bars a run is judged against, each from the figures of our pipeline and its references.
import type { Bar, CountCheck, Results, ScaleOut } from './results.js';

/** Every 2×2 phase's count check, in the order the phases ran. */
export function countChecks(s: ScaleOut): CountCheck[] {
  const all = [s.ingest?.counts, ...(s.worker?.counts ?? []), s.latency?.counts, s.capacity?.counts];
  return all.filter((c): c is CountCheck => c !== undefined);
}

export function judge(r: Results): Bar[] {
  const bars: Bar[] = [];
  const add = (name: string, value: number, bar: string, pass: boolean, note?: string) =>
    bars.push({ name, value, bar, pass: Number.isFinite(value) && pass, ...(note ? { note } : {}) });
  if (r.ingest && r.bareIngest) {
    const accepted = r.ingest.acceptedPerS / r.bareIngest.acceptedPerS;
    const applied = r.ingest.appliedPerS / r.bareIngest.acceptedPerS;
    add('ingest accepted vs bare ingest', accepted, '≥ 1.0×', accepted >= 1);
    add('ingest applied vs bare ingest', applied, '≥ 1.0×', applied >= 1);
  }
  if (r.worker && r.bareWorker) {
    if (r.worker.single) {
      const x = r.worker.single.perS / r.bareWorker.perS;
      add('workers (1 vote/job) vs bare worker', x, '≥ 2×', x >= 2);
    }
    if (r.worker.batched) {
      const x = r.worker.batched.perS / r.bareWorker.perS;
      add('workers (ingest batches) vs bare worker', x, '≥ 2×', x >= 2);
    }
  }
  if (r.worker?.batched && r.bareWorkerDefault) {
    const x = r.worker.batched.perS / r.bareWorkerDefault.perS;
    add(
      'workers (ingest batches) vs bare worker at BullMQ default concurrency 1',
      x,
      '≥ 2×',
      x >= 2,
      'context only: the bar above, at equal concurrency, is the one judged',
    );
  }
  if (r.rewards) {
    add('workers with reward rules vs without', r.rewards.ratio, '≥ 0.9×', r.rewards.ratio >= 0.9);
  }
  if (r.latency) {
    const note =
      r.latency.watchersConnected < 2000
        ? `bar is for 2,000 watchers; ${r.latency.watchersConnected} here`
        : undefined;
    add(
      'vote → watcher p99 at half max rate',
      r.latency.latency.p99,
      '≤ 250 ms',
      r.latency.latency.p99 <= 250,
      note,
    );
  }
  if (r.capacity) {
    const c = r.capacity;
    const full = c.watchersConnected >= Math.min(20_000, c.watchersAttempted);
    const note =
      c.watchersRequested < 20_000
        ? `bar is for 20,000 watchers; ${c.watchersRequested} asked`
        : c.limitedByFds
          ? 'limited by the fd limit'
          : undefined;
    add(
      'capacity watchers',
      c.watchersConnected,
      `${Math.min(20_000, c.watchersRequested).toLocaleString('en-US')} (or as many as the fd limit allows)`,
      full,
      note,
    );
    add('capacity vote → watcher p99', c.latency.p99, '≤ 1000 ms', c.latency.p99 <= 1000 && c.sawEvery > 0);
  }
  if (r.scaleOut) {
    // The 2×2 row is reported, not judged; only this check is.
    const checks = countChecks(r.scaleOut);
    const failed = checks.filter((c) => !c.ok);
    add(
      'nothing counted twice (2×2)',
      failed.length,
      'accepted = counted after every 2×2 phase',
      checks.length > 0 && failed.length === 0,
      failed.length > 0
        ? `failed: ${failed.map((c) => c.phase).join('; ')}`
        : `${checks.length} phase${checks.length === 1 ? '' : 's'} checked`,
    );
  }
  return bars;
}
