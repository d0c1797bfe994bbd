// Cluster holds in virtual time: a verdict that names a cluster (device:, ip:…@cand, subnet:…@cand,
// voter:, wave:, ring:) holds the cluster's earlier counted votes a moment later, as the workers'
// hold-cluster jobs do (workers/src/risk/follow-up.ts, workers/src/review/selection.ts). The sweep
// decides every vote as it comes, so acceptance time and the clock are one: the workers' backlog
// handling (holds per window of acceptance time, members kept for a backlog's holds) never applies.
import type { RiskFeatures, RiskSettings } from '@rallyboard/core/protocol';
import type { VoteToAssess } from '@rallyboard/core/redis';
import { clusterMemberships, holdWindowMs, knownForMs } from '@rallyboard/core/risk';
import type { VoteFate } from './fates.js';

/** A vote that counted, with what was measured of it. */
export interface CountedVote {
  index: number;
  at: number;
  features: RiskFeatures;
  subject: VoteToAssess;
}

/** A cluster's hold is queued again at most this often while its votes keep being stopped (follow-up.ts). */
const HOLD_EVERY_MS = 2_000;

/** The clusters whose hold would take a counted vote back: what the workers record (core/risk/evidence.ts). */
function membershipsOf(v: CountedVote, settings: RiskSettings): string[] {
  return clusterMemberships(v.features, v.subject, settings).map((m) => m.cluster);
}

interface DueHold {
  cluster: string;
  since: number;
  due: number;
}

export class ClusterHolds {
  readonly #members = new Map<string, CountedVote[]>();
  readonly #armed = new Map<string, number>();
  /** When a verdict last named each cluster: it stays known for knownForMs (follow-up.ts). */
  readonly #revealed = new Map<string, number>();
  #due: DueHold[] = [];

  constructor(
    readonly settings: RiskSettings,
    readonly delayMs: number,
  ) {}

  counted(v: CountedVote): void {
    for (const cluster of membershipsOf(v, this.settings)) {
      let list = this.#members.get(cluster);
      if (!list) {
        list = [];
        this.#members.set(cluster, list);
      }
      list.push(v);
      // A member counted while its cluster is known has its holds queued as it is recorded.
      const known = this.#revealed.get(cluster);
      if (known !== undefined && v.at - known <= knownForMs(cluster)) this.#queue(cluster, v.at);
    }
  }

  /** A verdict named the cluster at `at`: its hold runs `delayMs` later (once per HOLD_EVERY_MS). */
  reveal(cluster: string, at: number): void {
    this.#revealed.set(cluster, at);
    this.#queue(cluster, at);
  }

  #queue(cluster: string, at: number): void {
    const last = this.#armed.get(cluster);
    if (last !== undefined && at < last + HOLD_EVERY_MS) return;
    this.#armed.set(cluster, at);
    this.#due.push({ cluster, since: at - holdWindowMs(cluster), due: at + this.delayMs });
  }

  /** Runs the holds due by `now`: their clusters' votes counted in [since, due] are held. */
  runDue(now: number, fates: VoteFate[]): void {
    if (this.#due.length === 0 || this.#due.every((h) => h.due > now)) return;
    const ready = this.#due.filter((h) => h.due <= now);
    this.#due = this.#due.filter((h) => h.due > now);
    for (const hold of ready) {
      for (const v of this.#members.get(hold.cluster) ?? []) {
        const fate = fates[v.index];
        if (fate?.fate !== 'counted' || v.at < hold.since || v.at > hold.due) continue;
        fate.fate = 'held';
        fate.heldWithCluster = hold.cluster;
      }
    }
  }
}
