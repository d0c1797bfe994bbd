// What one run of the pipeline benchmark measured, as written to its JSON (table.ts prints it).
import type { LatencySummary } from './histogram.js';
import type { LoadResult, WatchReport } from './messages.js';
import type { RedisBenchmarkRun } from './redis-benchmark.js';

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
  /** The same reference at BullMQ's default concurrency (1). */
  bareWorkerDefault?: DrainFigures & { concurrency: number; prefillMs: number };
  worker?: { concurrency: number; single?: DrainFigures; batched?: DrainFigures; batchedNote?: string };
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
  };
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
