// Vote → watcher latency: watchers on the main board, an open-loop load at half the measured max
// rate (or --latency-rate), and a probe vote every --probe-interval whose arrival each times.
import { BOARDS, type Ctx, loadFigures, log, PROBE, probeScoreOf, seqOf, timeDrain } from '../context.js';
import { format as fmt } from '../format.js';
import { UsageError } from '../options.js';
import { collectReports, runProbed, startWatchers, stopWatchers, watchFigures } from '../watcher-pool.js';

export async function phaseLatency(ctx: Ctx): Promise<void> {
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
    const { run, cpuS } = await runProbed(ctx, watchers.children, base, {
      url: ctx.url,
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
