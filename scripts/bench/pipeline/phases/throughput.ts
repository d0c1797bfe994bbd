// Our pipeline at full speed: ingest under the closed-loop load (accepted, applied, the drain
// after it), and our workers draining a pre-filled queue, one vote per job and as ingest batches;
// with one server and one workers process, or (phases/scale-out.ts) two of each. Each on a live
// campaign (risk control, quotas: the row the bars judge) and on a bare board (the engine only).
import { randomUUID } from 'node:crypto';
import type { QueuedVote, VoteJob } from '@rallyboard/core/queue';
import { Rng } from '../../../simulate/random.js';
import { decidedOf, LIVE_BOARDS, settleReviews, verdictsOf } from '../campaign.js';
import { BOARDS, type Ctx, cpuSnapshot, loadFigures, log, PROBE, seqOf, timeDrain } from '../context.js';
import { humanDwellMs } from '../crowd.js';
import { format as fmt } from '../format.js';
import { runLoad, spawnWorkers, stopWorkers } from '../processes.js';
import type { DrainFigures, Results } from '../results.js';

/** How far a board has got: its seq on a bare board, the votes decided on a live campaign. */
export type Progress = (ctx: Ctx, boardId: string) => Promise<number>;

export async function phaseIngest(ctx: Ctx): Promise<void> {
  ctx.results.ingest = await measureIngest(ctx, BOARDS.main, [ctx.url]);
}

export async function phaseLiveIngest(ctx: Ctx): Promise<void> {
  const ingest = await measureIngest(ctx, LIVE_BOARDS.main, [ctx.url], decidedOf);
  const verdicts = await verdictsOf(ctx, LIVE_BOARDS.main);
  live(ctx).ingest = { ...ingest, verdicts, reviews: await settleReviews(ctx) };
}

/** The live campaign's row of the results, made on first use. */
export function live(ctx: Ctx): NonNullable<Results['live']> {
  ctx.results.live ??= {};
  return ctx.results.live;
}

/**
 * The closed loop at max rate on `boardId`, its connections shared over the servers at `urls`;
 * `progressOf` reads how many of the accepted votes the workers have done with.
 */
export async function measureIngest(
  ctx: Ctx,
  boardId: string,
  urls: string[],
  progressOf: Progress = seqOf,
): Promise<NonNullable<Results['ingest']>> {
  const jobIdKey = `${ctx.keys.queuePrefix}:votes:id`;
  const seqBefore = await progressOf(ctx, boardId);
  const jobsBefore = Number((await ctx.redis.get(jobIdKey)) ?? 0);
  const timeline: [number, number][] = [];
  const sampler = setInterval(() => {
    void progressOf(ctx, boardId).then((seq) => timeline.push([Date.now(), seq]));
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
          atStart = progressOf(ctx, boardId).then((seq) => ({ at: Date.now(), seq }));
        },
        onWindowEnd: () => {
          cpuS = cpu?.() ?? {};
          atEnd = progressOf(ctx, boardId).then((seq) => ({ at: Date.now(), seq }));
        },
      },
    );
    const start = await atStart;
    const end = await atEnd;
    const target = seqBefore + run.result.totalAccepted;
    const drain = await timeDrain(
      () => progressOf(ctx, boardId),
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

/** Who the pre-filled votes are from: nobody, `count` voters in turn, or the crowd with its context. */
export type PrefillVoters = { kind: 'none' } | { kind: 'numbered'; count: number } | { kind: 'crowd' };

/** Live traffic's pace: the pre-filled votes were accepted this many a second, up to now. */
const PREFILL_RATE = 3_000;

/** The n-th pre-filled vote, as ingest writes it for `voters`. */
function prefilledVote(ctx: Ctx, n: number, voters: PrefillVoters, acceptedAt: number, rng: Rng): QueuedVote {
  const vote: QueuedVote = {
    voteId: randomUUID(),
    candidateId: ctx.candidates[n % ctx.candidates.length] ?? PROBE,
    action: 'vote',
    acceptedAt,
  };
  if (voters.kind === 'numbered') return { ...vote, voterId: `bench-v${n % voters.count}` };
  if (voters.kind === 'none') return vote;
  // As ingest queues a participant's vote: the participant, and the request's risk context.
  const i = Math.floor(rng.next() * ctx.crowd.voters.length);
  const person = ctx.crowd.voters[i];
  if (!person) throw new Error('prefill: no crowd');
  const { ip, deviceId, fingerprint, userAgent } = person;
  return {
    ...vote,
    voterId: `bench-p${i}`,
    context: { ip, deviceId, fingerprint, userAgent, dwellMs: humanDwellMs(rng) },
  };
}

/** Fills our queue with `total` votes as ingest writes them, `votesPerJob` a job; answers the jobs. */
async function prefill(
  ctx: Ctx,
  boardId: string,
  votesPerJob: number,
  voters: PrefillVoters,
): Promise<number> {
  const total = ctx.options.prefill;
  const jobs: { name: 'votes'; data: VoteJob }[] = [];
  const rng = new Rng(7);
  const start = Date.now() - (total * 1000) / PREFILL_RATE;
  for (let first = 0; first < total; first += votesPerJob) {
    const acceptedAt = Math.round(start + (first * 1000) / PREFILL_RATE);
    const count = Math.min(votesPerJob, total - first);
    jobs.push({
      name: 'votes',
      data: {
        boardId,
        votes: Array.from({ length: count }, (_, i) =>
          prefilledVote(ctx, first + i, voters, acceptedAt, rng),
        ),
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
  voters: PrefillVoters = { kind: 'none' },
  progressOf: Progress = seqOf,
): Promise<[DrainFigures, NonNullable<Ctx['workers']>[]]> {
  await stopWorkers(ctx);
  const total = ctx.options.prefill;
  const jobs = await prefill(ctx, boardId, votesPerJob, voters);
  const base = await progressOf(ctx, boardId);
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
  const drain = await timeDrain(() => progressOf(ctx, boardId), base, base + total, 600_000);
  log(`  → ${fmt.int(drain.perS)} votes/s`);
  return [{ ...drain, jobs, votesPerJob: total / jobs, cpuS: cpu() }, others];
}

/** The votes per job of the batched drain: --votes-per-job, or what ingest wrote; or why not. */
export function batchedVotesPerJob(
  ctx: Ctx,
  ingest = ctx.results.ingest,
): { perJob: number } | { note: string } {
  const measured = ctx.options.votesPerJob ?? ingest?.votesPerJob;
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

/** The same two drains on live campaigns: the crowd's votes, with their context, judged. */
export async function phaseLiveWorker(ctx: Ctx): Promise<void> {
  const worker: NonNullable<Results['worker']> = { concurrency: ctx.config.worker.concurrency };
  live(ctx).worker = worker;
  const crowd = { kind: 'crowd' } as const;
  [worker.single] = await drainOurs(ctx, LIVE_BOARDS.single, 1, [], crowd, decidedOf);
  worker.single.verdicts = await verdictsOf(ctx, LIVE_BOARDS.single);
  worker.single.reviews = await settleReviews(ctx);
  const batched = batchedVotesPerJob(ctx, live(ctx).ingest ?? ctx.results.ingest);
  if ('note' in batched) worker.batchedNote = batched.note;
  else {
    [worker.batched] = await drainOurs(ctx, LIVE_BOARDS.batched, batched.perJob, [], crowd, decidedOf);
    worker.batched.verdicts = await verdictsOf(ctx, LIVE_BOARDS.batched);
    worker.batched.reviews = await settleReviews(ctx);
  }
}
