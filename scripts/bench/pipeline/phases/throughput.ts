// Our pipeline at full speed: ingest under the closed-loop load (accepted, applied, the drain
// after it), and our workers draining a pre-filled queue, one vote per job and as ingest batches.
import { randomUUID } from 'node:crypto';
import type { VoteJob } from '@rallyboard/core/queue';
import { BOARDS, type Ctx, cpuSnapshot, loadFigures, log, PROBE, seqOf, timeDrain } from '../context.js';
import { format as fmt } from '../format.js';
import { runLoad, startWorkers, stopWorkers } from '../processes.js';
import type { DrainFigures, Results } from '../results.js';

export async function phaseIngest(ctx: Ctx): Promise<void> {
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

export async function phaseWorker(ctx: Ctx): Promise<void> {
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
