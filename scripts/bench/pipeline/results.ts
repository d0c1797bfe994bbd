// What one run of the pipeline benchmark measured, as written to its JSON (table.ts prints it).
import type { LatencySummary } from './histogram.js';
import type { LoadResult, WatchReport } from './messages.js';
import type { RedisBenchmarkRun } from './redis-benchmark.js';

/** How long the review queue took to run dry after a live phase's votes were decided. */
export interface ReviewSettle {
  ms: number;
  settled: boolean;
  /** The most review jobs seen waiting or running at once. */
  mostWaiting: number;
  /** Not settled: the jobs not yet started that were dropped, so the next phases run without them. */
  dropped?: number;
  /** Not settled: jobs still running when the run went on (after up to 2 minutes more). */
  stillRunning?: number;
}

/** What the workers decided of a live campaign's votes (the dashboard's running totals). */
export interface Verdicts {
  counted: number;
  held: number;
  rejected: number;
}

export interface LoadFigures {
  /** 202 answers per second over the measured window. */
  acceptedPerS: number;
  /** HTTP latency of the window's requests (ms). */
  latency: LatencySummary;
  /** Non-202 answers and connection errors in the window. */
  errors: number;
  raw: LoadResult;
}

export interface DrainFigures {
  /** Votes (or jobs) timed: from the first one seen applied to the last. */
  votes: number;
  jobs: number;
  votesPerJob: number;
  ms: number;
  perS: number;
  timedOut: boolean;
  /** CPU seconds each process used during the drain. */
  cpuS: Record<string, number>;
  /** On a live campaign: what the workers decided, and the holds' review jobs settling after. */
  verdicts?: Verdicts;
  reviews?: ReviewSettle;
}

export interface WatchFigures {
  watchersRequested: number;
  watchersConnected: number;
  connectFailures: Record<string, number>;
  connectMs: number;
  processes: number;
  /** vote → watcher latency (ms) over every (watcher, probe) pair. */
  latency: LatencySummary;
  probesAccepted: number;
  reports: WatchReport[];
  /** Summed over the watcher processes. */
  reachedFinal: number;
  sawEvery: number;
  resyncs: number;
  disconnects: number;
  unmatched: number;
  updatesMin: number;
  updatesMax: number;
  /** Worst event-loop delay p99 (ms) among the watcher processes. */
  clientLoopDelayP99: number;
}

/** A board's counters: its seq, its all-time total, its scores' sum, its ledger's counted records. */
export interface CountReading {
  seq: number;
  total: number;
  scores: number;
  ledger: number;
}

/** What a 2×2 phase accepted beside what its board gained (counts.ts). */
export interface CountCheck {
  phase: string;
  boardId: string;
  /** Votes answered 202 in the phase (warm-up, window, stragglers and probes), or pre-filled. */
  accepted: number;
  counted: CountReading;
  /** Every counted figure equals `accepted`. */
  ok: boolean;
}

/** One of the two servers of the 2×2 capacity run. */
export interface CapacityServer {
  url: string;
  watchersAttempted: number;
  watchersConnected: number;
  fdLimit: { soft: number; hard: number } | undefined;
  /** Server fd limit − fds open before connecting − headroom. */
  fdCap: number | undefined;
  before: MemoryReading;
  afterConnect: MemoryReading;
}

/** The same phases as ours with 2 server processes and 2 workers processes (--scale-out). */
export interface ScaleOut {
  servers: number;
  workers: number;
  ingest?: NonNullable<Results['ingest']> & { counts: CountCheck };
  worker?: NonNullable<Results['worker']> & { counts: CountCheck[] };
  latency?: NonNullable<Results['latency']> & { counts: CountCheck };
  capacity?: WatchFigures & {
    servers: CapacityServer[];
    probeIntervalMs: number;
    durationS: number;
    cpuS: Record<string, number>;
    /** Watchers the run tried to connect, over both servers. */
    watchersAttempted: number;
    /** True when the fd limit, not the number asked for, decided how many watchers there were. */
    limitedByFds: boolean;
    counts: CountCheck;
  };
}

export interface Bar {
  name: string;
  value: number;
  /** e.g. "≥ 1.0×", "≤ 250 ms" */
  bar: string;
  pass: boolean;
  note?: string;
}

export interface Results {
  startedAt: string;
  finishedAt?: string;
  quick: boolean;
  machine: {
    cpus: number;
    cpuModel: string;
    memoryGiB: number;
    node: string;
    fdLimit: { soft: number; hard: number } | undefined;
  };
  setup: {
    keyPrefix: string;
    redis: string;
    mongo: string;
    servicesStartedByRun: string[];
    /** The tuning our server and workers ran with. */
    config: Record<string, number>;
  };
  options: Record<string, unknown>;
  redisBenchmark?: { binary: string; runs: RedisBenchmarkRun[] } | { skipped: string };
  bareIngest?: LoadFigures;
  ingest?: LoadFigures & {
    /** Board seq advance per second between the window's first and last moment. */
    appliedPerS: number;
    /** From the end of the load until every accepted vote was applied. */
    drainMs: number;
    drained: boolean;
    /** Every accepted vote over (first request → last applied). */
    endToEndAppliedPerS: number;
    totalAccepted: number;
    jobsWritten: number;
    votesPerJob: number;
    timeline: [number, number][];
    cpuS: Record<string, number>;
  };
  bareWorker?: DrainFigures & { concurrency: number; prefillMs: number };
  /**
   * Reference (e): as many ledger records as a drain's votes, written as the workers' group commit
   * writes them (insertManys of LEDGER_BATCH_MAX, one at a time) with nothing else running.
   */
  bareLedger?: { records: number; batch: number; ms: number; perS: number; cpuS: Record<string, number> };
  /**
   * Reference (d): raw socket.io fanning out one update a second to as many watchers as the
   * capacity run asks, for as long; its server's CPU per delivered update.
   */
  bareFanout?: WatchFigures & {
    updates: number;
    cpuS: Record<string, number>;
    cpuPerDeliveryUs: number;
    perThousandWatchers: { rssMiB: number; heapUsedMiB: number };
  };
  /** The same reference at BullMQ's default concurrency (1). */
  bareWorkerDefault?: DrainFigures & { concurrency: number; prefillMs: number };
  worker?: { concurrency: number; single?: DrainFigures; batched?: DrainFigures; batchedNote?: string };
  /**
   * Our workers draining the same votes (of many voters) on boards without reward rules and on
   * boards with active rules, and the rewards settled after. Since 2026-12-06 11:00: a warm-up
   * drain that is not counted, then half-size drains in `pattern` (off, on, on, off, on, off, off,
   * on), each on a board of its own; before, full-size drains off, on, on, off on two boards.
   */
  rewards?: {
    votesPerJob: number;
    voters: number;
    warmup?: DrainFigures;
    pattern?: ('off' | 'on')[];
    off: DrainFigures[];
    on: DrainFigures[];
    /** Mean votes/s with rules over mean without. */
    ratio: number;
    /** From the last drain with rules to no participant left marked. */
    settleMs: number;
    /** Participants still marked when the phase stopped waiting (10 minutes): not settled. */
    unsettled?: number;
    grants: number;
  };
  latency?: WatchFigures & {
    rate: number;
    load: LoadFigures;
    cpuS: Record<string, number>;
  };
  capacity?: WatchFigures & {
    server: {
      before: MemoryReading;
      afterConnect: MemoryReading;
      afterUpdates: MemoryReading;
      perThousandWatchers: { rssMiB: number; heapUsedMiB: number };
      fdLimit: { soft: number; hard: number } | undefined;
    };
    probeIntervalMs: number;
    durationS: number;
    cpuS: Record<string, number>;
    /** Watchers the run tried to connect: the ones asked for, or fewer if the server's fd limit is lower. */
    watchersAttempted: number;
    /** Server fd limit − fds open before connecting − headroom. */
    fdCap: number | undefined;
    /** True when the fd limit, not the number asked for, decided how many watchers there were. */
    limitedByFds: boolean;
    /** Probes risk control counted (the board is a live campaign's); a held one never reaches the watchers. */
    probesCounted: number;
  };
  /**
   * The same phases on live campaigns (risk control at its defaults, quotas, the crowd's
   * context): the row every bar but rewards and capacity is judged on. The figures above are the
   * engine alone, on bare boards.
   */
  live?: {
    ingest?: NonNullable<Results['ingest']> & { verdicts: Verdicts; reviews: ReviewSettle };
    worker?: NonNullable<Results['worker']>;
    latency?: NonNullable<Results['latency']> & {
      verdicts: Verdicts;
      probesCounted: number;
      reviews: ReviewSettle;
    };
  };
  /** --scale-out: the 2×2 figures, beside the 1×1 ones above. */
  scaleOut?: ScaleOut;
  bars: Bar[];
  skipped: string[];
  failure?: string;
}

export interface MemoryReading {
  rssBytes: number;
  heapUsedBytes: number;
  openFds: number;
  gc: boolean;
}
