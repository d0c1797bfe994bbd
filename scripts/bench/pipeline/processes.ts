// The processes a phase of the pipeline benchmark runs: our server and workers (as in
// production, with the bench's preload hooks), and one load generator per load run.

import { PATHS } from '../../services/paths.js';
import { benchEntry, Child, hooksImport, openFdsOf, rssOf } from './children.js';
import { cleanups } from './cleanup.js';
import { type Ctx, logFile, sleep } from './context.js';
import type { LoadResult, LoadShape, LoadToParent, ParentToLoad } from './messages.js';
import type { MemoryReading } from './results.js';

type ServerChild = Ctx['server'];
type WorkersChild = NonNullable<Ctx['workers']>;

/** Processes started so far: each profile's file is named by its start. */
let started = 0;

/**
 * With --cpu-prof: node writes a CPU profile of each thread when the process exits, into
 * `.data/profiles/bench-<prefix>-<n>-<name>/` (the main thread's is the largest; tsx's loader
 * thread has its own). `npm run bench:profile -- <file>` sums one up.
 */
function profileArgs(ctx: Pick<Ctx, 'options' | 'prefix'>, name: string): string[] {
  if (!ctx.options.cpuProf) return [];
  started++;
  return [
    '--cpu-prof',
    `--cpu-prof-dir=${PATHS.data}/profiles/bench-${ctx.prefix}-${String(started).padStart(2, '0')}-${name}`,
  ];
}

/**
 * A server process, ready once it answers /healthz: ours by default, or another one (the second
 * server of a 2×2 phase) with its own name, environment (port) and address.
 */
export async function startServer(
  ctx: Omit<Ctx, 'server' | 'workers'>,
  as: { name: string; env: Ctx['env']; url: string } = { name: 'server', env: ctx.env, url: ctx.url },
): Promise<ServerChild> {
  const server: ServerChild = new Child({
    name: as.name,
    nodeArgs: ['--expose-gc', ...profileArgs(ctx, as.name), ...hooksImport],
    entry: 'server/src/main.ts',
    env: as.env,
    logFile: logFile(ctx, as.name),
  });
  cleanups.push({ name: `stop ${as.name}`, run: () => server.stop() });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (!server.running) throw new Error(`${as.name} exited during start-up:\n${server.tail()}`);
    try {
      if ((await fetch(`${as.url}/healthz`)).ok) return server;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`${as.name} did not answer ${as.url}/healthz within 60 s:\n${server.tail()}`);
}

/** The ids of the Redis clients BullMQ lists as workers of our votes queue (one per process). */
async function workerClientIds(ctx: Ctx): Promise<Set<string>> {
  return new Set((await ctx.queue.getWorkers()).map((client) => client.id ?? ''));
}

/**
 * Worker processes, one per name, started at once; ready when BullMQ lists one new worker
 * connection on our queue for each (LOG_LEVEL=warn hides the start line).
 */
export async function spawnWorkers(ctx: Ctx, names: string[]): Promise<WorkersChild[]> {
  const before = await workerClientIds(ctx);
  const children = names.map((name) => {
    const child: WorkersChild = new Child({
      name,
      nodeArgs: [...profileArgs(ctx, name), ...hooksImport],
      entry: 'workers/src/main.ts',
      env: ctx.env,
      logFile: logFile(ctx, name),
    });
    cleanups.push({ name: `stop ${name}`, run: () => child.stop() });
    ctx.pids[name] = child.pid;
    return child;
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const down = children.find((c) => !c.running);
    if (down) throw new Error(`${down.options.name} exited during start-up:\n${down.tail()}`);
    const added = [...(await workerClientIds(ctx))].filter((id) => !before.has(id));
    if (added.length >= children.length) return children;
    await sleep(100);
  }
  throw new Error(
    `${names.join(' and ')} did not connect to the queue within 60 s:\n${children.map((c) => c.tail()).join('\n')}`,
  );
}

export async function startWorkers(ctx: Ctx): Promise<WorkersChild> {
  const [workers] = await spawnWorkers(ctx, ['workers']);
  if (!workers) throw new Error('workers: not started');
  ctx.workers = workers;
  return workers;
}

export async function stopWorkers(ctx: Ctx): Promise<void> {
  await ctx.workers?.stop();
  ctx.workers = undefined;
  ctx.pids.workers = undefined;
}

export async function serverMemory(server: ServerChild, gc: boolean): Promise<MemoryReading> {
  server.send({ type: 'memory', gc });
  const { memory } = await server.next('memory', 30_000);
  return {
    rssBytes: rssOf(server.pid),
    heapUsedBytes: memory.heapUsed,
    openFds: openFdsOf(server.pid),
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
  spec: LoadShape,
  hooks: {
    onWindowStart?: (at: number) => void;
    onWindowEnd?: (at: number) => void;
    onProbe?: (n: number, sentAt: number, voteId: string | undefined) => void;
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
    load.on('probe', (m) => hooks.onProbe?.(m.n, m.sentAt, m.voteId));
    const startedAt = Date.now();
    load.send({ type: 'run', spec: { ...spec, ...ctx.crowd } });
    const { result } = await load.next('result', spec.warmupMs + spec.durationMs + 180_000);
    return { result, startedAt, windowStart, windowEnd };
  } finally {
    ctx.pids.load = undefined;
    await load.stop(2_000);
  }
}
