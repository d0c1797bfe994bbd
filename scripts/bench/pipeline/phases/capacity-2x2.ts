// Capacity across two server processes (--scale-out): our server restarted and a second one, as
// many watchers as asked per server or as both fd limits allow (up to 2 × the per-process limit),
// half on each, one probe vote a second sent to each server in turn; then nothing counted twice.

import { type Ctx, log, probeScoreOf, seqOf, timeDrain } from '../context.js';
import { checkCounted, readCounts } from '../counts.js';
import { format as fmt } from '../format.js';
import { serverMemory } from '../processes.js';
import type { CapacityServer, ScaleOut } from '../results.js';
import {
  assertRunning,
  SCALE_BOARDS,
  type Second,
  scaleOutOf,
  startSecond,
  stopSecond,
} from '../scale-out.js';
import { collectReports, runProbed, startWatchers, stopWatchers, watchFigures } from '../watcher-pool.js';
import { fdCapOf, oneVoteASecond, restartServer } from './capacity.js';

/** Both servers before connecting (fresh processes): how many watchers each can take and gets. */
async function plan(ctx: Ctx, second: Second) {
  const oursBefore = await restartServer(ctx);
  const secondBefore = await serverMemory(second.server, true);
  const servers = [
    { child: ctx.server, url: ctx.url, before: oursBefore },
    { child: second.server, url: second.url, before: secondBefore },
  ].map((s) => ({ ...s, ...fdCapOf(s.child.pid, s.before) }));
  const each = Math.min(ctx.options.capacityWatchers, ...servers.map((s) => s.fdCap));
  log(
    `capacity-2x2: connecting ${(2 * each).toLocaleString('en-US')} watchers, ${each.toLocaleString('en-US')} to each server${
      each < ctx.options.capacityWatchers
        ? ` (the servers' fd limits: ${servers.map((s) => s.fdLimit?.soft).join(', ')})`
        : ''
    }`,
  );
  return { servers, each };
}

async function measure(ctx: Ctx, second: Second): Promise<NonNullable<ScaleOut['capacity']>> {
  const boardId = SCALE_BOARDS.capacity;
  const { servers, each } = await plan(ctx, second);
  const urls = servers.map((s) => s.url);
  const watchers = await startWatchers(ctx, boardId, 2 * each, urls);
  log(
    `capacity-2x2: ${watchers.connected} of ${2 * each} watchers (${watchers.perServer.join(' + ')}) in ${(watchers.ms / 1000).toFixed(1)} s; 1 vote/s`,
  );
  try {
    const afterConnect = await Promise.all(servers.map((s) => serverMemory(s.child, true)));
    const base = await probeScoreOf(ctx, boardId);
    for (const c of watchers.children) c.send({ type: 'probe-base', base });
    const countsBefore = await readCounts(ctx, boardId);
    const { run, cpuS } = await runProbed(ctx, watchers.children, base, oneVoteASecond(ctx, boardId, urls));
    const accepted = run.result.totalAccepted;
    await timeDrain(() => seqOf(ctx, boardId), countsBefore.seq, countsBefore.seq + accepted, 60_000);
    const final = base + run.result.probes.accepted;
    const reports = await collectReports(watchers.children, final, watchers.connected, 15_000);
    assertRunning(ctx, second, 'capacity-2x2');
    const counts = await checkCounted(ctx, 'capacity-2x2', boardId, countsBefore, accepted);
    const requested = 2 * ctx.options.capacityWatchers;
    return {
      ...watchFigures(requested, watchers, reports, run.result.probes.accepted),
      servers: servers.map(
        (s, i): CapacityServer => ({
          url: s.url,
          watchersAttempted: each,
          watchersConnected: watchers.perServer[i] ?? 0,
          fdLimit: s.fdLimit,
          fdCap: Number.isFinite(s.fdCap) ? s.fdCap : undefined,
          before: s.before,
          afterConnect: afterConnect[i] ?? s.before,
        }),
      ),
      probeIntervalMs: 1_000,
      durationS: ctx.options.capacityDurationMs / 1000,
      cpuS,
      watchersAttempted: 2 * each,
      limitedByFds: 2 * each < requested,
      counts,
    };
  } finally {
    await stopWatchers(ctx, watchers.children);
  }
}

export async function phaseCapacity2x2(ctx: Ctx): Promise<void> {
  const second = await startSecond(ctx);
  try {
    const capacity = await measure(ctx, second);
    scaleOutOf(ctx).capacity = capacity;
    log(`  → vote → watcher ${fmt.lat(capacity.latency)}`);
  } finally {
    await stopSecond(ctx, second);
  }
}
