import type { EventEmitter } from 'node:events';
import { Counter, Histogram, Registry } from 'prom-client';

/** What risk control's verdict on one vote says, as far as the metrics count it. */
export interface JudgedVerdict {
  verdict: string;
  rules: readonly string[];
}

/** What the vote applier records (votes/apply-votes.ts). */
export interface ApplyMetrics {
  /** One worker batch applied and recorded: its votes, and how long it took. */
  batch(votes: number, seconds: number): void;
  /** The ledger verdicts of a batch's votes decided just now (duplicates excluded). */
  verdicts(verdicts: readonly string[]): void;
  /** Risk control's judgements of a batch's votes that it measured. */
  judged(judgements: readonly JudgedVerdict[]): void;
  /** One group commit of ledger records. */
  ledgerWrite(records: number, seconds: number): void;
}

/** The workers' own measurements, on a registry of their own. */
export interface WorkerMetrics {
  readonly registry: Registry;
  readonly apply: ApplyMetrics;
  /** A job that failed on a queue (it may be retried; dead letters are the server's gauge). */
  jobFailed(queue: string): void;
  /** Counts the errors of these store connections: Redis error events, MongoDB connections lost. */
  watchStores(stores: { redis: readonly EventEmitter[]; mongo?: EventEmitter }): void;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const SIZE_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000];

export function createWorkerMetrics(): WorkerMetrics {
  const registry = new Registry();
  const registers = [registry];
  const batchVotes = new Histogram({
    name: 'rallyboard_worker_batch_votes',
    help: 'Votes per worker batch (the votes of every job in flight, applied together).',
    buckets: SIZE_BUCKETS,
    registers,
  });
  const batchSeconds = new Histogram({
    name: 'rallyboard_worker_batch_duration_seconds',
    help: 'Time to apply a worker batch: risk, the sorted sets, the ledger and the follow-ups.',
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const votes = new Counter({
    name: 'rallyboard_worker_votes_total',
    help: 'Votes decided, by their ledger verdict (counted, held, rejected, unchanged).',
    labelNames: ['verdict'] as const,
    registers,
  });
  const riskVerdicts = new Counter({
    name: 'rallyboard_risk_verdicts_total',
    help: "Risk control's verdicts on the votes it measured (accept, review, reject).",
    labelNames: ['verdict'] as const,
    registers,
  });
  const ruleHits = new Counter({
    name: 'rallyboard_risk_rule_hits_total',
    help: 'Rules that fired on a vote risk control did not accept, by rule and verdict.',
    labelNames: ['rule', 'verdict'] as const,
    registers,
  });
  const ledgerRecords = new Histogram({
    name: 'rallyboard_ledger_write_records',
    help: 'Records per ledger group commit.',
    buckets: SIZE_BUCKETS,
    registers,
  });
  const ledgerSeconds = new Histogram({
    name: 'rallyboard_ledger_write_duration_seconds',
    help: 'Time of one ledger group commit (an unordered insertMany).',
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const storeErrors = new Counter({
    name: 'rallyboard_worker_store_errors_total',
    help: "Errors of this process's store connections: Redis error events, MongoDB connections lost.",
    labelNames: ['store'] as const,
    registers,
  });
  const failed = new Counter({
    name: 'rallyboard_worker_failed_jobs_total',
    help: 'Jobs that failed an attempt, by queue.',
    labelNames: ['queue'] as const,
    registers,
  });
  return {
    registry,
    apply: {
      batch(size, seconds) {
        batchVotes.observe(size);
        batchSeconds.observe(seconds);
      },
      verdicts(verdicts) {
        for (const verdict of verdicts) votes.inc({ verdict });
      },
      judged(judgements) {
        for (const { verdict, rules } of judgements) {
          riskVerdicts.inc({ verdict });
          if (verdict === 'accept') continue;
          for (const rule of new Set(rules)) ruleHits.inc({ rule, verdict });
        }
      },
      ledgerWrite(records, seconds) {
        ledgerRecords.observe(records);
        ledgerSeconds.observe(seconds);
      },
    },
    jobFailed(queue) {
      failed.inc({ queue });
    },
    watchStores({ redis, mongo }) {
      for (const connection of redis) connection.on('error', () => storeErrors.inc({ store: 'redis' }));
      mongo?.on('disconnected', () => storeErrors.inc({ store: 'mongo' }));
    },
  };
}
