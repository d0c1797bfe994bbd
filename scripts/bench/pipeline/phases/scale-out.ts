// The 2×2 phases (--scale-out): ingest, the worker drains and vote → watcher latency as ours,
// with two server processes and two workers processes on the same Redis and database, each phase
// then checked for nothing counted twice. capacity-2x2 is in capacity-2x2.ts.

import type { Ctx } from '../context.js';
import { checkCounted, readCounts } from '../counts.js';
import type { CountCheck, DrainFigures, ScaleOut } from '../results.js';
import { assertRunning, SCALE_BOARDS, SECOND, scaleOutOf, startSecond, stopSecond } from '../scale-out.js';
import { latencyRate, measureLatency } from './latency.js';
import { batchedVotesPerJob, drainOurs, measureIngest } from './throughput.js';

/** The closed loop's connections shared over both servers; a second workers process applies. */
export async function phaseIngest2x2(ctx: Ctx): Promise<void> {
  const boardId = SCALE_BOARDS.main;
  const second = await startSecond(ctx);
  try {
    const before = await readCounts(ctx, boardId);
    const ingest = await measureIngest(ctx, boardId, [ctx.url, second.url]);
    assertRunning(ctx, second, 'ingest-2x2');
    const counts = await checkCounted(ctx, 'ingest-2x2', boardId, before, ingest.totalAccepted);
    scaleOutOf(ctx).ingest = { ...ingest, counts };
  } finally {
    await stopSecond(ctx, second);
  }
}

/** Two workers processes, started at once, draining the same pre-filled queue. */
async function drainBoth(
  ctx: Ctx,
  boardId: string,
  votesPerJob: number,
  counts: CountCheck[],
): Promise<DrainFigures> {
  const before = await readCounts(ctx, boardId);
  const [figures, others] = await drainOurs(ctx, boardId, votesPerJob, [SECOND.workers]);
  try {
    const phase = `worker-2x2, ${votesPerJob} vote${votesPerJob === 1 ? '' : 's'}/job`;
    counts.push(await checkCounted(ctx, phase, boardId, before, ctx.options.prefill));
  } finally {
    await Promise.all(others.map((w) => w.stop()));
    ctx.pids[SECOND.workers] = undefined;
  }
  return figures;
}

/** As `worker`: 1 vote per job, then as ingest batched them; two workers processes each time. */
export async function phaseWorker2x2(ctx: Ctx): Promise<void> {
  const worker: NonNullable<ScaleOut['worker']> = { concurrency: ctx.config.worker.concurrency, counts: [] };
  scaleOutOf(ctx).worker = worker;
  worker.single = await drainBoth(ctx, SCALE_BOARDS.single, 1, worker.counts);
  const batched = batchedVotesPerJob(ctx);
  if ('note' in batched) worker.batchedNote = batched.note;
  else worker.batched = await drainBoth(ctx, SCALE_BOARDS.batched, batched.perJob, worker.counts);
}

/**
 * The latency run's watchers shared over both servers, its open loop (at the 1×1 run's rate) and
 * its probes sent to both in turn.
 */
export async function phaseLatency2x2(ctx: Ctx): Promise<void> {
  const boardId = SCALE_BOARDS.main;
  const rate = ctx.results.latency?.rate ?? latencyRate(ctx);
  const second = await startSecond(ctx);
  try {
    const before = await readCounts(ctx, boardId);
    const latency = await measureLatency(ctx, boardId, [ctx.url, second.url], rate);
    assertRunning(ctx, second, 'latency-2x2');
    const accepted = latency.load.raw.totalAccepted;
    const counts = await checkCounted(ctx, 'latency-2x2', boardId, before, accepted);
    scaleOutOf(ctx).latency = { ...latency, counts };
  } finally {
    await stopSecond(ctx, second);
  }
}
