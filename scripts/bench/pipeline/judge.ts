// The bars a run is judged against, each from the figures of our pipeline and its references.
import { format } from './format.js';
import { cpuPerDeliveryUs } from './phases/fanout.js';
import type { Bar, CountCheck, Results, ScaleOut } from './results.js';

/** Our server's CPU µs per update delivered in the capacity run (probes that counted × watchers). */
export function ourCpuPerDeliveryUs(r: Results): number {
  const c = r.capacity;
  if (!c) return Number.NaN;
  return cpuPerDeliveryUs(c.cpuS.server ?? Number.NaN, c.probesCounted, c.watchersConnected);
}

/** Every 2×2 phase's count check, in the order the phases ran. */
export function countChecks(s: ScaleOut): CountCheck[] {
  const all = [s.ingest?.counts, ...(s.worker?.counts ?? []), s.latency?.counts, s.capacity?.counts];
  return all.filter((c): c is CountCheck => c !== undefined);
}

/** The phases measured on both rows, the live campaign's and the engine's bare boards. */
export type RowPhase = 'ingest' | 'worker' | 'latency';

/** Whether a phase's bars judge the engine's row: only when its live-* phase was skipped. */
export const judgesEngine = (r: Results, phase: RowPhase): boolean => r.live?.[phase] === undefined;

/**
 * The row the bars judge: the live campaign's figures (risk control on, quotas, the crowd's
 * context), each phase falling back to the engine's bare boards, with a note, when its live phase
 * was skipped.
 */
function judgedRow(r: Results) {
  const pick = <T>(phase: RowPhase, live: T | undefined, engine: T | undefined) => {
    if (!judgesEngine(r, phase) && live !== undefined) return { figures: live, note: undefined };
    return engine !== undefined ? { figures: engine, note: ENGINE_NOTE } : undefined;
  };
  return {
    ingest: pick('ingest', r.live?.ingest, r.ingest),
    worker: pick('worker', r.live?.worker, r.worker),
    latency: pick('latency', r.live?.latency, r.latency),
  };
}

const ENGINE_NOTE = 'engine row: its live-* phase was skipped, so not the row the bar is for';

export function judge(r: Results): Bar[] {
  const bars: Bar[] = [];
  const add = (name: string, value: number, bar: string, pass: boolean, note?: string) =>
    bars.push({ name, value, bar, pass: Number.isFinite(value) && pass, ...(note ? { note } : {}) });
  const row = judgedRow(r);
  if (row.ingest && r.bareIngest) {
    const ingest = row.ingest.figures;
    const accepted = ingest.acceptedPerS / r.bareIngest.acceptedPerS;
    const applied = ingest.appliedPerS / r.bareIngest.acceptedPerS;
    add('ingest accepted vs bare ingest', accepted, '≥ 1.0×', accepted >= 1, row.ingest.note);
    add('ingest applied vs bare ingest', applied, '≥ 1.0×', applied >= 1, row.ingest.note);
  }
  const worker = row.worker?.figures;
  if (worker && r.bareWorker) {
    // Every decided vote is on the ledger before its job completes: what the ledger alone takes
    // here is the most a drain could reach, whatever the rest cost.
    const ceiling =
      r.bareLedger && `the ledger alone (e) reaches ${format.ratio(r.bareLedger.perS / r.bareWorker.perS)}`;
    const note = [row.worker?.note, ceiling].filter(Boolean).join('; ') || undefined;
    if (worker.single) {
      const x = worker.single.perS / r.bareWorker.perS;
      add('workers (1 vote/job) vs bare worker', x, '≥ 2×', x >= 2, note);
    }
    if (worker.batched) {
      const x = worker.batched.perS / r.bareWorker.perS;
      add('workers (ingest batches) vs bare worker', x, '≥ 2×', x >= 2, note);
    }
  }
  if (worker?.batched && r.bareWorkerDefault) {
    const x = worker.batched.perS / r.bareWorkerDefault.perS;
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
  if (row.latency) {
    const latency = row.latency.figures;
    const notes = [
      latency.watchersConnected < 2000 ? `bar is for 2,000 watchers; ${latency.watchersConnected} here` : '',
      row.latency.note ?? '',
    ].filter(Boolean);
    add(
      'vote → watcher p99 at half max rate',
      latency.latency.p99,
      '≤ 250 ms',
      latency.latency.p99 <= 250,
      notes.length > 0 ? notes.join('; ') : undefined,
    );
    add(
      'HTTP p99 at half max rate',
      latency.load.latency.p99,
      '≤ 150 ms',
      latency.load.latency.p99 <= 150,
      row.latency.note,
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
    add('capacity vote → watcher p99', c.latency.p99, '≤ 500 ms', c.latency.p99 <= 500 && c.sawEvery > 0);
    const rss = c.server.perThousandWatchers.rssMiB;
    add('capacity server RSS per 1,000 watchers', rss, '≤ 15 MiB', rss <= 15);
    if (r.bareFanout) {
      const x = ourCpuPerDeliveryUs(r) / r.bareFanout.cpuPerDeliveryUs;
      add('fan-out server CPU per delivered update vs raw socket.io', x, '≤ 1.1×', x <= 1.1);
    }
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
