// `npm run bench:pipeline -- [options]`: the pipeline benchmark (see docs/benchmarks.md).
//
// One run, against a local instance only: our server and workers as separate processes on the
// local Redis and FerretDB, driven by a load generator and watched by socket.io clients in their
// own processes, with references measured in the same run on the same services: a bare express
// + queue.add ingest, a bare BullMQ worker doing one ZINCRBY per job, and redis-benchmark.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { type Config, loadConfig } from '@rallyboard/core/config';
import { boardModel, connectMongo } from '@rallyboard/core/db';
import { createVoteQueue, type VoteJob } from '@rallyboard/core/queue';
import {
  closeRedis,
  createKeys,
  createRedis,
  decodeScore,
  type KeyBuilder,
  registerBoard,
  waitForReady,
} from '@rallyboard/core/redis';
import { createTokenSigner } from '@rallyboard/server/auth';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import { localFerret } from '../../services/ferretdb.js';
import { ServiceError, startServices } from '../../services/index.js';
import { PATHS, ROOT } from '../../services/paths.js';
import { localRedis } from '../../services/redis.js';
import { benchEntry, Child, cpuMsOf, fdLimitOf, hooksImport, openFdsOf, rssOf } from './children.js';
import { Histogram } from './histogram.js';
import type {
  BareIngestToParent,
  BareWorkerToParent,
  LoadResult,
  LoadSpec,
  LoadToParent,
  ParentToBareWorker,
  ParentToLoad,
  ParentToWatchers,
  ServerMemory,
  WatchersToParent,
  WatchReport,
} from './messages.js';
import { connectionArgs, findRedisBenchmark, runRedisBenchmark } from './redis-benchmark.js';
import {
  type Bar,
  type DrainFigures,
  format as fmt,
  type LoadFigures,
  type MemoryReading,
  type Results,
  renderTable,
  type WatchFigures,
} from './results.js';

// ── options ─────────────────────────────────────────────────────────────────────────────────

const PHASES = [
  'redis-benchmark',
  'bare-ingest',
  'ingest',
  'bare-worker',
  'worker',
  'latency',
  'capacity',
] as const;
type Phase = (typeof PHASES)[number];

const HELP = `npm run bench:pipeline -- [options]

Measures our vote pipeline on this machine, with references from the same run.
Phases: ${PHASES.join(', ')}.

  --quick                    a smoke run of a few seconds per phase (200 / 2,000 watchers)
  --duration <s>             measured window of each max-rate run            (20; quick 3)
  --warmup <s>               load before each measured window                (2; quick 1)
  --concurrency <n>          keep-alive connections of the closed loop       (96)
  --candidates <n>           candidates of the vote board, plus "probe"      (20)
  --latency-watchers <n>     watchers of the latency run                     (2000; quick 200)
  --latency-duration <s>     open-loop window of the latency run             (30; quick 5)
  --latency-rate <votes/s>   open-loop rate (default: half the measured max accepted rate)
  --probe-interval <ms>      a probe vote every … in the latency run         (50)
  --capacity-watchers <n>    watchers of the capacity run                    (20000; quick 2000)
  --capacity-duration <s>    1 vote/s for … in the capacity run              (30; quick 5)
  --watchers-per-process <n> most sockets per watcher process                (5000)
  --source-addresses <n>     spread watcher sockets over 127.0.0.1 … 127.0.0.n (2)
  --prefill <n>              votes pre-filled for the worker drains          (50000; quick 5000)
  --votes-per-job <n>        votes per job of the batched drain (default: what ingest wrote)
  --skip <phase,…>           leave out phases
  --keep-data                keep the run's Redis keys and database (default: deleted)
  --out <dir>                where the JSON goes                             (bench-results)

Server and workers read the usual environment for tuning (WORKER_CONCURRENCY, INGEST_BATCH_*,
WORKER_BATCH_*, RELAY_TICK_MS, LEADERBOARD_TOP_N, BOARD_CACHE_MS); REDIS_URL / MONGODB_URI name
other services. Only run it on a machine nobody else is measuring on.`;

function parseOptions() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      concurrency: { type: 'string' },
      candidates: { type: 'string' },
      'latency-watchers': { type: 'string' },
      'latency-duration': { type: 'string' },
      'latency-rate': { type: 'string' },
      'probe-interval': { type: 'string' },
      'capacity-watchers': { type: 'string' },
      'capacity-duration': { type: 'string' },
      'watchers-per-process': { type: 'string' },
      'source-addresses': { type: 'string' },
      prefill: { type: 'string' },
      'votes-per-job': { type: 'string' },
      skip: { type: 'string', default: '' },
      'keep-data': { type: 'boolean', default: false },
      out: { type: 'string', default: 'bench-results' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const quick = values.quick;
  const num = (name: string, text: string | undefined, full: number, short = full, min = 0): number => {
    if (text === undefined) return quick ? short : full;
    const n = Number(text);
    if (!Number.isFinite(n) || n < min) throw new UsageError(`--${name} must be a number ≥ ${min}`);
    return n;
  };
  const skip = new Set<Phase>();
  for (const name of values.skip.split(',').filter(Boolean)) {
    if (!(PHASES as readonly string[]).includes(name)) {
      throw new UsageError(`--skip: unknown phase "${name}" (${PHASES.join(', ')})`);
    }
    skip.add(name as Phase);
  }
  return {
    quick,
    durationMs: num('duration', values.duration, 20, 3, 1) * 1000,
    warmupMs: num('warmup', values.warmup, 2, 1) * 1000,
    concurrency: Math.round(num('concurrency', values.concurrency, 96, 96, 1)),
    candidates: Math.round(num('candidates', values.candidates, 20, 20, 1)),
    latencyWatchers: Math.round(num('latency-watchers', values['latency-watchers'], 2000, 200, 1)),
    latencyDurationMs: num('latency-duration', values['latency-duration'], 30, 5, 1) * 1000,
    latencyRate:
      values['latency-rate'] === undefined ? undefined : num('latency-rate', values['latency-rate'], 0, 0, 1),
    probeIntervalMs: num('probe-interval', values['probe-interval'], 50, 50, 5),
    capacityWatchers: Math.round(num('capacity-watchers', values['capacity-watchers'], 20_000, 2_000, 1)),
    capacityDurationMs: num('capacity-duration', values['capacity-duration'], 30, 5, 2) * 1000,
    watchersPerProcess: Math.round(
      num('watchers-per-process', values['watchers-per-process'], 5000, 5000, 1),
    ),
    sourceAddresses: Math.round(num('source-addresses', values['source-addresses'], 2, 2, 1)),
    prefill: Math.round(num('prefill', values.prefill, 50_000, 5_000, 1)),
    votesPerJob:
      values['votes-per-job'] === undefined
        ? undefined
        : num('votes-per-job', values['votes-per-job'], 1, 1, 1),
    skip,
    keepData: values['keep-data'],
    out: values.out,
  };
}
type Options = ReturnType<typeof parseOptions>;

class UsageError extends Error {}

// ── small helpers ───────────────────────────────────────────────────────────────────────────

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));
const log = (text: string) => console.log(`• ${text}`);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The same server as `uri`, another database (this run's own). */
function withDatabase(uri: string, database: string): string {
  const url = new URL(uri);
  url.pathname = `/${database}`;
  return url.toString();
}

const redact = (url: string) => url.replace(/\/\/([^:/@]*):[^@]+@/, '//$1:***@');

/** Runs in reverse order of registration, once, on success, failure or signal. */
const cleanups: { name: string; run: () => Promise<unknown> }[] = [];
let cleaningUp: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaningUp ??= (async () => {
    for (const { name, run } of cleanups.splice(0).reverse()) {
      try {
        await Promise.race([
          run(),
          sleep(30_000).then(() => {
            throw new Error('timed out after 30 s');
          }),
        ]);
      } catch (error) {
        console.error(
          `! clean-up "${name}" failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  })();
  return cleaningUp;
}

function cpuSnapshot(pids: Record<string, number | undefined>): () => Record<string, number> {
  const before = Object.fromEntries(
    Object.entries(pids).map(([name, pid]) => [name, pid ? cpuMsOf(pid) : Number.NaN]),
  );
  return () =>
    Object.fromEntries(
      Object.entries(pids).map(([name, pid]) => [
        name,
        pid ? (cpuMsOf(pid) - (before[name] ?? Number.NaN)) / 1000 : Number.NaN,
      ]),
    );
}

function loadFigures(raw: LoadResult): LoadFigures {
  const errors = raw.networkErrors + Object.values(raw.rejected).reduce((a, b) => a + b, 0);
  return {
    acceptedPerS: raw.windowMs > 0 ? (raw.accepted * 1000) / raw.windowMs : Number.NaN,
    latency: Histogram.from(raw.latency).summary(),
    errors,
    raw,
  };
}

// ── the run ─────────────────────────────────────────────────────────────────────────────────

interface Ctx {
  options: Options;
  config: Config;
  env: Record<string, string | undefined>;
  keys: KeyBuilder;
  redis: Redis;
  mongo: Connection;
  queue: Queue<VoteJob>;
  url: string;
  prefix: string;
  server: Child<{ type: 'memory'; gc: boolean }, { type: 'memory'; memory: ServerMemory }>;
  workers: Child<never, { type: string }> | undefined;
  candidates: string[];
  /** Tokens of the simulated participants the load votes as. */
  participantTokens: string[];
  pids: Record<string, number | undefined>;
  results: Results;
}

/** Fds left free in the capacity run for the server's own connections (probe votes, Redis, MongoDB). */
const CAPACITY_FD_HEADROOM = 32;

const BOARDS = {
  main: 'bench-main',
  capacity: 'bench-capacity',
  single: 'bench-drain-1',
  batched: 'bench-drain-n',
};
const PROBE = 'probe';

/**
 * Participants the load votes as, picked at random per vote. Ingest verifies a real token on
 * every vote, as in production; the tokens are signed up front with the server's secret.
 */
const PARTICIPANTS = 1_000;

function signParticipantTokens(config: Config): Promise<string[]> {
  const signer = createTokenSigner(config.auth);
  return Promise.all(
    Array.from({ length: PARTICIPANTS }, async (_, i) => {
      const { token } = await signer.participant({ participantId: `bench-p${i}` });
      return token;
    }),
  );
}

async function seedBoard(
  ctx: Pick<Ctx, 'redis' | 'mongo' | 'keys' | 'config'>,
  boardId: string,
  ids: string[],
) {
  const title = `benchmark ${boardId}`;
  await boardModel(ctx.mongo).create({
    _id: boardId,
    title,
    kind: 'vote',
    timezone: 'Asia/Shanghai',
    dailyRetentionDays: ctx.config.boards.dailyRetentionDays,
    members: ids.map((candidateId) => ({ candidateId, name: candidateId })),
  });
  await registerBoard(ctx.redis, ctx.keys, {
    boardId,
    title,
    kind: 'vote',
    timezone: 'Asia/Shanghai',
    dailyRetentionDays: ctx.config.boards.dailyRetentionDays,
    candidateIds: ids,
  });
}

async function seqOf(ctx: Ctx, boardId: string): Promise<number> {
  return Number((await ctx.redis.get(ctx.keys.board(boardId).seq)) ?? 0);
}

async function probeScoreOf(ctx: Ctx, boardId: string): Promise<number> {
  const key = await ctx.redis.zscore(ctx.keys.board(boardId).scores, PROBE);
  return key === null ? 0 : decodeScore(Number(key)).count;
}

const logFile = (ctx: { prefix: string }, name: string) => `${PATHS.logs}/bench-${ctx.prefix}-${name}.log`;

async function startServer(ctx: Omit<Ctx, 'server' | 'workers'>): Promise<Ctx['server']> {
  const server: Ctx['server'] = new Child({
    name: 'server',
    nodeArgs: ['--expose-gc', ...hooksImport],
    entry: 'server/src/main.ts',
    env: ctx.env,
    logFile: logFile(ctx, 'server'),
  });
  cleanups.push({ name: 'stop server', run: () => server.stop() });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (!server.running) throw new Error(`server exited during start-up:\n${server.tail()}`);
    try {
      if ((await fetch(`${ctx.url}/healthz`)).ok) return server;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`server did not answer ${ctx.url}/healthz within 60 s:\n${server.tail()}`);
}

async function startWorkers(ctx: Ctx): Promise<NonNullable<Ctx['workers']>> {
  const workers = new Child<never, { type: string }>({
    name: 'workers',
    nodeArgs: hooksImport,
    entry: 'workers/src/main.ts',
    env: ctx.env,
    logFile: logFile(ctx, 'workers'),
  });
  ctx.workers = workers;
  ctx.pids.workers = workers.pid;
  cleanups.push({ name: 'stop workers', run: () => workers.stop() });
  // Ready when BullMQ lists its connection for our queue (LOG_LEVEL=warn hides the start line).
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (!workers.running) throw new Error(`workers exited during start-up:\n${workers.tail()}`);
    if ((await ctx.queue.getWorkersCount()) > 0) return workers;
    await sleep(100);
  }
  throw new Error(`workers did not connect to the queue within 60 s:\n${workers.tail()}`);
}

async function stopWorkers(ctx: Ctx): Promise<void> {
  await ctx.workers?.stop();
  ctx.workers = undefined;
  ctx.pids.workers = undefined;
}

async function serverMemory(ctx: Ctx, gc: boolean): Promise<MemoryReading> {
  ctx.server.send({ type: 'memory', gc });
  const { memory } = await ctx.server.next('memory', 30_000);
  return {
    rssBytes: rssOf(ctx.server.pid),
    heapUsedBytes: memory.heapUsed,
    openFds: openFdsOf(ctx.server.pid),
    gc: memory.gc,
  };
}

interface LoadRun {
  result: LoadResult;
  startedAt: number;
  windowStart: number;
  windowEnd: number;
}

/** One load generator process, one run. */
async function runLoad(
  ctx: Ctx,
  spec: Omit<LoadSpec, 'tokens'>,
  hooks: {
    onWindowStart?: (at: number) => void;
    onWindowEnd?: (at: number) => void;
    onProbe?: (n: number, sentAt: number) => void;
  } = {},
): Promise<LoadRun> {
  const load = new Child<ParentToLoad, LoadToParent>({
    name: 'load',
    entry: benchEntry('load.ts'),
    env: { PATH: process.env.PATH, NODE_ENV: 'production' },
    logFile: logFile(ctx, 'load'),
  });
  cleanups.push({ name: 'stop load', run: () => load.stop(2_000) });
  try {
    await load.next('ready', 60_000);
    ctx.pids.load = load.pid;
    let windowStart = Number.NaN;
    let windowEnd = Number.NaN;
    load.on('window-start', (m) => {
      windowStart = m.at;
      hooks.onWindowStart?.(m.at);
    });
    load.on('window-end', (m) => {
      windowEnd = m.at;
      hooks.onWindowEnd?.(m.at);
    });
    load.on('probe', (m) => hooks.onProbe?.(m.n, m.sentAt));
    const startedAt = Date.now();
    load.send({ type: 'run', spec: { ...spec, tokens: ctx.participantTokens } });
    const { result } = await load.next('result', spec.warmupMs + spec.durationMs + 180_000);
    return { result, startedAt, windowStart, windowEnd };
  } finally {
    ctx.pids.load = undefined;
    await load.stop(2_000);
  }
}

/** Polls `read` until it reaches `target`; times from the first value seen above `base`. */
async function timeDrain(
  read: () => Promise<number>,
  base: number,
  target: number,
  timeoutMs: number,
): Promise<{ votes: number; ms: number; perS: number; timedOut: boolean; doneAt: number }> {
  const deadline = Date.now() + timeoutMs;
  let first: { at: number; value: number } | undefined;
  let value = base;
  while (Date.now() < deadline) {
    value = await read();
    const at = Date.now();
    if (!first && value > base) first = { at, value };
    if (value >= target && first) {
      const votes = target - first.value;
      const ms = at - first.at;
      return { votes, ms, perS: ms > 0 ? (votes * 1000) / ms : Number.NaN, timedOut: false, doneAt: at };
    }
    await sleep(5);
  }
  const votes = first ? value - first.value : 0;
  const ms = first ? Date.now() - first.at : 0;
  return { votes, ms, perS: ms > 0 ? (votes * 1000) / ms : Number.NaN, timedOut: true, doneAt: Date.now() };
}

// ── phases ──────────────────────────────────────────────────────────────────────────────────

async function phaseRedisBenchmark(ctx: Ctx): Promise<void> {
  const binary = findRedisBenchmark();
  if (!binary) {
    ctx.results.redisBenchmark = {
      skipped: 'redis-benchmark not found (Debian: redis-tools / redis-server)',
    };
    return;
  }
  const key = `${ctx.prefix}:benchz`;
  const n = String(ctx.options.quick ? 20_000 : 200_000);
  const base = [...connectionArgs(ctx.config.redis.url), '-n', n, '-c', '50', '-q'];
  const runs = [];
  for (const extra of [[], ['-P', '16']]) {
    const args = [...base, ...extra, 'zincrby', key, '1', 'm'];
    log(`redis-benchmark ${args.map((a, i) => (args[i - 1] === '-a' ? '***' : a)).join(' ')}`);
    const run = await runRedisBenchmark(binary, args);
    log(`  → ${fmt.int(run.requestsPerS)} requests/s`);
    runs.push(run);
  }
  await ctx.redis.del(key);
  ctx.results.redisBenchmark = { binary, runs };
}

async function phaseBareIngest(ctx: Ctx): Promise<void> {
  const queuePrefix = `{${ctx.prefix}bare}`;
  const bare = new Child<never, BareIngestToParent>({
    name: 'bare-ingest',
    entry: benchEntry('bare-ingest.ts'),
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      BENCH_REDIS_URL: ctx.config.redis.url,
      BENCH_QUEUE_PREFIX: queuePrefix,
    },
    logFile: logFile(ctx, 'bare-ingest'),
  });
  cleanups.push({ name: 'stop bare ingest', run: () => bare.stop() });
  try {
    const { port } = await bare.next('ready', 60_000);
    log(
      `bare ingest: closed loop, ${ctx.options.concurrency} connections, ${ctx.options.durationMs / 1000} s`,
    );
    const run = await runLoad(ctx, {
      url: `http://127.0.0.1:${port}`,
      boardId: BOARDS.main,
      candidates: ctx.candidates,
      mode: 'closed',
      concurrency: ctx.options.concurrency,
      rate: 0,
      warmupMs: ctx.options.warmupMs,
      durationMs: ctx.options.durationMs,
    });
    ctx.results.bareIngest = loadFigures(run.result);
    log(`  → ${fmt.int(ctx.results.bareIngest.acceptedPerS)} accepted/s`);
  } finally {
    await bare.stop();
    await deleteKeys(ctx.redis, `${queuePrefix}:*`);
  }
}

async function phaseIngest(ctx: Ctx): Promise<void> {
  const boardId = BOARDS.main;
  const jobIdKey = `${ctx.keys.queuePrefix}:votes:id`;
  const seqBefore = await seqOf(ctx, boardId);
  const jobsBefore = Number((await ctx.redis.get(jobIdKey)) ?? 0);
  const timeline: [number, number][] = [];
  const sampler = setInterval(() => {
    void seqOf(ctx, boardId).then((seq) => timeline.push([Date.now(), seq]));
  }, 250);
  let atStart: Promise<{ at: number; seq: number }> | undefined;
  let atEnd: Promise<{ at: number; seq: number }> | undefined;
  let cpu: (() => Record<string, number>) | undefined;
  let cpuS: Record<string, number> = {};
  log(`ours: closed loop, ${ctx.options.concurrency} connections, ${ctx.options.durationMs / 1000} s`);
  try {
    const run = await runLoad(
      ctx,
      {
        url: ctx.url,
        boardId,
        candidates: ctx.candidates,
        mode: 'closed',
        concurrency: ctx.options.concurrency,
        rate: 0,
        warmupMs: ctx.options.warmupMs,
        durationMs: ctx.options.durationMs,
      },
      {
        // The seq and the moment it was read, both here: the rate between the two readings.
        onWindowStart: () => {
          cpu = cpuSnapshot(ctx.pids);
          atStart = seqOf(ctx, boardId).then((seq) => ({ at: Date.now(), seq }));
        },
        onWindowEnd: () => {
          cpuS = cpu?.() ?? {};
          atEnd = seqOf(ctx, boardId).then((seq) => ({ at: Date.now(), seq }));
        },
      },
    );
    const start = await atStart;
    const end = await atEnd;
    const target = seqBefore + run.result.totalAccepted;
    const drain = await timeDrain(
      () => seqOf(ctx, boardId),
      seqBefore,
      target,
      ctx.options.quick ? 60_000 : 180_000,
    );
    const jobsWritten = Number((await ctx.redis.get(jobIdKey)) ?? 0) - jobsBefore;
    const figures = loadFigures(run.result);
    const windowEnd = end?.at ?? run.windowEnd;
    ctx.results.ingest = {
      ...figures,
      appliedPerS:
        start && end && end.at > start.at ? ((end.seq - start.seq) * 1000) / (end.at - start.at) : Number.NaN,
      drainMs: drain.doneAt - windowEnd,
      drained: !drain.timedOut,
      endToEndAppliedPerS: (run.result.totalAccepted * 1000) / (drain.doneAt - run.startedAt),
      totalAccepted: run.result.totalAccepted,
      jobsWritten,
      votesPerJob: jobsWritten > 0 ? run.result.totalAccepted / jobsWritten : Number.NaN,
      timeline,
      cpuS,
    };
    const i = ctx.results.ingest;
    log(
      `  → ${fmt.int(i.acceptedPerS)} accepted/s, ${fmt.int(i.appliedPerS)} applied/s, drained in ${fmt.ms(i.drainMs)}, ${i.votesPerJob.toFixed(1)} votes/job`,
    );
  } finally {
    clearInterval(sampler);
  }
}

/**
 * Reference (b), twice: at our WORKER_CONCURRENCY (the strict comparison, and the bars' base) and
 * at BullMQ's default concurrency of 1 (a bare worker as written with no tuning), for context.
 */
async function phaseBareWorker(ctx: Ctx): Promise<void> {
  ctx.results.bareWorker = await measureBareWorker(ctx, ctx.config.worker.concurrency);
  ctx.results.bareWorkerDefault = await measureBareWorker(ctx, 1);
}

async function measureBareWorker(ctx: Ctx, concurrency: number): Promise<NonNullable<Results['bareWorker']>> {
  const queuePrefix = `{${ctx.prefix}bare${concurrency}}`;
  const zsetKey = `${ctx.prefix}bare${concurrency}:zincrby`;
  const bare = new Child<ParentToBareWorker, BareWorkerToParent>({
    name: 'bare-worker',
    entry: benchEntry('bare-worker.ts'),
    env: { PATH: process.env.PATH, NODE_ENV: 'production' },
    logFile: logFile(ctx, 'bare-worker'),
  });
  cleanups.push({ name: 'stop bare worker', run: () => bare.stop() });
  try {
    await bare.next('ready', 60_000);
    log(
      `bare worker: pre-filling ${ctx.options.prefill.toLocaleString('en-US')} jobs, then concurrency ${concurrency}`,
    );
    bare.send({
      type: 'prefill',
      spec: {
        redisUrl: ctx.config.redis.url,
        queuePrefix,
        zsetKey,
        candidates: ctx.candidates,
        jobs: ctx.options.prefill,
        concurrency,
      },
    });
    const prefilled = await bare.next('prefilled', 300_000);
    const sum = async () => {
      const flat = await ctx.redis.zrange(zsetKey, '0', '-1', 'WITHSCORES');
      let total = 0;
      for (let i = 1; i < flat.length; i += 2) total += Number(flat[i]);
      return total;
    };
    const cpu = cpuSnapshot({ 'bare worker': bare.pid, redis: ctx.pids.redis });
    bare.send({ type: 'start' });
    const drain = await timeDrain(sum, 0, ctx.options.prefill, 600_000);
    log(`  → ${fmt.int(drain.perS)} jobs/s`);
    bare.send({ type: 'close' });
    await bare.next('closed', 30_000).catch(() => undefined);
    return {
      ...drain,
      jobs: ctx.options.prefill,
      votesPerJob: 1,
      cpuS: cpu(),
      concurrency,
      prefillMs: prefilled.ms,
    };
  } finally {
    await bare.stop();
    await deleteKeys(ctx.redis, `${queuePrefix}:*`);
    await ctx.redis.del(zsetKey);
  }
}

/** Fills our queue with jobs as ingest writes them, with our workers stopped, then times the drain. */
async function drainOurs(ctx: Ctx, boardId: string, votesPerJob: number): Promise<DrainFigures> {
  await stopWorkers(ctx);
  const total = ctx.options.prefill;
  const jobs: { name: 'votes'; data: VoteJob }[] = [];
  for (let first = 0; first < total; first += votesPerJob) {
    const acceptedAt = Date.now();
    const count = Math.min(votesPerJob, total - first);
    jobs.push({
      name: 'votes',
      data: {
        boardId,
        votes: Array.from({ length: count }, (_, i) => ({
          voteId: randomUUID(),
          candidateId: ctx.candidates[(first + i) % ctx.candidates.length] ?? PROBE,
          action: 'vote' as const,
          acceptedAt,
        })),
      },
    });
  }
  log(
    `ours: pre-filling ${jobs.length.toLocaleString('en-US')} jobs of ${votesPerJob} vote(s), workers stopped`,
  );
  for (let i = 0; i < jobs.length; i += 1_000) await ctx.queue.addBulk(jobs.slice(i, i + 1_000));
  const base = await seqOf(ctx, boardId);
  await startWorkers(ctx);
  const cpu = cpuSnapshot({ workers: ctx.pids.workers, redis: ctx.pids.redis, ferretdb: ctx.pids.ferretdb });
  const drain = await timeDrain(() => seqOf(ctx, boardId), base, base + total, 600_000);
  log(`  → ${fmt.int(drain.perS)} votes/s`);
  return { ...drain, jobs: jobs.length, votesPerJob: total / jobs.length, cpuS: cpu() };
}

async function phaseWorker(ctx: Ctx): Promise<void> {
  const concurrency = ctx.config.worker.concurrency;
  const worker: NonNullable<Results['worker']> = { concurrency };
  ctx.results.worker = worker;
  worker.single = await drainOurs(ctx, BOARDS.single, 1);
  const measured = ctx.options.votesPerJob ?? ctx.results.ingest?.votesPerJob;
  const perJob = Math.min(ctx.config.ingest.batchMax, Math.round(measured ?? Number.NaN));
  if (!Number.isFinite(perJob)) worker.batchedNote = 'not measured (ingest skipped; give --votes-per-job)';
  else if (perJob <= 1)
    worker.batchedNote = `ingest wrote ${measured?.toFixed(2)} votes/job: the same as 1 vote/job`;
  else worker.batched = await drainOurs(ctx, BOARDS.batched, perJob);
}

/** Watcher processes, `perProcess` sockets at most each. */
async function startWatchers(
  ctx: Ctx,
  boardId: string,
  count: number,
): Promise<{
  children: Child<ParentToWatchers, WatchersToParent>[];
  connected: number;
  failures: Record<string, number>;
  ms: number;
}> {
  const processes = Math.max(count >= 400 ? 2 : 1, Math.ceil(count / ctx.options.watchersPerProcess));
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
  const per = Math.floor(count / processes);
  children.forEach((child, i) => {
    const address = `127.0.0.${(i % ctx.options.sourceAddresses) + 1}`;
    child.send({
      type: 'connect',
      spec: {
        url: ctx.url,
        boardId,
        count: i === processes - 1 ? count - per * (processes - 1) : per,
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
  for (const a of answers)
    for (const [k, v] of Object.entries(a.errors)) failures[k] = (failures[k] ?? 0) + v;
  return {
    children,
    connected: answers.reduce((n, a) => n + a.ok, 0),
    failures,
    ms: Date.now() - started,
  };
}

async function stopWatchers(ctx: Ctx, children: Child<ParentToWatchers, WatchersToParent>[]): Promise<void> {
  for (const child of children) child.send({ type: 'close' });
  await Promise.all(children.map((c) => c.next('closed', 30_000).catch(() => undefined)));
  await Promise.all(children.map((c) => c.stop(5_000)));
  for (const key of Object.keys(ctx.pids)) if (key.startsWith('watchers-')) delete ctx.pids[key];
}

/** Waits until the watchers have seen `finalScore` (or `timeoutMs`), then merges their reports. */
async function collectReports(
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

function watchFigures(
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

async function phaseLatency(ctx: Ctx): Promise<void> {
  const boardId = BOARDS.main;
  const max = ctx.results.ingest?.acceptedPerS;
  const rate = Math.max(1, Math.round(ctx.options.latencyRate ?? (max ? max / 2 : Number.NaN)));
  if (!Number.isFinite(rate))
    throw new UsageError('latency: no max rate measured (ingest skipped); give --latency-rate');
  log(`latency: connecting ${ctx.options.latencyWatchers.toLocaleString('en-US')} watchers`);
  const watchers = await startWatchers(ctx, boardId, ctx.options.latencyWatchers);
  log(
    `latency: ${watchers.connected} watchers in ${(watchers.ms / 1000).toFixed(1)} s; open loop at ${rate} votes/s`,
  );
  try {
    const base = await probeScoreOf(ctx, boardId);
    for (const c of watchers.children) c.send({ type: 'probe-base', base });
    const seqBefore = await seqOf(ctx, boardId);
    let cpu: (() => Record<string, number>) | undefined;
    let cpuS: Record<string, number> = {};
    const run = await runLoad(
      ctx,
      {
        url: ctx.url,
        boardId,
        candidates: ctx.candidates,
        mode: 'open',
        concurrency: ctx.options.concurrency,
        rate,
        warmupMs: ctx.options.warmupMs,
        durationMs: ctx.options.latencyDurationMs,
        probe: { candidateId: PROBE, intervalMs: ctx.options.probeIntervalMs },
      },
      {
        onWindowStart: () => {
          cpu = cpuSnapshot(ctx.pids);
        },
        onWindowEnd: () => {
          cpuS = cpu?.() ?? {};
        },
        onProbe: (n, sentAt) => {
          for (const c of watchers.children) c.send({ type: 'probe', score: base + n, sentAt });
        },
      },
    );
    await timeDrain(() => seqOf(ctx, boardId), seqBefore, seqBefore + run.result.totalAccepted, 120_000);
    const finalScore = base + run.result.probes.accepted;
    const reports = await collectReports(watchers.children, finalScore, watchers.connected, 10_000);
    ctx.results.latency = {
      ...watchFigures(ctx.options.latencyWatchers, watchers, reports, run.result.probes.accepted),
      rate,
      load: loadFigures(run.result),
      cpuS,
    };
    log(`  → vote → watcher ${fmt.lat(ctx.results.latency.latency)}`);
  } finally {
    await stopWatchers(ctx, watchers.children);
  }
}

async function phaseCapacity(ctx: Ctx): Promise<void> {
  const boardId = BOARDS.capacity;
  const requested = ctx.options.capacityWatchers;
  // A fresh server process, so the memory baseline holds nothing from the earlier phases.
  log('capacity: restarting our server for a clean memory baseline');
  await ctx.server.stop();
  ctx.server = await startServer(ctx);
  ctx.pids.server = ctx.server.pid;
  const before = await serverMemory(ctx, true);
  // One fd per socket: past the server's fd limit it could not accept the probe votes' connection
  // nor reconnect to Redis, so the run stops short of it, leaving CAPACITY_FD_HEADROOM.
  const fdLimit = fdLimitOf(ctx.server.pid);
  const fdCap = fdLimit ? fdLimit.soft - before.openFds - CAPACITY_FD_HEADROOM : Number.POSITIVE_INFINITY;
  const count = Math.min(requested, fdCap);
  log(
    `capacity: connecting ${count.toLocaleString('en-US')} watchers to one server process${
      count < requested
        ? ` (of ${requested.toLocaleString('en-US')}: the server's fd limit is ${fdLimit?.soft})`
        : ''
    }`,
  );
  const watchers = await startWatchers(ctx, boardId, count);
  log(`capacity: ${watchers.connected} watchers in ${(watchers.ms / 1000).toFixed(1)} s; 1 vote/s`);
  try {
    const afterConnect = await serverMemory(ctx, true);
    const base = await probeScoreOf(ctx, boardId);
    for (const c of watchers.children) c.send({ type: 'probe-base', base });
    let cpu: (() => Record<string, number>) | undefined;
    let cpuS: Record<string, number> = {};
    const seqBefore = await seqOf(ctx, boardId);
    const run = await runLoad(
      ctx,
      {
        url: ctx.url,
        boardId,
        candidates: ctx.candidates,
        mode: 'idle',
        concurrency: 1,
        rate: 0,
        warmupMs: 0,
        durationMs: ctx.options.capacityDurationMs,
        probe: { candidateId: PROBE, intervalMs: 1_000 },
      },
      {
        onWindowStart: () => {
          cpu = cpuSnapshot(ctx.pids);
        },
        onWindowEnd: () => {
          cpuS = cpu?.() ?? {};
        },
        onProbe: (n, sentAt) => {
          for (const c of watchers.children) c.send({ type: 'probe', score: base + n, sentAt });
        },
      },
    );
    await timeDrain(() => seqOf(ctx, boardId), seqBefore, seqBefore + run.result.totalAccepted, 60_000);
    const reports = await collectReports(
      watchers.children,
      base + run.result.probes.accepted,
      watchers.connected,
      15_000,
    );
    const afterUpdates = await serverMemory(ctx, false);
    const perK = watchers.connected / 1000;
    ctx.results.capacity = {
      ...watchFigures(requested, watchers, reports, run.result.probes.accepted),
      server: {
        before,
        afterConnect,
        afterUpdates,
        perThousandWatchers: {
          rssMiB: (afterConnect.rssBytes - before.rssBytes) / 1_048_576 / perK,
          heapUsedMiB: (afterConnect.heapUsedBytes - before.heapUsedBytes) / 1_048_576 / perK,
        },
        fdLimit,
      },
      probeIntervalMs: 1_000,
      durationS: ctx.options.capacityDurationMs / 1000,
      cpuS,
      watchersAttempted: count,
      fdCap: Number.isFinite(fdCap) ? fdCap : undefined,
      limitedByFds: count < requested,
    };
    const c = ctx.results.capacity;
    log(
      `  → vote → watcher ${fmt.lat(c.latency)}; server heapUsed +${c.server.perThousandWatchers.heapUsedMiB.toFixed(2)} MiB per 1,000 watchers`,
    );
  } finally {
    await stopWatchers(ctx, watchers.children);
  }
}

async function deleteKeys(redis: Redis, pattern: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 5_000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

function judge(r: Results): Bar[] {
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
  return bars;
}

// ── main ────────────────────────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  const options = parseOptions();
  const baseConfig = loadConfig(process.env);
  const prefix = `bench${randomBytes(4).toString('hex')}`;
  const startedAt = new Date();
  const results: Results = {
    startedAt: startedAt.toISOString(),
    quick: options.quick,
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      fdLimit: fdLimitOf(process.pid),
    },
    setup: { keyPrefix: prefix, redis: '', mongo: '', servicesStartedByRun: [], config: {} },
    options: {
      ...options,
      skip: [...options.skip],
      concurrency: options.concurrency,
      probeInterval: options.probeIntervalMs,
    },
    bars: [],
    skipped: [...options.skip],
  };

  const writeResults = () => {
    results.finishedAt = new Date().toISOString();
    const dir = options.out.startsWith('/') ? options.out : `${ROOT}${options.out}`;
    mkdirSync(dir, { recursive: true });
    // ISO 8601 basic format: no colons in the file name.
    const stamp = startedAt
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
    const file = `${dir}/pipeline-${stamp}.json`;
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    return file;
  };

  log(`services (prefix ${prefix})…`);
  const services = await startServices(baseConfig);
  for (const s of services.filter((x) => x.started)) {
    results.setup.servicesStartedByRun.push(s.name);
    cleanups.push({
      name: `stop ${s.name}`,
      run: () =>
        s.name === 'redis'
          ? localRedis(Number(new URL(baseConfig.redis.url).port)).stop()
          : localFerret(Number(new URL(baseConfig.mongo.uri).port), baseConfig.mongo.uri).stop(),
    });
  }
  const down = services.filter((s) => !s.healthy);
  if (down.length > 0)
    throw new Error(`services not healthy: ${down.map((s) => `${s.name} at ${s.url}`).join(', ')}`);

  const port = await freePort();
  const mongoUri = withDatabase(baseConfig.mongo.uri, prefix);
  const passThrough = Object.fromEntries(
    Object.entries(process.env).filter(([k]) =>
      /^(WORKER_|INGEST_|RELAY_TICK_MS$|LEADERBOARD_TOP_N$|BOARD_CACHE_MS$|DAILY_RETENTION_DAYS$|SHUTDOWN_TIMEOUT_MS$)/.test(
        k,
      ),
    ),
  );
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    ...passThrough,
    NODE_ENV: 'production',
    JWT_SECRET: randomBytes(32).toString('hex'),
    // The load comes from one address and a handful of connections: per-client limits would
    // measure the limiter, not the pipeline.
    RATE_LIMIT_PER_IP: '0',
    RATE_LIMIT_PER_DEVICE: '0',
    RATE_LIMIT_PER_VOTER: '0',
    // The participant tokens are signed once, before the run: they must outlive it.
    PARTICIPANT_TOKEN_TTL_SECONDS: '86400',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(port),
    REDIS_URL: baseConfig.redis.url,
    MONGODB_URI: mongoUri,
    KEY_PREFIX: prefix,
  };
  const config = loadConfig(env);
  results.setup.redis = redact(config.redis.url);
  results.setup.mongo = redact(mongoUri);
  results.setup.config = {
    WORKER_CONCURRENCY: config.worker.concurrency,
    WORKER_BATCH_MAX: config.worker.batchMax,
    WORKER_BATCH_WAIT_MS: config.worker.batchWaitMs,
    INGEST_BATCH_MAX: config.ingest.batchMax,
    INGEST_BATCH_WAIT_MS: config.ingest.batchWaitMs,
    RELAY_TICK_MS: config.relay.tickMs,
    LEADERBOARD_TOP_N: config.relay.topN,
  };

  cleanups.push({
    name: 'remove empty logs',
    run: async () => {
      for (const file of readdirSync(PATHS.logs)) {
        const path = `${PATHS.logs}/${file}`;
        if (file.startsWith(`bench-${prefix}-`) && statSync(path).size === 0) rmSync(path);
      }
    },
  });
  const keys = createKeys(prefix);
  const redis = createRedis(config.redis.url, 'command', 'bench');
  redis.on('error', () => {});
  await waitForReady(redis);
  cleanups.push({ name: 'close redis', run: () => closeRedis(redis) });
  const mongo = await connectMongo(mongoUri, 'bench');
  cleanups.push({ name: 'close mongo', run: () => mongo.close() });
  if (!options.keepData) {
    cleanups.push({
      name: 'delete the run’s data',
      run: async () => {
        await deleteKeys(redis, `${prefix}:*`);
        await deleteKeys(redis, `{${prefix}}:*`);
        await deleteKeys(redis, `${prefix}bare*`);
        await deleteKeys(redis, `{${prefix}bare}:*`);
        await mongo.dropDatabase();
      },
    });
  }
  const queue = createVoteQueue(redis, keys);
  queue.on('error', () => {});
  cleanups.push({ name: 'close queue', run: () => queue.close() });

  const candidates = Array.from(
    { length: options.candidates },
    (_, i) => `c${String(i + 1).padStart(2, '0')}`,
  );
  const seedCtx = { redis, mongo, keys, config };
  for (const boardId of Object.values(BOARDS)) await seedBoard(seedCtx, boardId, [...candidates, PROBE]);

  const ferret = services.find((s) => s.name === 'ferretdb');
  const redisService = services.find((s) => s.name === 'redis');
  const pids: Record<string, number | undefined> = { redis: redisService?.pid, ferretdb: ferret?.pid };
  const url = `http://127.0.0.1:${port}`;
  log(`our server on ${url} and our workers (LOG_LEVEL=warn, logs in ${PATHS.logs}/bench-${prefix}-*.log)…`);
  const participantTokens = await signParticipantTokens(config);
  const partial = {
    options,
    config,
    env,
    keys,
    redis,
    mongo,
    queue,
    url,
    prefix,
    candidates,
    participantTokens,
    pids,
    results,
  };
  const server = await startServer(partial);
  pids.server = server.pid;
  const ctx: Ctx = { ...partial, server, workers: undefined };
  await startWorkers(ctx);

  const phases: [Phase, (ctx: Ctx) => Promise<void>][] = [
    ['redis-benchmark', phaseRedisBenchmark],
    ['bare-ingest', phaseBareIngest],
    ['ingest', phaseIngest],
    ['bare-worker', phaseBareWorker],
    ['worker', phaseWorker],
    ['latency', phaseLatency],
    ['capacity', phaseCapacity],
  ];
  try {
    for (const [name, run] of phases) {
      if (options.skip.has(name)) continue;
      console.log(`\n▶ ${name}`);
      await run(ctx);
      if (!ctx.workers) await startWorkers(ctx);
      if (!ctx.server.running) throw new Error(`the server exited during ${name}:\n${ctx.server.tail()}`);
    }
  } catch (error) {
    results.failure = error instanceof Error ? error.message : String(error);
    throw error;
  } finally {
    results.bars = judge(results);
    console.log(`\n${renderTable(results)}`);
    console.log(`\nJSON: ${writeResults()}`);
  }
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) {
      console.error('\n! second signal: exiting without cleaning up');
      process.exit(130);
    }
    interrupted = true;
    console.error(`\n! ${signal}: stopping what this run started…`);
    void cleanUp().then(() => process.exit(130));
  });
}

main()
  .then(async () => {
    await cleanUp();
    process.exit(0);
  })
  .catch(async (error: unknown) => {
    if (interrupted) return; // the signal handler cleans up and exits
    if (error instanceof UsageError) console.error(`✗ ${error.message}\n\n${HELP}`);
    else if (error instanceof ServiceError) console.error(`✗ ${error.message}`);
    else console.error(`✗ ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    await cleanUp();
    process.exit(1);
  });
