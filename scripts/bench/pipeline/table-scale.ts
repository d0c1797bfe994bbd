// The printed table's --scale-out section: each 2×2 figure (2 server processes, 2 workers
// processes) beside the 1×1 figure of the same run, and the check that nothing was counted twice.
import { describeCheck } from './counts.js';
import { cpu, format, type TableRows as Rows } from './format.js';
import type { LatencySummary } from './histogram.js';
import { countChecks } from './judge.js';
import type { Results, ScaleOut } from './results.js';

const { int, ms } = format;

/** Width of the 1×1 column. */
const COLUMN = 34;

/** A 1×1 figure beside a 2×2 one, '–' for one not measured. */
const pair = (one: string | undefined, two: string | undefined) =>
  `${(one ?? '–').padEnd(COLUMN)} ${two ?? '–'}`;
const perS = (n: number | undefined, unit = 'votes/s') => (n === undefined ? undefined : `${int(n)} ${unit}`);
const p50p99 = (l: LatencySummary | undefined) =>
  l === undefined ? undefined : l.count === 0 ? '(no samples)' : `p50 ${ms(l.p50)}  p99 ${ms(l.p99)}`;

function ingestRows({ row }: Rows, r: Results, s: NonNullable<ScaleOut['ingest']>): void {
  const i = r.ingest;
  row('ingest: accepted (202)', pair(perS(i?.acceptedPerS), perS(s.acceptedPerS)));
  row('ingest: HTTP latency', pair(p50p99(i?.latency), p50p99(s.latency)));
  row('ingest: errors in the window', pair(i && int(i.errors), int(s.errors)));
  row('ingest: applied during the window', pair(perS(i?.appliedPerS), perS(s.appliedPerS)));
  const drain = (d: typeof i) => d && (d.drained ? ms(d.drainMs) : `NOT DRAINED after ${ms(d.drainMs)}`);
  row('ingest: drain after the load stopped', pair(drain(i), drain(s)));
  row('ingest: votes per job', pair(i?.votesPerJob.toFixed(1), s.votesPerJob.toFixed(1)));
  row('ingest 2×2: CPU s during the window', cpu(s.cpuS));
}

function workerRows({ row }: Rows, r: Results, s: NonNullable<ScaleOut['worker']>): void {
  const drained = (d: { perS: number; timedOut: boolean } | undefined) =>
    d && `${int(d.perS)} votes/s${d.timedOut ? ' TIMED OUT' : ''}`;
  row('worker drain: 1 vote per job', pair(drained(r.worker?.single), drained(s.single)));
  if (s.single) row('worker 2×2, 1 vote per job: CPU s', cpu(s.single.cpuS));
  if (s.batched) {
    row(
      `worker drain: as ingest batched them (${s.batched.votesPerJob.toFixed(1)}/job)`,
      pair(drained(r.worker?.batched), drained(s.batched)),
    );
    row('worker 2×2, ingest batches: CPU s', cpu(s.batched.cpuS));
  }
  if (s.batchedNote) row('worker drain: as ingest batched them', s.batchedNote);
}

function latencyRows({ row }: Rows, r: Results, s: NonNullable<ScaleOut['latency']>): void {
  const l = r.latency;
  const watchers = (x: typeof l) =>
    x && `${int(x.watchersConnected)} in ${x.processes} process${x.processes === 1 ? '' : 'es'}`;
  row(`latency: watchers`, pair(watchers(l), watchers(s)));
  row(
    `latency: accepted (202), open loop at ${int(s.rate)}/s`,
    pair(perS(l?.load.acceptedPerS), perS(s.load.acceptedPerS)),
  );
  row('latency: vote → watcher', pair(p50p99(l?.latency), p50p99(s.latency)));
  const reached = (x: typeof l) => x && `${int(x.reachedFinal)}/${int(x.watchersConnected)}`;
  row('latency: watchers that reached the last probe', pair(reached(l), reached(s)));
  const loop = (x: typeof l) => x && `${ms(x.clientLoopDelayP99)}`;
  row('latency: watcher event-loop p99', pair(loop(l), loop(s)));
  if (Object.keys(s.connectFailures).length > 0) {
    row('latency 2×2: connect failures', JSON.stringify(s.connectFailures));
  }
  row('latency 2×2: CPU s during the window', cpu(s.cpuS));
}

function capacityRows({ row }: Rows, r: Results, s: NonNullable<ScaleOut['capacity']>): void {
  const c = r.capacity;
  row(
    'capacity: watchers connected',
    pair(
      c && `${int(c.watchersConnected)} on 1 server`,
      `${int(s.watchersConnected)} (${s.servers.map((x) => int(x.watchersConnected)).join(' + ')}) of ${int(s.watchersAttempted)}`,
    ),
  );
  if (Object.keys(s.connectFailures).length > 0) {
    row('capacity 2×2: connect failures', JSON.stringify(s.connectFailures));
  }
  if (s.limitedByFds) {
    row(
      'capacity 2×2: the limiter',
      `the per-process fd limit: ${int(s.watchersAttempted / 2)} tried on each server`,
    );
  }
  row(
    'capacity: server open fds / soft limit',
    pair(
      c && `${int(c.server.afterConnect.openFds)} / ${int(c.server.fdLimit?.soft ?? Number.NaN)}`,
      s.servers
        .map((x) => `${int(x.afterConnect.openFds)} / ${int(x.fdLimit?.soft ?? Number.NaN)}`)
        .join(', '),
    ),
  );
  row('capacity: vote → watcher at 1 update/s', pair(p50p99(c?.latency), p50p99(s.latency)));
  const every = (x: typeof c | typeof s) => x && `${int(x.sawEvery)}/${int(x.watchersConnected)}`;
  row('capacity: saw every update, one by one', pair(every(c), every(s)));
  const loop = (x: typeof c | typeof s) => x && `${ms(x.clientLoopDelayP99)}`;
  row('capacity: watcher event-loop p99', pair(loop(c), loop(s)));
  row('capacity 2×2: CPU s during the updates', cpu(s.cpuS));
}

export function scaleOutSection(rows: Rows, r: Results): void {
  const s = r.scaleOut;
  if (!s) return;
  rows.head(`Ours, 1×1 beside 2×2 (${s.servers} server processes, ${s.workers} workers processes), same run`);
  rows.row('', pair('1×1', '2×2'));
  if (s.ingest) ingestRows(rows, r, s.ingest);
  if (s.worker) workerRows(rows, r, s.worker);
  if (s.latency) latencyRows(rows, r, s.latency);
  if (s.capacity) capacityRows(rows, r, s.capacity);
  for (const check of countChecks(s)) {
    rows.row(`nothing counted twice: ${check.phase}`, `${check.ok ? 'OK' : 'FAIL'}  ${describeCheck(check)}`);
  }
}
