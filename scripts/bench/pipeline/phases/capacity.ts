// Capacity: a fresh server process, as many watchers as asked (or as its fd limit allows) on a
// live campaign's board, one probe vote a second (judged by risk control as any vote); the
// server's memory per 1,000 watchers and the latency.
import { decidedOf, LIVE_BOARDS } from '../campaign.js';
import { fdLimitOf } from '../children.js';
import { type Ctx, log, PROBE, probeScoreOf, timeDrain } from '../context.js';
import { format as fmt } from '../format.js';
import type { LoadShape } from '../messages.js';
import { serverMemory, startServer } from '../processes.js';
import type { MemoryReading } from '../results.js';
import {
  collectReports,
  runProbed,
  startWatchers,
  stopWatchers,
  tellCountedProbes,
  watchFigures,
} from '../watcher-pool.js';

/** Fds left free in the capacity run for the server's own connections (probe votes, Redis, MongoDB). */
const CAPACITY_FD_HEADROOM = 32;

/** A fresh server process, so the memory baseline holds nothing from the earlier phases. */
export async function restartServer(ctx: Ctx): Promise<MemoryReading> {
  log('capacity: restarting our server for a clean memory baseline');
  await ctx.server.stop();
  ctx.server = await startServer(ctx);
  ctx.pids.server = ctx.server.pid;
  return serverMemory(ctx.server, true);
}

/** The watchers a server process can take: its fd limit − the fds it has open − CAPACITY_FD_HEADROOM. */
export function fdCapOf(pid: number, before: MemoryReading) {
  const fdLimit = fdLimitOf(pid);
  const fdCap = fdLimit ? fdLimit.soft - before.openFds - CAPACITY_FD_HEADROOM : Number.POSITIVE_INFINITY;
  return { fdLimit, fdCap };
}

/**
 * How many watchers to connect. One fd per socket: past the server's fd limit it could not accept
 * the probe votes' connection nor reconnect to Redis, so the run stops short of it, leaving
 * CAPACITY_FD_HEADROOM.
 */
function watcherCount(ctx: Ctx, before: MemoryReading) {
  const requested = ctx.options.capacityWatchers;
  const { fdLimit, fdCap } = fdCapOf(ctx.server.pid, before);
  const count = Math.min(requested, fdCap);
  log(
    `capacity: connecting ${count.toLocaleString('en-US')} watchers to one server process${
      count < requested
        ? ` (of ${requested.toLocaleString('en-US')}: the server's fd limit is ${fdLimit?.soft})`
        : ''
    }`,
  );
  return { requested, fdLimit, fdCap, count };
}

/** The capacity runs' load: no other votes, one probe vote a second (to the servers in turn). */
export function oneVoteASecond(ctx: Ctx, boardId: string, urls: string[]): LoadShape {
  return {
    urls,
    boardId,
    candidates: ctx.candidates,
    mode: 'idle',
    concurrency: 1,
    rate: 0,
    warmupMs: 0,
    durationMs: ctx.options.capacityDurationMs,
    probe: { candidateId: PROBE, intervalMs: 1_000 },
  };
}

export async function phaseCapacity(ctx: Ctx): Promise<void> {
  const boardId = LIVE_BOARDS.capacity;
  const before = await restartServer(ctx);
  const { requested, fdLimit, fdCap, count } = watcherCount(ctx, before);
  const watchers = await startWatchers(ctx, boardId, count);
  log(`capacity: ${watchers.connected} watchers in ${(watchers.ms / 1000).toFixed(1)} s; 1 vote/s`);
  try {
    const afterConnect = await serverMemory(ctx.server, true);
    const base = await probeScoreOf(ctx, boardId);
    for (const c of watchers.children) c.send({ type: 'probe-base', base });
    const decidedBefore = await decidedOf(ctx, boardId);
    const { run, cpuS, probes } = await runProbed(
      ctx,
      watchers.children,
      base,
      oneVoteASecond(ctx, boardId, [ctx.url]),
      true,
    );
    await timeDrain(
      () => decidedOf(ctx, boardId),
      decidedBefore,
      decidedBefore + run.result.totalAccepted,
      60_000,
    );
    // A probe risk control held never reaches the watchers: they wait for the ones that counted.
    const probesCounted = await tellCountedProbes(ctx, boardId, watchers.children, base, probes);
    const reports = await collectReports(watchers.children, base + probesCounted, watchers.connected, 15_000);
    const afterUpdates = await serverMemory(ctx.server, false);
    const perK = watchers.connected / 1000;
    ctx.results.capacity = {
      ...watchFigures(requested, watchers, reports, run.result.probes.accepted),
      server: {
        before,
        afterConnect,
        afterUpdates,
        perThousandWatchers: {
          rssMiB: (afterConnect.rssBytes - before.rssBytes) / 1_048_576 / perK,
          heapUsedMiB: (afterConnect.heapUsedBytes - before.heapUsedBytes) / 1_048_576 / perK,
        },
        fdLimit,
      },
      probeIntervalMs: 1_000,
      durationS: ctx.options.capacityDurationMs / 1000,
      cpuS,
      watchersAttempted: count,
      fdCap: Number.isFinite(fdCap) ? fdCap : undefined,
      limitedByFds: count < requested,
      probesCounted,
    };
    const c = ctx.results.capacity;
    log(
      `  → vote → watcher ${fmt.lat(c.latency)}; server heapUsed +${c.server.perThousandWatchers.heapUsedMiB.toFixed(2)} MiB per 1,000 watchers`,
    );
  } finally {
    await stopWatchers(ctx, watchers.children);
  }
}
