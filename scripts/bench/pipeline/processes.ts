// The processes a phase of the pipeline benchmark runs: our server and workers (as in
// production, with the bench's preload hooks), and one load generator per load run.
import { benchEntry, Child, hooksImport, openFdsOf, rssOf } from './children.js';
import { cleanups } from './cleanup.js';
import { type Ctx, logFile, sleep } from './context.js';
import type { LoadResult, LoadSpec, LoadToParent, ParentToLoad } from './messages.js';
import type { MemoryReading } from './results.js';

export async function startServer(ctx: Omit<Ctx, 'server' | 'workers'>): Promise<Ctx['server']> {
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

export async function startWorkers(ctx: Ctx): Promise<NonNullable<Ctx['workers']>> {
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

export async function stopWorkers(ctx: Ctx): Promise<void> {
  await ctx.workers?.stop();
  ctx.workers = undefined;
  ctx.pids.workers = undefined;
}

export async function serverMemory(ctx: Ctx, gc: boolean): Promise<MemoryReading> {
  ctx.server.send({ type: 'memory', gc });
  const { memory } = await ctx.server.next('memory', 30_000);
  return {
    rssBytes: rssOf(ctx.server.pid),
    heapUsedBytes: memory.heapUsed,
    openFds: openFdsOf(ctx.server.pid),
    gc: memory.gc,
  };
}

export interface LoadRun {
  result: LoadResult;
  startedAt: number;
  windowStart: number;
  windowEnd: number;
}

/** One load generator process, one run. */
export async function runLoad(
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
