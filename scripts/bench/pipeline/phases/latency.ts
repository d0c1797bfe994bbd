// Vote → watcher latency: watchers on the main board, an open-loop load at half the measured max
// rate (or --latency-rate), and a probe vote every --probe-interval whose arrival each times.
import { BOARDS, type Ctx, loadFigures, log, PROBE, probeScoreOf, seqOf, timeDrain } from '../context.js';
import { format as fmt } from '../format.js';
import { UsageError } from '../options.js';
import type { Results } from '../results.js';
import { collectReports, runProbed, startWatchers, stopWatchers, watchFigures } from '../watcher-pool.js';

/** The open loop's rate: --latency-rate, or half the max accepted rate measured in `ingest`. */
export function latencyRate(ctx: Ctx): number {
  const max = ctx.results.ingest?.acceptedPerS;
  const rate = Math.max(1, Math.round(ctx.options.latencyRate ?? (max ? max / 2 : Number.NaN)));
  if (!Number.isFinite(rate))
    throw new UsageError('latency: no max rate measured (ingest skipped); give --latency-rate');
  return rate;
}

export async function phaseLatency(ctx: Ctx): Promise<void> {
  ctx.results.latency = await measureLatency(ctx, BOARDS.main, [ctx.url], latencyRate(ctx));
}

/**
 * --latency-watchers watchers on `boardId`, shared over the servers at `urls`, the open loop at
 * `rate` and the probes sent to those servers in turn.
 */
export async function measureLatency(
  ctx: Ctx,
  boardId: string,
  urls: string[],
  rate: number,
): Promise<NonNullable<Results['latency']>> {
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
    const seqBefore = await seqOf(ctx, boardId);
    const { run, cpuS } = await runProbed(ctx, watchers.children, base, {
      urls,
      boardId,
      candidates: ctx.candidates,
      mode: 'open',
      concurrency: ctx.options.concurrency,
      rate,
      warmupMs: ctx.options.warmupMs,
      durationMs: ctx.options.latencyDurationMs,
      probe: { candidateId: PROBE, intervalMs: ctx.options.probeIntervalMs },
    });
    await timeDrain(() => seqOf(ctx, boardId), seqBefore, seqBefore + run.result.totalAccepted, 120_000);
    const finalScore = base + run.result.probes.accepted;
    const reports = await collectReports(watchers.children, finalScore, watchers.connected, 10_000);
    const latency = {
      ...watchFigures(ctx.options.latencyWatchers, watchers, reports, run.result.probes.accepted),
      rate,
      load: loadFigures(run.result),
      cpuS,
    };
    log(`  → vote → watcher ${fmt.lat(latency.latency)}`);
    return latency;
  } finally {
    await stopWatchers(ctx, watchers.children);
  }
}
