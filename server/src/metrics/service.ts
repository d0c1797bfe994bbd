import { type VoteJob, voteQueueLagMs } from '@rallyboard/core/queue';
import { type KeyBuilder, type RedisClient, readAllDeadLetters } from '@rallyboard/core/redis';
import type { Queue } from 'bullmq';
import { Gauge } from 'prom-client';
import type { ServerMetrics } from './recorders.js';

/** The votes queue's states /metrics reports, as BullMQ's getJobCounts names them. */
const QUEUE_STATES = ['waiting', 'delayed', 'active', 'failed'] as const;

export interface MetricsDeps {
  redis: RedisClient;
  keys: KeyBuilder;
  voteQueue: Pick<Queue<VoteJob>, 'getJobCounts' | 'getJobs'>;
  /** The app's registry, which the recorders (HTTP, ingest, relay, sockets) fill as they go. */
  metrics: Pick<ServerMetrics, 'registry'>;
}

export interface Metrics {
  /** The exposition's content type: `text/plain; version=0.0.4; charset=utf-8`. */
  readonly contentType: string;
  /** Reads the stores and renders every metric in the Prometheus text format. */
  render(): Promise<string>;
}

/**
 * The server's metrics, on the app's registry (never prom-client's global one, which any
 * library may fill, and which two apps in one process, as in the tests, would share). The
 * stores' gauges are set from Redis and the queue at each scrape: nothing is kept between
 * scrapes, so a board whose dead letters were replayed leaves the exposition at the next one.
 * The rest (requests, ingest batches, relay pushes, sockets) are recorded as they happen
 * (recorders.ts).
 */
export function createMetrics(deps: MetricsDeps): Metrics {
  const { registry } = deps.metrics;
  const registers = [registry];
  const deadJobs = new Gauge({
    name: 'rallyboard_dead_letter_jobs',
    help: 'Vote jobs that failed for good and wait to be replayed (npm run replay), by board.',
    labelNames: ['board'] as const,
    registers,
  });
  const deadVotes = new Gauge({
    name: 'rallyboard_dead_letter_votes',
    help: 'Accepted votes in dead-lettered jobs, not counted until replayed, by board.',
    labelNames: ['board'] as const,
    registers,
  });
  const queueJobs = new Gauge({
    name: 'rallyboard_votes_queue_jobs',
    help: "Jobs on the votes queue (all boards') by state.",
    labelNames: ['state'] as const,
    registers,
  });
  const queueLag = new Gauge({
    name: 'rallyboard_votes_queue_lag_seconds',
    help: 'Age of the oldest vote job not yet done (waiting or active); 0 when there is none.',
    registers,
  });

  async function scrape(): Promise<string> {
    const now = Date.now();
    const [deadLetters, counts, lagMs] = await Promise.all([
      readAllDeadLetters(deps.redis, deps.keys),
      deps.voteQueue.getJobCounts(...QUEUE_STATES),
      voteQueueLagMs(deps.voteQueue, now),
    ]);
    // Only one scrape runs at a time (render), so no other can reset these before metrics() reads them.
    deadJobs.reset();
    deadVotes.reset();
    for (const { boardId, jobs, votes } of deadLetters) {
      deadJobs.set({ board: boardId }, jobs);
      deadVotes.set({ board: boardId }, votes);
    }
    for (const state of QUEUE_STATES) queueJobs.set({ state }, counts[state] ?? 0);
    queueLag.set(lagMs / 1_000);
    return registry.metrics();
  }

  // Scrapes that arrive while one is reading share its answer: a burst of them costs one read.
  let inFlight: Promise<string> | undefined;
  return {
    contentType: registry.contentType,
    render() {
      inFlight ??= scrape().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
  };
}
