// How late cluster holds were: for each hold (one hold-cluster job's votes of one cluster), the
// time from the vote that revealed the cluster to the cluster's counted votes being held. Read
// from the ledger after the run (read only); pure arithmetic on its records.
import { type LedgerModel, ledgerModel } from '@rallyboard/core/db';
import type { Connection } from 'mongoose';
import type { VoteRecord } from './run.js';
import type { Label } from './scenario.js';

/** What a ledger record tells of holds: when it was accepted, stopped, or held with a cluster. */
export interface HoldRecord {
  _id: string;
  acceptedAt: Date;
  verdict: string;
  reason?: string;
  review?: { state?: string; at?: Date; cluster?: string; actionId?: string; retraction?: string };
  risk?: { clusters?: string[] };
}

/** One hold: a cluster's counted votes that one hold-cluster job took back. */
export interface Hold {
  cluster: string;
  actionId: string;
  voteIds: string[];
  /** The labels of its votes. */
  labels: Label[];
  /**
   * The longest any of its votes stayed counted after the cluster was revealed: from the first
   * vote risk control stopped naming the cluster (or, for a vote counted after that, from the
   * vote's own acceptance) to the hold.
   */
  latencyMs: number;
}

export interface HoldLatency {
  holds: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

/** Whether risk control stopped the vote (held it, or rejected it as risk). */
const stopped = (r: HoldRecord) =>
  r.verdict === 'held' || (r.verdict === 'rejected' && r.reason === 'RISK_REJECTED');

/** The holds among a board's ledger records; `labelOf` names a vote's label. */
export function holdsOf(
  records: readonly HoldRecord[],
  labelOf: (voteId: string) => Label | undefined,
): Hold[] {
  /** Each cluster's first stopped vote's acceptance. */
  const revealed = new Map<string, number>();
  for (const r of records) {
    if (!stopped(r)) continue;
    for (const cluster of r.risk?.clusters ?? []) {
      revealed.set(
        cluster,
        Math.min(revealed.get(cluster) ?? Number.POSITIVE_INFINITY, r.acceptedAt.getTime()),
      );
    }
  }
  const holds = new Map<string, Hold>();
  for (const r of records) {
    const review = r.review;
    if (r.verdict !== 'counted' || review?.retraction === undefined || review.cluster === undefined) continue;
    if (review.at === undefined || review.actionId === undefined) continue;
    const accepted = r.acceptedAt.getTime();
    // Held with no stopped vote of its cluster on record (it was rejected for another reason): from its own acceptance.
    const first = revealed.get(review.cluster) ?? accepted;
    const reveal = Math.max(accepted, first);
    const key = `${review.actionId} ${review.cluster}`;
    const hold = holds.get(key) ?? {
      cluster: review.cluster,
      actionId: review.actionId,
      voteIds: [],
      labels: [],
      latencyMs: 0,
    };
    hold.voteIds.push(r._id);
    const label = labelOf(r._id);
    if (label !== undefined && !hold.labels.includes(label)) hold.labels.push(label);
    hold.latencyMs = Math.max(hold.latencyMs, review.at.getTime() - reveal);
    holds.set(key, hold);
  }
  return [...holds.values()];
}

const quantile = (sorted: readonly number[], q: number) =>
  sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number);

/** p50, p95 and max of the holds' latencies. */
export function holdLatency(holds: readonly Pick<Hold, 'latencyMs'>[]): HoldLatency {
  const sorted = holds.map((h) => h.latencyMs).sort((a, b) => a - b);
  return {
    holds: sorted.length,
    p50Ms: quantile(sorted, 0.5),
    p95Ms: quantile(sorted, 0.95),
    maxMs: sorted.at(-1) ?? 0,
  };
}

/** Reads the board's ledger once and answers its holds, labelled by the run's votes. */
export async function readHolds(
  mongo: Connection,
  boardId: string,
  votes: readonly VoteRecord[],
): Promise<Hold[]> {
  const model: LedgerModel = ledgerModel(mongo);
  const records = await model
    .find(
      { boardId },
      {
        acceptedAt: 1,
        verdict: 1,
        reason: 1,
        'review.at': 1,
        'review.cluster': 1,
        'review.actionId': 1,
        'review.retraction': 1,
        'risk.clusters': 1,
      },
    )
    .lean<HoldRecord[]>();
  const labels = new Map(
    votes.flatMap((v) => (v.submission.kind === 'accepted' ? [[v.submission.voteId, v.label] as const] : [])),
  );
  return holdsOf(records, (id) => labels.get(id));
}
