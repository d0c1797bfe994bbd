// The printed table of one run of the pipeline benchmark: the machine and setup, the references,
// each phase of ours against them, the 2×2 figures beside the 1×1 ones (table-scale.ts), and the bars.
import { cpu, format, type TableRows } from './format.js';
import { judgesEngine, ourCpuPerDeliveryUs, type RowPhase } from './judge.js';
import type { Results, ReviewSettle, Verdicts } from './results.js';
import { references } from './table-references.js';
import { scaleOutSection } from './table-scale.js';

type LiveLatency = NonNullable<NonNullable<Results['live']>['latency']>;
type LiveIngest = NonNullable<NonNullable<Results['live']>['ingest']>;

const { int, ms, mib, ratio, lat } = format;

interface Table extends TableRows {
  out: string[];
  /** The bar judged on this figure, as `  [bar …: PASS]`, or '' when there is none. */
  barOf(name: string): string;
}

function tableOf(r: Results): Table {
  const out: string[] = [];
  const row = (label: string, value: string) => out.push(`  ${label.padEnd(52)} ${value}`);
  const head = (title: string) => out.push('', title);
  const barOf = (name: string) => {
    const b = r.bars.find((x) => x.name === name);
    return b ? `  [bar ${b.bar}: ${b.pass ? 'PASS' : 'FAIL'}${b.note ? `; ${b.note}` : ''}]` : '';
  };
  return { out, row, head, barOf };
}

function heading({ out }: Table, r: Results): void {
  out.push(`Rallyboard pipeline benchmark${r.quick ? ' (--quick: a smoke run, not a measurement)' : ''}`);
  out.push(
    `  ${r.startedAt}  ·  ${r.machine.cpus} × ${r.machine.cpuModel}  ·  ${r.machine.memoryGiB} GiB  ·  Node ${r.machine.node}  ·  fd limit ${r.machine.fdLimit?.soft ?? '?'}/${r.machine.fdLimit?.hard ?? '?'}`,
  );
  out.push(
    `  prefix ${r.setup.keyPrefix}  ·  redis ${r.setup.redis}  ·  mongo ${r.setup.mongo}  ·  ${Object.entries(
      r.setup.config,
    )
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
  );
  out.push('  Everything (Redis, FerretDB, server, workers, load, watchers) shares these cores.');
}

/** Which of our rows a section shows: the live campaign's (judged) or the engine's bare boards. */
interface Row {
  /** e.g. "live campaign" */
  title: string;
  /** This row's figures are the ones the bars judge. */
  judged: boolean;
}

/** The two rows of a phase, the live one first; the engine's is judged as judge.ts judges it. */
function rows(r: Results, phase: RowPhase): { live: Row; engine: Row } {
  return {
    live: { title: 'live campaign, risk control on', judged: true },
    engine: { title: 'engine only, bare board', judged: judgesEngine(r, phase) },
  };
}

function reviewsText(r: ReviewSettle): string {
  const left =
    r.dropped === undefined
      ? ''
      : `; ${int(r.dropped)} not started dropped, ${int(r.stillRunning ?? 0)} left running`;
  return `${r.settled ? ms(r.ms) : `NOT within ${ms(r.ms)}`} after the votes were decided (at most ${int(r.mostWaiting)} review jobs waiting${left})`;
}

function verdictsText(v: Verdicts | undefined): string {
  return v ? `decided ${int(v.counted)} counted, ${int(v.held)} held, ${int(v.rejected)} rejected` : '';
}

function ingest(table: Table, r: Results, i: Results['ingest'], which: Row, live?: LiveIngest): void {
  if (!i) return;
  const { row, head } = table;
  const barOf = (name: string) => (which.judged ? table.barOf(name) : '');
  head(
    `Ours, ${which.title}: ingest at max rate (closed loop, C=${String(r.options.concurrency)}, ${int(i.raw.windowMs / 1000)} s)`,
  );
  row(
    'accepted (202)',
    `${int(i.acceptedPerS)} votes/s${r.bareIngest ? `  = ${ratio(i.acceptedPerS / r.bareIngest.acceptedPerS)} bare ingest` : ''}${barOf('ingest accepted vs bare ingest')}`,
  );
  row('HTTP latency', lat(i.latency));
  row('errors in the window', `${int(i.errors)}${i.errors ? ` ${JSON.stringify(i.raw.rejected)}` : ''}`);
  row(
    live ? 'decided during the window (risk tallies)' : 'applied during the window (board seq)',
    `${int(i.appliedPerS)} votes/s${r.bareIngest ? `  = ${ratio(i.appliedPerS / r.bareIngest.acceptedPerS)} bare ingest` : ''}${barOf('ingest applied vs bare ingest')}`,
  );
  row(
    'drain after the load stopped',
    `${i.drained ? ms(i.drainMs) : `NOT DRAINED after ${ms(i.drainMs)}`}  (end to end ${int(i.endToEndAppliedPerS)} votes/s, ${int(i.totalAccepted)} votes)`,
  );
  row('votes per job written by ingest', `${i.votesPerJob.toFixed(1)}  (${int(i.jobsWritten)} jobs)`);
  if (live) {
    row('risk control, every vote of the board so far', verdictsText(live.verdicts));
    row('holds settled (review queue dry)', reviewsText(live.reviews));
  }
  row('CPU s during the window', cpu(i.cpuS));
}

function workers(table: Table, r: Results, w: Results['worker'], which: Row): void {
  if (!w) return;
  const { row, head } = table;
  const barOf = (name: string) => (which.judged ? table.barOf(name) : '');
  head(
    `Ours, ${which.title}: workers draining a pre-filled queue (WORKER_CONCURRENCY ${w.concurrency}, as the bare worker)`,
  );
  const bare = r.bareWorker?.perS ?? Number.NaN;
  for (const [label, d, bar] of [
    ['1 vote per job', w.single, 'workers (1 vote/job) vs bare worker'],
    ['as ingest batched them', w.batched, 'workers (ingest batches) vs bare worker'],
  ] as const) {
    if (!d) continue;
    row(
      `${label}: ${d.votesPerJob.toFixed(1)}/job, ${int(d.jobs)} jobs`,
      `${int(d.perS)} votes/s  = ${ratio(d.perS / bare)} bare worker${barOf(bar)}${d.timedOut ? ' TIMED OUT' : ''}`,
    );
    if (d.verdicts) row('  risk control', verdictsText(d.verdicts));
    if (d.reviews) row('  holds settled (review queue dry)', reviewsText(d.reviews));
    row('  CPU s during the drain', cpu(d.cpuS));
  }
  if (w.batchedNote) row('as ingest batched them', w.batchedNote);
  const zincrby =
    r.redisBenchmark && 'runs' in r.redisBenchmark ? r.redisBenchmark.runs[0]?.requestsPerS : undefined;
  const best = Math.max(w.single?.perS ?? 0, w.batched?.perS ?? 0);
  if (zincrby) row('best drain vs redis-benchmark ZINCRBY -c 50', ratio(best / zincrby));
  if (r.bareLedger) row('best drain vs the ledger alone', ratio(best / r.bareLedger.perS));
}

function rewards({ row, head, barOf }: Table, r: Results): void {
  const w = r.rewards;
  if (!w) return;
  head(
    `Ours: workers with reward rules (${int(w.voters)} voters, ${w.votesPerJob}/job; ${w.warmup ? 'warm-up, ' : ''}${(w.pattern ?? ['off', 'on', 'on', 'off']).join(', ')})`,
  );
  if (w.warmup) row('warm-up without rules (not counted)', `${int(w.warmup.perS)} votes/s`);
  for (const [label, drains] of [
    ['without rules', w.off],
    ['with rules', w.on],
  ] as const) {
    row(label, drains.map((d) => `${int(d.perS)} votes/s${d.timedOut ? ' TIMED OUT' : ''}`).join(', '));
  }
  row('with / without', `${ratio(w.ratio)}${barOf('workers with reward rules vs without')}`);
  row(
    'rewards settled after the drains',
    w.unsettled
      ? `NOT settled after ${int(w.settleMs)} ms: ${int(w.unsettled)} participants still marked, ${int(w.grants)} grants so far`
      : `${int(w.settleMs)} ms, ${int(w.grants)} grants`,
  );
}

function latency(table: Table, r: Results, l: Results['latency'], which: Row, live?: LiveLatency): void {
  if (!l) return;
  const { row, head } = table;
  const barOf = (name: string) => (which.judged ? table.barOf(name) : '');
  head(
    `Ours, ${which.title}: vote → watcher latency, open loop at ${int(l.rate)} votes/s, ${int(l.watchersConnected)} watchers in ${l.processes} process${l.processes === 1 ? '' : 'es'}`,
  );
  row(
    'accepted (202)',
    `${int(l.load.acceptedPerS)} votes/s  HTTP ${lat(l.load.latency)}${barOf('HTTP p99 at half max rate')}  errors ${int(l.load.errors)}${l.load.errors ? ` ${JSON.stringify(l.load.raw.rejected)}` : ''}`,
  );
  if (live) {
    row('risk control, every vote of the board so far', verdictsText(live.verdicts));
    row('probes counted (only those are timed)', `${int(live.probesCounted)} of ${int(l.probesAccepted)}`);
    row('holds settled (review queue dry)', reviewsText(live.reviews));
  }
  row(
    `vote → watcher (probe every ${String(r.options.probeInterval)} ms)`,
    `${lat(l.latency)}${barOf('vote → watcher p99 at half max rate')}`,
  );
  row(
    'samples',
    `${int(l.latency.count)} (${int(live?.probesCounted ?? l.probesAccepted)} probes × watchers); reached the last probe ${int(l.reachedFinal)}/${int(l.watchersConnected)}`,
  );
  row(
    'client side',
    `updates/watcher ${int(l.updatesMin)}–${int(l.updatesMax)}, resyncs ${int(l.resyncs)}, disconnects ${int(l.disconnects)}, event-loop p99 ${ms(l.clientLoopDelayP99)}`,
  );
  if (l.watchersConnected < l.watchersRequested) {
    row('connect failures', JSON.stringify(l.connectFailures));
  }
  row('CPU s during the window', cpu(l.cpuS));
}

function capacity({ row, head, barOf }: Table, r: Results): void {
  if (!r.capacity) return;
  const c = r.capacity;
  head(
    `Ours, live campaign: capacity, one server process, ${int(c.watchersRequested)} watchers asked, 1 vote/s for ${c.durationS} s`,
  );
  row(
    'watchers connected and subscribed',
    `${int(c.watchersConnected)} of ${int(c.watchersAttempted)} tried (${int(c.watchersRequested)} asked) in ${ms(c.connectMs)}, ${c.processes} client processes${barOf('capacity watchers')}`,
  );
  row(
    'server open fds / limit',
    `${int(c.server.afterConnect.openFds)} / ${c.server.fdLimit ? `${int(c.server.fdLimit.soft)} soft, ${int(c.server.fdLimit.hard)} hard` : '?'}${
      c.limitedByFds
        ? `  ← the per-process fd limit is the limiter: ${int(c.watchersAttempted)} = limit − fds in use before − headroom`
        : ''
    }`,
  );
  if (Object.keys(c.connectFailures).length > 0) row('connect failures', JSON.stringify(c.connectFailures));
  row(
    'server memory before → after connecting (GC)',
    `RSS ${mib(c.server.before.rssBytes)} → ${mib(c.server.afterConnect.rssBytes)}, heapUsed ${mib(c.server.before.heapUsedBytes)} → ${mib(c.server.afterConnect.heapUsedBytes)}`,
  );
  row(
    'server memory per 1,000 watchers',
    `RSS ${c.server.perThousandWatchers.rssMiB.toFixed(2)} MiB, heapUsed ${c.server.perThousandWatchers.heapUsedMiB.toFixed(2)} MiB`,
  );
  row(
    'server memory after the updates (no GC)',
    `RSS ${mib(c.server.afterUpdates.rssBytes)}, heapUsed ${mib(c.server.afterUpdates.heapUsedBytes)}`,
  );
  row(`vote → watcher at 1 update/s`, `${lat(c.latency)}${barOf('capacity vote → watcher p99')}`);
  row(
    'every update received',
    `${int(c.sawEvery)} of ${int(c.watchersConnected)} watchers saw all ${int(c.probesCounted)} probes that counted (of ${int(c.probesAccepted)}) one by one; updates/watcher ${int(c.updatesMin)}–${int(c.updatesMax)}`,
  );
  row(
    'client side',
    `resyncs ${int(c.resyncs)}, disconnects ${int(c.disconnects)}, event-loop p99 ${ms(c.clientLoopDelayP99)}`,
  );
  row('CPU s during the updates', cpu(c.cpuS));
  const bare = r.bareFanout;
  if (bare) {
    row(
      'server CPU per delivered update',
      `${ourCpuPerDeliveryUs(r).toFixed(1)} µs  = ${ratio(ourCpuPerDeliveryUs(r) / bare.cpuPerDeliveryUs)} raw socket.io${barOf('fan-out server CPU per delivered update vs raw socket.io')}`,
    );
  }
}

function bars({ row, head }: Table, r: Results): void {
  if (r.bars.length === 0) return;
  head('Bars');
  for (const b of r.bars) {
    row(
      b.name,
      `${b.pass ? 'PASS' : 'FAIL'}  (${b.bar}; measured ${Number.isFinite(b.value) ? (b.value < 20 && !Number.isInteger(b.value) ? b.value.toFixed(2) : int(b.value)) : '–'})${b.note ? `  ${b.note}` : ''}`,
    );
  }
}

export function renderTable(r: Results): string {
  const table = tableOf(r);
  heading(table, r);
  references(table, r);
  ingest(table, r, r.live?.ingest, rows(r, 'ingest').live, r.live?.ingest);
  ingest(table, r, r.ingest, rows(r, 'ingest').engine);
  workers(table, r, r.live?.worker, rows(r, 'worker').live);
  workers(table, r, r.worker, rows(r, 'worker').engine);
  rewards(table, r);
  latency(table, r, r.live?.latency, rows(r, 'latency').live, r.live?.latency);
  latency(table, r, r.latency, rows(r, 'latency').engine);
  for (const section of [capacity, scaleOutSection, bars]) section(table, r);
  const { out } = table;
  if (r.skipped.length > 0) out.push('', `Skipped: ${r.skipped.join(', ')}`);
  if (r.failure) out.push('', `FAILED: ${r.failure}`);
  return out.join('\n');
}
