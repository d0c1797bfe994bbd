// Reference (d), raw socket.io fan-out (bare-fanout.ts): as many watchers as the capacity run
// will have, one update a second to all of them for as long, and what it cost the server process.
// The capacity run's figures are compared with it: server CPU per delivered update, and latency.
import { benchEntry, Child, openFdsOf } from '../children.js';
import { cleanups } from '../cleanup.js';
import { type Ctx, cpuSnapshot, log, logFile, PROBE, sleep } from '../context.js';
import { format as fmt } from '../format.js';
import type { BareFanoutToParent, ParentToBareFanout } from '../messages.js';
import { collectReports, startWatchers, stopWatchers, watchFigures } from '../watcher-pool.js';
import { fdCapOf } from './capacity.js';

const BOARD = 'bare-fanout';

/** Server CPU µs per update delivered: CPU seconds ÷ (updates × watchers that got them). */
export const cpuPerDeliveryUs = (cpuS: number, updates: number, watchers: number) =>
  (cpuS * 1e6) / (updates * watchers);

export async function phaseBareFanout(ctx: Ctx): Promise<void> {
  const bare = new Child<ParentToBareFanout, BareFanoutToParent>({
    name: 'bare-fanout',
    nodeArgs: ['--expose-gc'],
    entry: benchEntry('bare-fanout.ts'),
    env: { PATH: process.env.PATH, NODE_ENV: 'production' },
    logFile: logFile(ctx, 'bare-fanout'),
  });
  cleanups.push({ name: 'stop bare fan-out', run: () => bare.stop() });
  try {
    await bare.next('started', 60_000);
    bare.send({ type: 'start', spec: { boardId: BOARD, candidates: [...ctx.candidates, PROBE] } });
    const { port } = await bare.next('ready', 30_000);
    const memory = async () => {
      bare.send({ type: 'memory' });
      return bare.next('memory', 30_000);
    };
    const before = await memory();
    // As the capacity run: one fd per socket, so no more than the process's fd limit allows.
    const { fdCap } = fdCapOf(bare.pid, { ...before, openFds: openFdsOf(bare.pid), gc: true });
    const count = Math.min(ctx.options.capacityWatchers, fdCap);
    log(`bare fan-out: connecting ${count.toLocaleString('en-US')} watchers to raw socket.io`);
    const watchers = await startWatchers(ctx, BOARD, count, [`http://127.0.0.1:${port}`]);
    try {
      const afterConnect = await memory();
      for (const c of watchers.children) c.send({ type: 'probe-base', base: 0 });
      bare.on('sent', (m) => {
        for (const c of watchers.children) c.send({ type: 'probe', score: m.score, sentAt: m.sentAt });
      });
      const updates = ctx.options.capacityDurationMs / 1000;
      const cpu = cpuSnapshot({ 'bare fan-out': bare.pid, ...watcherPids(ctx) });
      for (let i = 0; i < updates; i++) {
        bare.send({ type: 'update', probeCandidate: PROBE });
        await sleep(1_000);
      }
      const cpuS = cpu();
      const reports = await collectReports(watchers.children, updates, watchers.connected, 15_000);
      const figures = watchFigures(count, watchers, reports, updates);
      const serverCpuS = cpuS['bare fan-out'] ?? Number.NaN;
      ctx.results.bareFanout = {
        ...figures,
        updates,
        cpuS,
        cpuPerDeliveryUs: cpuPerDeliveryUs(serverCpuS, updates, watchers.connected),
        perThousandWatchers: {
          rssMiB: (afterConnect.rssBytes - before.rssBytes) / 1_048_576 / (watchers.connected / 1000),
          heapUsedMiB:
            (afterConnect.heapUsedBytes - before.heapUsedBytes) / 1_048_576 / (watchers.connected / 1000),
        },
      };
      log(
        `  → ${fmt.lat(figures.latency)}; ${ctx.results.bareFanout.cpuPerDeliveryUs.toFixed(1)} µs of server CPU per delivered update`,
      );
    } finally {
      await stopWatchers(ctx, watchers.children);
    }
  } finally {
    bare.send({ type: 'close' });
    await bare.next('closed', 10_000).catch(() => undefined);
    await bare.stop();
  }
}

const watcherPids = (ctx: Ctx) =>
  Object.fromEntries(Object.entries(ctx.pids).filter(([name]) => name.startsWith('watchers-')));
