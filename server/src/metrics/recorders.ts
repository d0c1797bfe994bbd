import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What the HTTP layer records of each answered request (http/request-metrics.ts). */
export interface HttpMetrics {
  answered(route: string, method: string, status: number, seconds: number): void;
}

/** What ingest records of each batch it adds to the votes queue (ingest/enqueue.ts). */
export interface IngestMetrics {
  batchAdded(votes: number, seconds: number): void;
  batchFailed(votes: number): void;
}

/** What the rank relay records (realtime/relays/board-relay.ts, room-push.ts). */
export interface RelayMetrics {
  tick(boards: number): void;
  pushed(window: string, bytes: number): void;
}

/** The server's own measurements, on one registry per app (never prom-client's global one). */
export interface ServerMetrics {
  readonly registry: Registry;
  readonly http: HttpMetrics;
  readonly ingest: IngestMetrics;
  readonly relay: RelayMetrics;
  /** Reports connected sockets per namespace, read at each scrape. */
  countSockets(read: () => Record<string, number>): void;
  /** One error of a store connection: a Redis connection's error event, MongoDB's lost connection. */
  storeError(store: 'redis' | 'mongo'): void;
}

/** Latency buckets in seconds, from a Redis round trip to a stalled store. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500];

export function createServerMetrics(): ServerMetrics {
  const registry = new Registry();
  const registers = [registry];
  const requests = new Counter({
    name: 'rallyboard_http_requests_total',
    help: 'Answered HTTP requests by route pattern, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers,
  });
  const latency = new Histogram({
    name: 'rallyboard_http_request_duration_seconds',
    help: 'Time from a request arriving to its answer being written, by route pattern and method.',
    labelNames: ['route', 'method'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const batchVotes = new Histogram({
    name: 'rallyboard_ingest_batch_votes',
    help: 'Votes per batch ingest added to the votes queue in one call.',
    buckets: BATCH_BUCKETS,
    registers,
  });
  const batchSeconds = new Histogram({
    name: 'rallyboard_ingest_batch_duration_seconds',
    help: 'Time to add one batch of accepted votes to the votes queue.',
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const batchFailures = new Counter({
    name: 'rallyboard_ingest_failed_votes_total',
    help: 'Votes answered 503 because their batch could not be added to the queue (none accepted).',
    registers,
  });
  const ticks = new Counter({
    name: 'rallyboard_relay_ticks_total',
    help: 'Relay flushes: each pushes the boards that changed since the last.',
    registers,
  });
  const tickBoards = new Counter({
    name: 'rallyboard_relay_boards_total',
    help: 'Boards flushed by the relay, summed over its ticks.',
    registers,
  });
  const pushes = new Counter({
    name: 'rallyboard_relay_pushes_total',
    help: 'rank:updated packets emitted to a watched room, by window.',
    labelNames: ['window'] as const,
    registers,
  });
  const bytes = new Counter({
    name: 'rallyboard_relay_bytes_total',
    help: 'JSON bytes of those packets, once per room (socket.io encodes a room packet once).',
    labelNames: ['window'] as const,
    registers,
  });
  const storeErrors = new Counter({
    name: 'rallyboard_store_errors_total',
    help: "Errors of this process's store connections: Redis error events (refused, reset, timed out), MongoDB connections lost.",
    labelNames: ['store'] as const,
    registers,
  });
  let readSockets: () => Record<string, number> = () => ({});
  new Gauge({
    name: 'rallyboard_sockets',
    help: 'Connected socket.io sockets by namespace, on this server process.',
    labelNames: ['namespace'] as const,
    registers,
    collect() {
      this.reset();
      for (const [namespace, count] of Object.entries(readSockets())) this.set({ namespace }, count);
    },
  });

  return {
    registry,
    http: {
      answered(route, method, status, seconds) {
        requests.inc({ route, method, status: String(status) });
        latency.observe({ route, method }, seconds);
      },
    },
    ingest: {
      batchAdded(votes, seconds) {
        batchVotes.observe(votes);
        batchSeconds.observe(seconds);
      },
      batchFailed(votes) {
        batchFailures.inc(votes);
      },
    },
    relay: {
      tick(boards) {
        ticks.inc();
        tickBoards.inc(boards);
      },
      pushed(window, size) {
        pushes.inc({ window });
        bytes.inc({ window }, size);
      },
    },
    countSockets(read) {
      readSockets = read;
    },
    storeError(store) {
      storeErrors.inc({ store });
    },
  };
}
