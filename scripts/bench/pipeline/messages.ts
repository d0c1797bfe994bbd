// The IPC messages between the benchmark's parent (main.ts) and its child processes.
import type { HistogramData } from './histogram.js';

// ── load.ts ─────────────────────────────────────────────────────────────────────────────────

export interface LoadSpec {
  /**
   * Base URLs of the servers under load, e.g. http://127.0.0.1:4123: connections, open-loop votes
   * and probes take them in turn.
   */
  urls: string[];
  boardId: string;
  /** The candidates ordinary votes pick from, uniformly at random. */
  candidates: string[];
  /**
   * `closed`: `concurrency` connections, each sends its next vote when the previous answers.
   * `open`: `rate` votes/s on a fixed schedule, whatever the answers (latency counts from the
   * scheduled time). `idle`: no ordinary votes (probes only).
   */
  mode: 'closed' | 'open' | 'idle';
  concurrency: number;
  /** Votes/s in `open` mode. */
  rate: number;
  /** Load before the measured window; its requests count toward `totalAccepted` only. */
  warmupMs: number;
  durationMs: number;
  /** One vote for `candidateId` every `intervalMs` during the window, on a connection of its own per server. */
  probe?: { candidateId: string; intervalMs: number };
  /**
   * The participants ordinary votes go as, one picked at random per vote (crowd.ts): each with
   * a token signed with the server's secret, and the address (sent as X-Forwarded-For), device
   * and User-Agent of their phone. Every vote carries a human dwell time.
   */
  voters: LoadVoter[];
  /** The participants probes go as, one after another (never any of `voters`). */
  probeVoters: LoadVoter[];
}

/** What a phase asks of the load: the crowd (the same for every phase) is added by runLoad. */
export type LoadShape = Omit<LoadSpec, 'voters' | 'probeVoters'>;

/** One simulated participant the load votes as. */
export interface LoadVoter {
  token: string;
  ip: string;
  deviceId: string;
  /** A SHA-256 (hex) of the phone model's traits, as the mini-program sends it. */
  fingerprint: string;
  userAgent: string;
}

export interface LoadResult {
  mode: LoadSpec['mode'];
  /** The measured window, from its first to its last millisecond. */
  windowMs: number;
  /** Requests answered within the window. */
  answered: number;
  /** 202 answers within the window. */
  accepted: number;
  /** Other answers within the window, by status and error code, e.g. `503 SERVICE_UNAVAILABLE`. */
  rejected: Record<string, number>;
  /** Requests that got no HTTP answer (connection errors), within the window. */
  networkErrors: number;
  /** Latency of the window's answered requests (open loop: from the scheduled send time). */
  latency: HistogramData;
  /** Every 202 of the run, warm-up, window, stragglers and probes included. */
  totalAccepted: number;
  /** Open loop: most requests waiting for a free connection at any time. */
  maxQueued: number;
  probes: { sent: number; accepted: number; latency: HistogramData };
}

export type LoadToParent =
  | { type: 'ready' }
  | { type: 'window-start'; at: number }
  | { type: 'window-end'; at: number }
  /** The n-th accepted probe (1-based) was sent at `sentAt` (Date.now()); its vote id, if read. */
  | { type: 'probe'; n: number; sentAt: number; voteId?: string }
  | { type: 'result'; result: LoadResult }
  | { type: 'error'; message: string };

export type ParentToLoad = { type: 'run'; spec: LoadSpec };

// ── watchers.ts ─────────────────────────────────────────────────────────────────────────────

export interface WatchSpec {
  url: string;
  boardId: string;
  count: number;
  /** The candidate whose score the probes raise. */
  probeCandidate: string;
  /** Entries a BoardFeed keeps (the server's LEADERBOARD_TOP_N). */
  topN: number;
  /** Source address of the sockets (127.0.0.x), to spread over ephemeral port ranges. */
  localAddress?: string;
  /** Connections being opened at once. */
  connectConcurrency: number;
  connectTimeoutMs: number;
}

export interface WatchReport {
  watchers: number;
  /** vote → watcher latency of every (watcher, probe) pair seen. */
  latency: HistogramData;
  /** `rank:updated` events received, summed over watchers, and the fewest and most of one watcher. */
  updates: { total: number; min: number; max: number };
  /** Watchers whose copy reached `finalScore`. */
  reachedFinal: number;
  /** Watchers that saw every probe score in an update of its own (none coalesced or skipped). */
  sawEvery: number;
  /** Probe scores first seen in an update that also carried a later one (coalesced by a tick). */
  coalesced: number;
  /** Probe scores seen before their send time was known and never matched. */
  unmatched: number;
  /** BoardFeed gaps that made a watcher subscribe again. */
  resyncs: number;
  disconnects: number;
  /** The watcher process's event-loop delay while watching: high values mean the client was the bottleneck. */
  eventLoopDelay: { p50: number; p99: number; max: number };
  rssBytes: number;
}

export type ParentToWatchers =
  | { type: 'connect'; spec: WatchSpec }
  /** Scores up to `base` were there before the probes began. */
  | { type: 'probe-base'; base: number }
  | { type: 'probe'; score: number; sentAt: number }
  | { type: 'report'; finalScore: number }
  | { type: 'close' };

export type WatchersToParent =
  | { type: 'ready' }
  | { type: 'connected'; ok: number; failed: number; errors: Record<string, number>; ms: number }
  | { type: 'report'; report: WatchReport }
  | { type: 'closed' }
  | { type: 'error'; message: string };

// ── bare-ingest.ts and bare-worker.ts ───────────────────────────────────────────────────────

export type BareIngestToParent = { type: 'ready'; port: number } | { type: 'error'; message: string };

export interface BareWorkerSpec {
  redisUrl: string;
  /** BullMQ prefix of the reference queue. */
  queuePrefix: string;
  /** The sorted set the processor ZINCRBYs. */
  zsetKey: string;
  candidates: string[];
  jobs: number;
  concurrency: number;
}

export type ParentToBareWorker =
  | { type: 'prefill'; spec: BareWorkerSpec }
  | { type: 'start' }
  | { type: 'close' };

export type BareWorkerToParent =
  | { type: 'ready' }
  | { type: 'prefilled'; jobs: number; ms: number }
  | { type: 'started' }
  | { type: 'closed' }
  | { type: 'error'; message: string };

// ── server-memory.ts (preloaded into our server) ───────────────────────────────────────────

export interface ServerMemory {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** Whether a full GC ran just before (the server was started with --expose-gc). */
  gc: boolean;
}

// ── bare-fanout.ts ──────────────────────────────────────────────────────────────────────────

export interface BareFanoutSpec {
  boardId: string;
  /** The board's candidates, the probe among them. */
  candidates: string[];
}

export type ParentToBareFanout =
  | { type: 'start'; spec: BareFanoutSpec }
  /** One vote for `probeCandidate`, fanned out to the room. */
  | { type: 'update'; probeCandidate: string }
  | { type: 'memory' }
  | { type: 'close' };

export type BareFanoutToParent =
  | { type: 'started' }
  | { type: 'ready'; port: number }
  /** The update that raised the probe to `score` was emitted at `sentAt` (Date.now()). */
  | { type: 'sent'; score: number; sentAt: number }
  | { type: 'memory'; rssBytes: number; heapUsedBytes: number }
  | { type: 'closed' };
