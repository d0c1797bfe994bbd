// Our pipeline at full speed: ingest under the closed-loop load (accepted, applied, the drain
// after it), and our workers draining a pre-filled queue, one vote per job and as ingest batches;
// with one server and one workers process, or (phases/scale-out.ts) two of each.
import { randomUUID } from 'node:crypto';
import type { VoteJob } from '@rallyboard/core/queue';
import { BOARDS, type Ctx, cpuSnapshot, loadFigures, log, PROBE, seqOf, timeDrain } from '../context.js';
import { format as fmt } from '../format.js';
import { runLoad, spawnWorkers, stopWorkers } from '../processes.js';
import type { DrainFigures, Results } from '../results.js';

export async function phaseIngest(ctx: Ctx): Promise<void> {
  ctx.results.ingest = await measureIngest(ctx, BOARDS.main, [ctx.url]);
}

/** The closed loop at max rate on `boardId`, its connections shared over the servers at `urls`. */
export async function measureIngest(
  ctx: Ctx,
  boardId: string,
  urls: string[],
): Promise<NonNullable<Results['ingest']>> {
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
  log(
    `ours: closed loop, ${ctx.options.concurrency} connections to ${urls.length} server${urls.length > 1 ? 's' : ''}, ${ctx.options.durationMs / 1000} s`,
  );
  try {
    const run = await runLoad(
      ctx,
      {
        urls,
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
    const i: NonNullable<Results['ingest']> = {
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
    log(
      `  → ${fmt.int(i.acceptedPerS)} accepted/s, ${fmt.int(i.appliedPerS)} applied/s, drained in ${fmt.ms(i.drainMs)}, ${i.votesPerJob.toFixed(1)} votes/job`,
    );
    return i;
  } finally {
    clearInterval(sampler);
  }
}

/**
 * Fills our queue with `total` votes as ingest writes them, `votesPerJob` a job; answers the jobs.
 * With `voters`, the votes are those of that many participants in turn (rewards follow voters).
 */
async function prefill(ctx: Ctx, boardId: string, votesPerJob: number, voters = 0): Promise<number> {
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
          ...(voters > 0 ? { voterId: `bench-v${(first + i) % voters}` } : {}),
        })),
      },
    });
  }
  log(
    `ours: pre-filling ${jobs.length.toLocaleString('en-US')} jobs of ${votesPerJob} vote(s), workers stopped`,
  );
  for (let i = 0; i < jobs.length; i += 1_000) await ctx.queue.addBulk(jobs.slice(i, i + 1_000));
  return jobs.length;
}

/**
 * Fills our queue with jobs as ingest writes them, with our workers stopped, then starts our
 * workers process and the `more` named ones at once and times the drain (from the first change
 * seen). Answers the figures and the `more` processes, still running.
 */
export async function drainOurs(
  ctx: Ctx,
  boardId: string,
  votesPerJob: number,
  more: string[] = [],
  voters = 0,
): Promise<[DrainFigures, NonNullable<Ctx['workers']>[]]> {
  await stopWorkers(ctx);
  const total = ctx.options.prefill;
  const jobs = await prefill(ctx, boardId, votesPerJob, voters);
  const base = await seqOf(ctx, boardId);
  // With more than one process, the queue waits paused until all are connected: none drains alone.
  if (more.length > 0) await ctx.queue.pause();
  const [workers, ...others] = await spawnWorkers(ctx, ['workers', ...more]).finally(() =>
    more.length > 0 ? ctx.queue.resume() : undefined,
  );
  ctx.workers = workers;
  const cpu = cpuSnapshot({
    ...Object.fromEntries(['workers', ...more].map((name) => [name, ctx.pids[name]])),
    redis: ctx.pids.redis,
    ferretdb: ctx.pids.ferretdb,
  });
  const drain = await timeDrain(() => seqOf(ctx, boardId), base, base + total, 600_000);
  log(`  → ${fmt.int(drain.perS)} votes/s`);
  return [{ ...drain, jobs, votesPerJob: total / jobs, cpuS: cpu() }, others];
}

/** The votes per job of the batched drain: --votes-per-job, or what ingest wrote; or why not. */
export function batchedVotesPerJob(ctx: Ctx): { perJob: number } | { note: string } {
  const measured = ctx.options.votesPerJob ?? ctx.results.ingest?.votesPerJob;
  const perJob = Math.min(ctx.config.ingest.batchMax, Math.round(measured ?? Number.NaN));
  if (!Number.isFinite(perJob)) return { note: 'not measured (ingest skipped; give --votes-per-job)' };
  if (perJob <= 1) return { note: `ingest wrote ${measured?.toFixed(2)} votes/job: the same as 1 vote/job` };
  return { perJob };
}

export async function phaseWorker(ctx: Ctx): Promise<void> {
  const concurrency = ctx.config.worker.concurrency;
  const worker: NonNullable<Results['worker']> = { concurrency };
  ctx.results.worker = worker;
  [worker.single] = await drainOurs(ctx, BOARDS.single, 1);
  const batched = batchedVotesPerJob(ctx);
  if ('note' in batched) worker.batchedNote = batched.note;
  else [worker.batched] = await drainOurs(ctx, BOARDS.batched, batched.perJob);
}
