// The watchers of the latency and capacity runs: socket.io clients in processes of their own
// (watchers.ts), connected to a board on one server or shared over two, told each probe's score,
// and their reports merged.
import { parseVerdict } from '@rallyboard/core/redis';
import { benchEntry, Child } from './children.js';
import { cleanups } from './cleanup.js';
import { type Ctx, cpuSnapshot, logFile, PROBE, sleep } from './context.js';
import { Histogram } from './histogram.js';
import type { LoadShape, ParentToWatchers, WatchersToParent, WatchReport } from './messages.js';
import { type LoadRun, runLoad } from './processes.js';
import type { WatchFigures } from './results.js';

/** `total` shared out in `parts` near-equal whole parts. */
function shares(total: number, parts: number): number[] {
  const each = Math.floor(total / parts);
  return Array.from({ length: parts }, (_, i) => each + (i < total - each * parts ? 1 : 0));
}

/**
 * Watcher processes, `--watchers-per-process` sockets at most each, connected to the servers at
 * `urls` (ours by default): each server gets as many processes and watchers as the other.
 */
export async function startWatchers(
  ctx: Ctx,
  boardId: string,
  count: number,
  urls: string[] = [ctx.url],
): Promise<{
  children: Child<ParentToWatchers, WatchersToParent>[];
  connected: number;
  /** Watchers connected and subscribed, per server (as `urls`). */
  perServer: number[];
  failures: Record<string, number>;
  ms: number;
}> {
  const least = Math.max(count >= 400 ? 2 : 1, Math.ceil(count / ctx.options.watchersPerProcess));
  const processes = Math.ceil(least / urls.length) * urls.length;
  // Process i watches server i % urls.length; each server's watchers are shared by its processes.
  const counts = shares(count, urls.length).map((n) => shares(n, processes / urls.length));
  const children: Child<ParentToWatchers, WatchersToParent>[] = [];
  for (let i = 0; i < processes; i++) {
    const child = new Child<ParentToWatchers, WatchersToParent>({
      name: `watchers-${i + 1}`,
      entry: benchEntry('watchers.ts'),
      env: { PATH: process.env.PATH, NODE_ENV: 'production' },
      logFile: logFile(ctx, 'watchers'),
    });
    cleanups.push({ name: `stop watchers ${i + 1}`, run: () => child.stop(5_000) });
    children.push(child);
  }
  await Promise.all(children.map((c) => c.next('ready', 60_000)));
  for (const [i, c] of children.entries()) ctx.pids[`watchers-${i + 1}`] = c.pid;
  const started = Date.now();
  children.forEach((child, i) => {
    const address = `127.0.0.${(i % ctx.options.sourceAddresses) + 1}`;
    child.send({
      type: 'connect',
      spec: {
        url: urls[i % urls.length] ?? ctx.url,
        boardId,
        count: counts[i % urls.length]?.[Math.floor(i / urls.length)] ?? 0,
        probeCandidate: PROBE,
        topN: ctx.config.relay.topN,
        ...(ctx.options.sourceAddresses > 1 ? { localAddress: address } : {}),
        connectConcurrency: 50,
        connectTimeoutMs: 30_000,
      },
    });
  });
  const answers = await Promise.all(children.map((c) => c.next('connected', 600_000)));
  const failures: Record<string, number> = {};
  const perServer = urls.map(() => 0);
  for (const [i, a] of answers.entries()) {
    perServer[i % urls.length] = (perServer[i % urls.length] ?? 0) + a.ok;
    for (const [k, v] of Object.entries(a.errors)) failures[k] = (failures[k] ?? 0) + v;
  }
  return {
    children,
    connected: answers.reduce((n, a) => n + a.ok, 0),
    perServer,
    failures,
    ms: Date.now() - started,
  };
}

export async function stopWatchers(
  ctx: Ctx,
  children: Child<ParentToWatchers, WatchersToParent>[],
): Promise<void> {
  for (const child of children) child.send({ type: 'close' });
  await Promise.all(children.map((c) => c.next('closed', 30_000).catch(() => undefined)));
  await Promise.all(children.map((c) => c.stop(5_000)));
  for (const key of Object.keys(ctx.pids)) if (key.startsWith('watchers-')) delete ctx.pids[key];
}

/** Waits until the watchers have seen `finalScore` (or `timeoutMs`), then merges their reports. */
export async function collectReports(
  children: Child<ParentToWatchers, WatchersToParent>[],
  finalScore: number,
  connected: number,
  timeoutMs: number,
): Promise<WatchReport[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const child of children) child.send({ type: 'report', finalScore });
    const reports = (await Promise.all(children.map((c) => c.next('report', 60_000)))).map((m) => m.report);
    const reached = reports.reduce((n, r) => n + r.reachedFinal, 0);
    if (reached >= connected - reports.reduce((n, r) => n + r.disconnects, 0) || Date.now() > deadline) {
      return reports;
    }
    await sleep(500);
  }
}

export function watchFigures(
  requested: number,
  watchers: Awaited<ReturnType<typeof startWatchers>>,
  reports: WatchReport[],
  probesAccepted: number,
): WatchFigures {
  const sum = (f: (r: WatchReport) => number) => reports.reduce((n, r) => n + f(r), 0);
  return {
    watchersRequested: requested,
    watchersConnected: watchers.connected,
    connectFailures: watchers.failures,
    connectMs: watchers.ms,
    processes: watchers.children.length,
    latency: Histogram.from(...reports.map((r) => r.latency)).summary(),
    probesAccepted,
    reports,
    reachedFinal: sum((r) => r.reachedFinal),
    sawEvery: sum((r) => r.sawEvery),
    resyncs: sum((r) => r.resyncs),
    disconnects: sum((r) => r.disconnects),
    unmatched: sum((r) => r.unmatched),
    updatesMin: Math.min(...reports.map((r) => (r.watchers > 0 ? r.updates.min : Number.POSITIVE_INFINITY))),
    updatesMax: Math.max(0, ...reports.map((r) => r.updates.max)),
    clientLoopDelayP99: Math.max(0, ...reports.map((r) => r.eventLoopDelay.p99)),
  };
}

/** An accepted probe: when it was sent, and its vote id. */
export interface SentProbe {
  sentAt: number;
  voteId: string | undefined;
}

/**
 * One load run with probes: each watcher process is told every accepted probe's score and send
 * time (over `base`, the probe's score before the run), and the CPU each process used in the
 * measured window is read. On a live campaign (`judged`), where risk control may hold a probe, the
 * n-th accepted probe need not raise the score to base + n: the probes are answered instead, for
 * `tellCountedProbes` once they are decided.
 */
export async function runProbed(
  ctx: Ctx,
  children: Child<ParentToWatchers, WatchersToParent>[],
  base: number,
  spec: LoadShape,
  judged = false,
): Promise<{ run: LoadRun; cpuS: Record<string, number>; probes: SentProbe[] }> {
  let cpu: (() => Record<string, number>) | undefined;
  let cpuS: Record<string, number> = {};
  const probes: SentProbe[] = [];
  const run = await runLoad(ctx, spec, {
    onWindowStart: () => {
      cpu = cpuSnapshot(ctx.pids);
    },
    onWindowEnd: () => {
      cpuS = cpu?.() ?? {};
    },
    onProbe: (n, sentAt, voteId) => {
      if (judged) probes.push({ sentAt, voteId });
      else for (const c of children) c.send({ type: 'probe', score: base + n, sentAt });
    },
  });
  return { run, cpuS, probes };
}

/**
 * Tells the watchers which score each probe that counted raised the probe candidate to: the
 * counted probes in the order the workers applied them (their markers' seq) take base + 1,
 * base + 2, …; a held or rejected probe takes none. The watchers match what they saw before
 * (they keep early sightings). Answers how many counted.
 */
export async function tellCountedProbes(
  ctx: Ctx,
  boardId: string,
  children: Child<ParentToWatchers, WatchersToParent>[],
  base: number,
  probes: readonly SentProbe[],
): Promise<number> {
  const markers = await Promise.all(
    probes.map((p) => (p.voteId ? ctx.redis.get(ctx.keys.board(boardId).vote(p.voteId)) : null)),
  );
  const counted = probes
    .flatMap((probe, i) => {
      const marker = markers[i];
      if (!marker) return [];
      const verdict = parseVerdict(marker, false);
      return verdict.verdict === 'counted' ? [{ sentAt: probe.sentAt, seq: verdict.seq }] : [];
    })
    .sort((a, b) => a.seq - b.seq);
  counted.forEach(({ sentAt }, i) => {
    for (const c of children) c.send({ type: 'probe', score: base + i + 1, sentAt });
  });
  return counted.length;
}
