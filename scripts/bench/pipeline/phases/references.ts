// The references, measured in the same run on the same services: (c) redis-benchmark ZINCRBY,
// (a) a bare express + queue.add ingest under our load, (b) a bare BullMQ worker draining a queue.
import { benchEntry, Child } from '../children.js';
import { cleanups } from '../cleanup.js';
import {
  BOARDS,
  type Ctx,
  cpuSnapshot,
  deleteKeys,
  loadFigures,
  log,
  logFile,
  timeDrain,
} from '../context.js';
import { format as fmt } from '../format.js';
import type { BareIngestToParent, BareWorkerToParent, ParentToBareWorker } from '../messages.js';
import { runLoad } from '../processes.js';
import { connectionArgs, findRedisBenchmark, runRedisBenchmark } from '../redis-benchmark.js';
import type { Results } from '../results.js';

export async function phaseRedisBenchmark(ctx: Ctx): Promise<void> {
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

export async function phaseBareIngest(ctx: Ctx): Promise<void> {
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
      urls: [`http://127.0.0.1:${port}`],
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

/**
 * Reference (b), twice: at our WORKER_CONCURRENCY (the strict comparison, and the bars' base) and
 * at BullMQ's default concurrency of 1 (a bare worker as written with no tuning), for context.
 */
export async function phaseBareWorker(ctx: Ctx): Promise<void> {
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
