// The pipeline benchmark's command line: its phases, its options and their defaults (--quick
// shortens every phase to a smoke run), and the help text.
import { parseArgs } from 'node:util';

export const PHASES = [
  'redis-benchmark',
  'bare-ingest',
  'ingest',
  'live-ingest',
  'ingest-2x2',
  'bare-worker',
  'bare-ledger',
  'worker',
  'worker-2x2',
  'worker-rewards',
  'latency',
  'live-latency',
  'latency-2x2',
  'bare-fanout',
  'capacity',
  'capacity-2x2',
  // Last: its holds leave minutes of review work on FerretDB, which would load the phases after it.
  'live-worker',
] as const;
export type Phase = (typeof PHASES)[number];

/** The phases with 2 servers and 2 workers processes, run only with --scale-out. */
export const isScaleOutPhase = (phase: Phase) => phase.endsWith('-2x2');

export const HELP = `npm run bench:pipeline -- [options]

Measures our vote pipeline on this machine, with references from the same run.
Phases: ${PHASES.join(', ')}
(the *-2x2 ones only with --scale-out; the live-* ones on live campaigns with risk control on,
the row the bars judge, the others on bare boards: the engine alone).

  --quick                    a smoke run of a few seconds per phase (200 / 2,000 watchers)
  --duration <s>             measured window of each max-rate run            (20; quick 3)
  --warmup <s>               load before each measured window                (2; quick 1)
  --concurrency <n>          keep-alive connections of the closed loop       (96)
  --candidates <n>           candidates of the vote board, plus "probe"      (20)
  --groups <n>               put the candidates in n groups (group boards)   (0: none)
  --latency-watchers <n>     watchers of the latency run                     (2000; quick 200)
  --latency-duration <s>     open-loop window of the latency run             (30; quick 5)
  --latency-rate <votes/s>   open-loop rate (default: half the measured max accepted rate)
  --probe-interval <ms>      a probe vote every … in the latency run         (50)
  --capacity-watchers <n>    watchers of the capacity run                    (20000; quick 2000)
  --capacity-duration <s>    1 vote/s for … in the capacity run              (30; quick 5)
  --watchers-per-process <n> most sockets per watcher process                (5000)
  --source-addresses <n>     spread watcher sockets over 127.0.0.1 … 127.0.0.n (2)
  --prefill <n>              votes pre-filled for the worker drains          (50000; quick 5000)
  --votes-per-job <n>        votes per job of the batched drain (default: what ingest wrote)
  --scale-out                also ingest, worker, latency and capacity with 2 server processes and
                             2 workers processes (the *-2x2 phases), each checked for nothing
                             counted twice; capacity-2x2 asks --capacity-watchers per server
  --skip <phase,…>           leave out phases
  --keep-data                keep the run's Redis keys and database (default: deleted)
  --cpu-prof                 our server and workers run with node --cpu-prof: a profile of each
                             process (.data/profiles/bench-<prefix>-<n>-<name>/, one per thread),
                             summed up by npm run bench:profile -- <file>
  --out <dir>                where the JSON goes                             (bench-results)

Server and workers read the usual environment for tuning (WORKER_CONCURRENCY, INGEST_BATCH_*,
WORKER_BATCH_*, RELAY_TICK_MS, LEADERBOARD_TOP_N, BOARD_CACHE_MS); REDIS_URL / MONGODB_URI name
other services. Only run it on a machine nobody else is measuring on.`;

export function parseOptions() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      concurrency: { type: 'string' },
      candidates: { type: 'string' },
      groups: { type: 'string' },
      'latency-watchers': { type: 'string' },
      'latency-duration': { type: 'string' },
      'latency-rate': { type: 'string' },
      'probe-interval': { type: 'string' },
      'capacity-watchers': { type: 'string' },
      'capacity-duration': { type: 'string' },
      'watchers-per-process': { type: 'string' },
      'source-addresses': { type: 'string' },
      prefill: { type: 'string' },
      'votes-per-job': { type: 'string' },
      'scale-out': { type: 'boolean', default: false },
      skip: { type: 'string', default: '' },
      'keep-data': { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
      out: { type: 'string', default: 'bench-results' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const quick = values.quick;
  const num = (name: string, text: string | undefined, full: number, short = full, min = 0): number => {
    if (text === undefined) return quick ? short : full;
    const n = Number(text);
    if (!Number.isFinite(n) || n < min) throw new UsageError(`--${name} must be a number ≥ ${min}`);
    return n;
  };
  const skip = new Set<Phase>();
  for (const name of values.skip.split(',').filter(Boolean)) {
    if (!(PHASES as readonly string[]).includes(name)) {
      throw new UsageError(`--skip: unknown phase "${name}" (${PHASES.join(', ')})`);
    }
    skip.add(name as Phase);
  }
  return {
    quick,
    durationMs: num('duration', values.duration, 20, 3, 1) * 1000,
    warmupMs: num('warmup', values.warmup, 2, 1) * 1000,
    concurrency: Math.round(num('concurrency', values.concurrency, 96, 96, 1)),
    candidates: Math.round(num('candidates', values.candidates, 20, 20, 1)),
    groups: Math.round(num('groups', values.groups, 0, 0, 0)),
    latencyWatchers: Math.round(num('latency-watchers', values['latency-watchers'], 2000, 200, 1)),
    latencyDurationMs: num('latency-duration', values['latency-duration'], 30, 5, 1) * 1000,
    latencyRate:
      values['latency-rate'] === undefined ? undefined : num('latency-rate', values['latency-rate'], 0, 0, 1),
    probeIntervalMs: num('probe-interval', values['probe-interval'], 50, 50, 5),
    capacityWatchers: Math.round(num('capacity-watchers', values['capacity-watchers'], 20_000, 2_000, 1)),
    capacityDurationMs: num('capacity-duration', values['capacity-duration'], 30, 5, 2) * 1000,
    watchersPerProcess: Math.round(
      num('watchers-per-process', values['watchers-per-process'], 5000, 5000, 1),
    ),
    sourceAddresses: Math.round(num('source-addresses', values['source-addresses'], 2, 2, 1)),
    prefill: Math.round(num('prefill', values.prefill, 50_000, 5_000, 1)),
    votesPerJob:
      values['votes-per-job'] === undefined
        ? undefined
        : num('votes-per-job', values['votes-per-job'], 1, 1, 1),
    scaleOut: values['scale-out'],
    skip,
    keepData: values['keep-data'],
    cpuProf: values['cpu-prof'],
    out: values.out,
  };
}
export type Options = ReturnType<typeof parseOptions>;

/** A bad command line: main prints it with the help text. */
export class UsageError extends Error {}
