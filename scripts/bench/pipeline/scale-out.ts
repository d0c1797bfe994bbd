// The 2×2 phases' second server and second workers process (--scale-out): as ours, on the same
// Redis, database and key prefix, the server on a port of its own, and the boards they count on.
import { freePort } from '../../services/process.js';
import { type Ctx, log } from './context.js';
import { spawnWorkers, startServer } from './processes.js';
import type { ScaleOut } from './results.js';

/** The 2×2 phases' vote boards, seeded only with --scale-out; each with the candidates plus PROBE. */
export const SCALE_BOARDS = {
  main: 'bench-2x2-main',
  capacity: 'bench-2x2-capacity',
  single: 'bench-2x2-drain-1',
  batched: 'bench-2x2-drain-n',
};

/** The process names of the second server and workers (logs, CPU rows). */
export const SECOND = { server: 'server-2', workers: 'workers-2' };

export interface Second {
  server: Ctx['server'];
  url: string;
  workers: NonNullable<Ctx['workers']>;
}

/** A second server on a free port, then a second workers process. */
export async function startSecond(ctx: Ctx): Promise<Second> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  log(`2×2: a second server on ${url} and a second workers process`);
  const env = { ...ctx.env, PORT: String(port) };
  const server = await startServer(ctx, { name: SECOND.server, env, url });
  ctx.pids[SECOND.server] = server.pid;
  const [workers] = await spawnWorkers(ctx, [SECOND.workers]);
  if (!workers) throw new Error(`${SECOND.workers}: not started`);
  return { server, url, workers };
}

/** Throws if a process of the 2×2 pair died during `phase`: its figures would be a 1×1's. */
export function assertRunning(ctx: Ctx, second: Second, phase: string): void {
  for (const child of [second.server, second.workers, ctx.workers]) {
    if (child && !child.running) {
      throw new Error(`${child.options.name} exited during ${phase}:\n${child.tail()}`);
    }
  }
}

export async function stopSecond(ctx: Ctx, second: Second): Promise<void> {
  await Promise.all([second.server.stop(), second.workers.stop()]);
  ctx.pids[SECOND.server] = undefined;
  ctx.pids[SECOND.workers] = undefined;
}

/** The run's 2×2 results, made on first use. */
export function scaleOutOf(ctx: Ctx): ScaleOut {
  ctx.results.scaleOut ??= { servers: 2, workers: 2 };
  return ctx.results.scaleOut;
}
