// `npm run bench:pipeline -- [options]`: the pipeline benchmark (see docs/benchmarks.md).
//
// One run, against a local instance only: our server and workers as separate processes on the
// local Redis and FerretDB, driven by a load generator and watched by socket.io clients in their
// own processes, with references measured in the same run on the same services: a bare express
// + queue.add ingest, a bare BullMQ worker doing one ZINCRBY per job, and redis-benchmark. With
// --scale-out, the same phases again with two servers and two workers processes (the 2×2 row).
//
// main.ts runs the phases in order and writes the results; setup.ts starts what they run on,
// phases/ measures, judge.ts sets the bars, table.ts prints them (docs/benchmarks.md).
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { loadConfig } from '@rallyboard/core/config';
import { ServiceError } from '../../services/index.js';
import { ROOT } from '../../services/paths.js';
import { fdLimitOf } from './children.js';
import { cleanUp } from './cleanup.js';
import type { Ctx } from './context.js';
import { judge } from './judge.js';
import { HELP, isScaleOutPhase, type Options, type Phase, parseOptions, UsageError } from './options.js';
import { phaseCapacity } from './phases/capacity.js';
import { phaseCapacity2x2 } from './phases/capacity-2x2.js';
import { phaseBareFanout } from './phases/fanout.js';
import { phaseLatency, phaseLiveLatency } from './phases/latency.js';
import { phaseBareLedger } from './phases/ledger.js';
import { phaseBareIngest, phaseBareWorker, phaseRedisBenchmark } from './phases/references.js';
import { phaseRewards } from './phases/rewards.js';
import { phaseIngest2x2, phaseLatency2x2, phaseWorker2x2 } from './phases/scale-out.js';
import { phaseIngest, phaseLiveIngest, phaseLiveWorker, phaseWorker } from './phases/throughput.js';
import { startWorkers } from './processes.js';
import type { Results } from './results.js';
import { setUp } from './setup.js';
import { renderTable } from './table.js';

const PHASE_RUNS: [Phase, (ctx: Ctx) => Promise<void>][] = [
  ['redis-benchmark', phaseRedisBenchmark],
  ['bare-ingest', phaseBareIngest],
  ['ingest', phaseIngest],
  ['live-ingest', phaseLiveIngest],
  ['ingest-2x2', phaseIngest2x2],
  ['bare-worker', phaseBareWorker],
  ['bare-ledger', phaseBareLedger],
  ['worker', phaseWorker],
  ['worker-2x2', phaseWorker2x2],
  ['worker-rewards', phaseRewards],
  ['latency', phaseLatency],
  ['live-latency', phaseLiveLatency],
  ['latency-2x2', phaseLatency2x2],
  ['bare-fanout', phaseBareFanout],
  ['capacity', phaseCapacity],
  ['capacity-2x2', phaseCapacity2x2],
  // Last: its holds leave minutes of review work on FerretDB, which would load the phases after it.
  ['live-worker', phaseLiveWorker],
];

function newResults(options: Options, prefix: string, startedAt: Date): Results {
  return {
    startedAt: startedAt.toISOString(),
    quick: options.quick,
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      fdLimit: fdLimitOf(process.pid),
    },
    setup: { keyPrefix: prefix, redis: '', mongo: '', servicesStartedByRun: [], config: {} },
    options: {
      ...options,
      skip: [...options.skip],
      concurrency: options.concurrency,
      probeInterval: options.probeIntervalMs,
    },
    bars: [],
    skipped: [...options.skip],
  };
}

/** Writes the results as JSON, named by the run's start time; answers the file's path. */
function writeResults(results: Results, options: Options, startedAt: Date): string {
  results.finishedAt = new Date().toISOString();
  const dir = options.out.startsWith('/') ? options.out : `${ROOT}${options.out}`;
  mkdirSync(dir, { recursive: true });
  // ISO 8601 basic format: no colons in the file name.
  const stamp = startedAt
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const file = `${dir}/pipeline-${stamp}.json`;
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}

async function runPhases(ctx: Ctx): Promise<void> {
  for (const [name, run] of PHASE_RUNS) {
    if (ctx.options.skip.has(name) || (isScaleOutPhase(name) && !ctx.options.scaleOut)) continue;
    console.log(`\n▶ ${name}`);
    await run(ctx);
    if (!ctx.workers) await startWorkers(ctx);
    if (!ctx.server.running) throw new Error(`the server exited during ${name}:\n${ctx.server.tail()}`);
  }
}

async function main(): Promise<void> {
  const options = parseOptions();
  const baseConfig = loadConfig(process.env);
  const prefix = `bench${randomBytes(4).toString('hex')}`;
  const startedAt = new Date();
  const results = newResults(options, prefix, startedAt);
  const ctx = await setUp(options, baseConfig, prefix, results);
  try {
    await runPhases(ctx);
  } catch (error) {
    results.failure = error instanceof Error ? error.message : String(error);
    throw error;
  } finally {
    results.bars = judge(results);
    console.log(`\n${renderTable(results)}`);
    console.log(`\nJSON: ${writeResults(results, options, startedAt)}`);
  }
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) {
      console.error('\n! second signal: exiting without cleaning up');
      process.exit(130);
    }
    interrupted = true;
    console.error(`\n! ${signal}: stopping what this run started…`);
    void cleanUp().then(() => process.exit(130));
  });
}

main()
  .then(async () => {
    await cleanUp();
    process.exit(0);
  })
  .catch(async (error: unknown) => {
    if (interrupted) return; // the signal handler cleans up and exits
    if (error instanceof UsageError) console.error(`✗ ${error.message}\n\n${HELP}`);
    else if (error instanceof ServiceError) console.error(`✗ ${error.message}`);
    else console.error(`✗ ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    await cleanUp();
    process.exit(1);
  });
