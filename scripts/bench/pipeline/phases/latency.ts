// Vote → watcher latency: watchers on the main board, an open-loop load at half the measured max
// rate (or --latency-rate), and a probe vote every --probe-interval whose arrival each times.
import { decidedOf, LIVE_BOARDS, settleReviews, verdictsOf } from '../campaign.js';
import { BOARDS, type Ctx, loadFigures, log, PROBE, probeScoreOf, seqOf, timeDrain } from '../context.js';
import { format as fmt } from '../format.js';
import { UsageError } from '../options.js';
import type { Results } from '../results.js';
import {
  collectReports,
  runProbed,
  startWatchers,
  stopWatchers,
  tellCountedProbes,
  watchFigures,
} from '../watcher-pool.js';
import { live } from './throughput.js';

/** The open loop's rate: --latency-rate, or half the max accepted rate measured by `ingest`. */
export function latencyRate(ctx: Ctx, ingest = ctx.results.ingest): number {
  const max = ingest?.acceptedPerS;
  const rate = Math.max(1, Math.round(ctx.options.latencyRate ?? (max ? max / 2 : Number.NaN)));
  if (!Number.isFinite(rate))
    throw new UsageError('latency: no max rate measured (ingest skipped); give --latency-rate');
  return rate;
}

export async function phaseLatency(ctx: Ctx): Promise<void> {
  ctx.results.latency = await measureLatency(ctx, BOARDS.main, [ctx.url], latencyRate(ctx));
}

/** The same on the live campaign, at half its own max rate; its votes judged, some held. */
export async function phaseLiveLatency(ctx: Ctx): Promise<void> {
  const rate = latencyRate(ctx, live(ctx).ingest ?? ctx.results.ingest);
  const latency = await measureLatency(ctx, LIVE_BOARDS.main, [ctx.url], rate, true);
  const verdicts = await verdictsOf(ctx, LIVE_BOARDS.main);
  live(ctx).latency = { ...latency, verdicts, reviews: await settleReviews(ctx) };
}

/**
 * --latency-watchers watchers on `boardId`, shared over the servers at `urls`, the open loop at
 * `rate` and the probes sent to those servers in turn. `judged`: the board is a live campaign's,
 * whose votes risk control judges (some held).
 */
export async function measureLatency(
  ctx: Ctx,
  boardId: string,
  urls: string[],
  rate: number,
  judged = false,
): Promise<NonNullable<Results['latency']> & { probesCounted: number }> {
  log(
    `latency: connecting ${ctx.options.latencyWatchers.toLocaleString('en-US')} watchers to ${urls.length} server${urls.length > 1 ? 's' : ''}`,
  );
  const watchers = await startWatchers(ctx, boardId, ctx.options.latencyWatchers, urls);
  log(
    `latency: ${watchers.connected} watchers in ${(watchers.ms / 1000).toFixed(1)} s; open loop at ${rate} votes/s`,
  );
  try {
    const base = await probeScoreOf(ctx, boardId);
    for (const c of watchers.children) c.send({ type: 'probe-base', base });
    // A live campaign's held votes do not move seq: its progress is the votes decided.
    const progressOf = judged ? decidedOf : seqOf;
    const before = await progressOf(ctx, boardId);
    const { run, cpuS, probes } = await runProbed(
      ctx,
      watchers.children,
      base,
      {
        urls,
        boardId,
        candidates: ctx.candidates,
        mode: 'open',
        concurrency: ctx.options.concurrency,
        rate,
        warmupMs: ctx.options.warmupMs,
        durationMs: ctx.options.latencyDurationMs,
        probe: { candidateId: PROBE, intervalMs: ctx.options.probeIntervalMs },
      },
      judged,
    );
    await timeDrain(() => progressOf(ctx, boardId), before, before + run.result.totalAccepted, 120_000);
    // On a live campaign risk control may hold a probe: the watchers are told the probes that
    // counted, in the order they were applied, and wait for those.
    const probesCounted = judged
      ? await tellCountedProbes(ctx, boardId, watchers.children, base, probes)
      : run.result.probes.accepted;
    const finalScore = base + probesCounted;
    const reports = await collectReports(watchers.children, finalScore, watchers.connected, 10_000);
    const latency = {
      ...watchFigures(ctx.options.latencyWatchers, watchers, reports, run.result.probes.accepted),
      rate,
      load: loadFigures(run.result),
      cpuS,
      probesCounted,
    };
    log(`  → vote → watcher ${fmt.lat(latency.latency)}`);
    return latency;
  } finally {
    await stopWatchers(ctx, watchers.children);
  }
}
