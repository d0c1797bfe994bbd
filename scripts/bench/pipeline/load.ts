// The pipeline benchmark's load generator, a child process of main.ts (IPC): POSTs votes to
// `/api/boards/:id/votes` as simulated participants (real tokens, each with its own address,
// device and User-Agent, and a human dwell time per tap; crowd.ts) over keep-alive connections,
// shared out over one or more servers, closed loop (max rate) or open loop (a fixed rate), and
// optionally a probe vote every few ms on a connection of its own (the servers in turn),
// reporting each accepted probe's send time so watchers can time its arrival.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { Rng } from '../../simulate/random.js';
import { humanDwellMs } from './crowd.js';
import { Histogram } from './histogram.js';
import { type Answer, type Server, sleep, vote } from './load-http.js';
import type { LoadResult, LoadSpec, LoadToParent, LoadVoter, ParentToLoad } from './messages.js';

const send = (message: LoadToParent) => process.send?.(message);
process.on('disconnect', () => process.exit(0));

/** Where the votes go (the servers, taken in turn), and the body and voter of the next one. */
interface Target {
  servers: Server[];
  path: string;
  pickBody(candidateId?: string): string;
  pickVoter(): LoadVoter;
  /** The next probe's voter: each probe voter in turn. */
  nextProbeVoter(): LoadVoter;
}

/**
 * Bodies with a dwell each, made up front: a vote picks one, so the loop allocates no JSON. Enough
 * that a candidate's votes in a run (a few thousand) rarely share a dwell: with 64, each dwell was
 * ~17 votes', and risk control rightly took a chance clump of them for a script's (tightDwell).
 */
const BODIES_PER_CANDIDATE = 4_096;

function targetOf(spec: LoadSpec): Target {
  // Unseeded, as the picks below: each load process its own dwell times.
  const rng = new Rng(Math.floor(Math.random() * 2 ** 32));
  const bodiesOf = (candidateId: string) =>
    Array.from({ length: BODIES_PER_CANDIDATE }, () =>
      JSON.stringify({ candidateId, dwellMs: humanDwellMs(rng) }),
    );
  const bodies = new Map(spec.candidates.map((c) => [c, bodiesOf(c)]));
  if (spec.probe) bodies.set(spec.probe.candidateId, bodiesOf(spec.probe.candidateId));
  const pick = <T>(list: readonly T[]): T => {
    const item = list[Math.floor(Math.random() * list.length)];
    if (item === undefined) throw new Error('load: nothing to pick from');
    return item;
  };
  if (spec.voters.length === 0 || spec.probeVoters.length === 0) throw new Error('load: no voters');
  let probes = 0;
  // The connections are shared out over the servers: `concurrency` in all.
  const perServer = Math.ceil(spec.concurrency / spec.urls.length);
  return {
    servers: spec.urls.map((url) => ({
      agent: new http.Agent({ keepAlive: true, maxSockets: perServer, maxFreeSockets: perServer }),
      url: new URL(url),
    })),
    path: `/api/boards/${encodeURIComponent(spec.boardId)}/votes`,
    pickBody: (candidateId) => pick(bodies.get(candidateId ?? pick(spec.candidates)) ?? []),
    pickVoter: () => pick(spec.voters),
    nextProbeVoter: () => spec.probeVoters[probes++ % spec.probeVoters.length] as LoadVoter,
  };
}

/** The run's counts: every accepted vote counts in the total, the window's answers in the figures. */
class Tally {
  readonly latency = new Histogram();
  readonly rejected: Record<string, number> = {};
  answered = 0;
  accepted = 0;
  networkErrors = 0;
  totalAccepted = 0;
  maxQueued = 0;
  readonly probeLatency = new Histogram();
  probesSent = 0;
  probesAccepted = 0;

  constructor(
    readonly windowStart: number,
    readonly windowEnd: number,
  ) {}

  record(answer: Answer, ms: number): void {
    if (answer.status === 202) this.totalAccepted++;
    const now = Date.now();
    if (now < this.windowStart || now >= this.windowEnd) return;
    this.answered++;
    this.latency.record(ms);
    if (answer.status === 202) this.accepted++;
    else if (answer.status === 0) this.networkErrors++;
    else {
      const key = `${answer.status} ${answer.code ?? ''}`.trim();
      this.rejected[key] = (this.rejected[key] ?? 0) + 1;
    }
  }
}

/** Tells the parent when the measured window starts and ends, and notes when that was. */
function announceWindow(spec: LoadSpec, window: { startedAt: number; endedAt: number }): NodeJS.Timeout[] {
  return [
    setTimeout(() => {
      window.startedAt = Date.now();
      send({ type: 'window-start', at: window.startedAt });
    }, spec.warmupMs),
    setTimeout(() => {
      window.endedAt = Date.now();
      send({ type: 'window-end', at: window.endedAt });
    }, spec.warmupMs + spec.durationMs),
  ];
}

/** The i-th server, taking them in turn. */
function serverAt(servers: Server[], i: number): Server {
  const server = servers[i % servers.length];
  if (!server) throw new Error('load: no server to send to');
  return server;
}

/** One connection's closed loop: the next vote as soon as the last is answered. */
async function closedLoop(target: Target, server: Server, tally: Tally): Promise<void> {
  while (Date.now() < tally.windowEnd) {
    const t0 = performance.now();
    const answer = await vote(server, target.path, target.pickBody(), target.pickVoter());
    tally.record(answer, performance.now() - t0);
    // A refused connection answers at once: don't spin.
    if (answer.status === 0) await sleep(10);
  }
}

/** Votes at `spec.rate` on schedule, whatever the answers; latency counts from the scheduled time. */
async function openLoop(spec: LoadSpec, target: Target, tally: Tally): Promise<void> {
  const total = Math.floor(((spec.warmupMs + spec.durationMs) / 1000) * spec.rate);
  const interval = 1000 / spec.rate;
  const t0 = performance.now();
  let issued = 0;
  let inFlight = 0;
  await new Promise<void>((resolve) => {
    const finish = () => {
      if (issued >= total && inFlight === 0) resolve();
    };
    const fire = (i: number) => {
      const scheduled = t0 + i * interval;
      inFlight++;
      tally.maxQueued = Math.max(tally.maxQueued, inFlight - spec.concurrency);
      void vote(serverAt(target.servers, i), target.path, target.pickBody(), target.pickVoter()).then(
        (answer) => {
          inFlight--;
          tally.record(answer, performance.now() - scheduled);
          finish();
        },
      );
    };
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - t0) / interval) + 1);
      while (issued < due) fire(issued++);
      if (issued < total) setTimeout(tick, 1);
      else finish();
    };
    tick();
  });
}

/**
 * A probe vote every `probe.intervalMs` through the window, to the servers in turn (one connection
 * each), each accepted one reported to the parent.
 */
async function probeLoop(probe: NonNullable<LoadSpec['probe']>, target: Target, tally: Tally): Promise<void> {
  const probeServers = target.servers.map(({ url }) => ({
    agent: new http.Agent({ keepAlive: true, maxSockets: 1 }),
    url,
  }));
  await sleep(tally.windowStart - Date.now());
  let next = Date.now();
  while (Date.now() < tally.windowEnd) {
    const sentAt = Date.now();
    const t0 = performance.now();
    const server = serverAt(probeServers, tally.probesSent);
    const answer = await vote(
      server,
      target.path,
      target.pickBody(probe.candidateId),
      target.nextProbeVoter(),
      true,
    );
    tally.probesSent++;
    if (answer.status === 202) {
      tally.totalAccepted++;
      tally.probesAccepted++;
      tally.probeLatency.record(performance.now() - t0);
      send({
        type: 'probe',
        n: tally.probesAccepted,
        sentAt,
        ...(answer.voteId === undefined ? {} : { voteId: answer.voteId }),
      });
    }
    // On schedule; a probe that took longer than the interval delays the next, never bunches them.
    next = Math.max(next + probe.intervalMs, Date.now());
    await sleep(next - Date.now());
  }
  for (const { agent } of probeServers) agent.destroy();
}

async function run(spec: LoadSpec): Promise<LoadResult> {
  const target = targetOf(spec);
  const start = Date.now();
  const tally = new Tally(start + spec.warmupMs, start + spec.warmupMs + spec.durationMs);
  const window = { startedAt: tally.windowStart, endedAt: tally.windowEnd };
  const windowTimers = announceWindow(spec, window);

  const loops: Promise<void>[] = [];
  if (spec.mode === 'closed')
    for (let i = 0; i < spec.concurrency; i++)
      loops.push(closedLoop(target, serverAt(target.servers, i), tally));
  if (spec.mode === 'open') loops.push(openLoop(spec, target, tally));
  if (spec.probe) loops.push(probeLoop(spec.probe, target, tally));
  if (spec.mode === 'idle' && !spec.probe) loops.push(sleep(spec.warmupMs + spec.durationMs));
  await Promise.all(loops);
  // Idle mode and short open loops can finish before the timers fire.
  await sleep(tally.windowEnd - Date.now() + 1);
  for (const timer of windowTimers) clearTimeout(timer);
  for (const { agent } of target.servers) agent.destroy();

  return {
    mode: spec.mode,
    windowMs: window.endedAt - window.startedAt,
    answered: tally.answered,
    accepted: tally.accepted,
    rejected: tally.rejected,
    networkErrors: tally.networkErrors,
    latency: tally.latency.toJSON(),
    totalAccepted: tally.totalAccepted,
    maxQueued: tally.maxQueued,
    probes: { sent: tally.probesSent, accepted: tally.probesAccepted, latency: tally.probeLatency.toJSON() },
  };
}

process.on('message', (message: ParentToLoad) => {
  if (message.type !== 'run') return;
  run(message.spec).then(
    (result) => send({ type: 'result', result }),
    (error: unknown) =>
      send({ type: 'error', message: error instanceof Error ? error.message : String(error) }),
  );
});
send({ type: 'ready' });
