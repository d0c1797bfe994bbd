// Cluster holds in virtual time: a verdict that names a cluster (device:, ip:…@cand, voter:, wave:)
// holds the cluster's earlier counted votes a moment later, as the workers' hold-cluster jobs do
// (workers/src/risk/follow-up.ts, workers/src/review/selection.ts).
import type { RiskFeatures, RiskSettings } from '@rallyboard/core/protocol';
import { RISK_WINDOWS } from '@rallyboard/core/protocol';
import type { VoteToAssess } from '@rallyboard/core/redis';
import { formatClusterId, parseClusterId } from '@rallyboard/core/risk';
import type { VoteFate } from './fates.js';

/** A vote that counted, with what was measured of it. */
export interface CountedVote {
  index: number;
  at: number;
  features: RiskFeatures;
  subject: VoteToAssess;
}

/** A cluster's hold is queued again at most this often while its votes keep being stopped. */
const HOLD_EVERY_MS = 10_000;

/** How far back a hold reaches: the window its rule counts over (a device's and a subnet's are the day). */
const holdWindowOf = (cluster: string) => {
  const kind = parseClusterId(cluster)?.kind;
  return kind === 'device' || kind === 'subnet' ? RISK_WINDOWS.longMs : RISK_WINDOWS.shortMs;
};

/** The clusters whose hold would take a counted vote back: as the workers select them. */
export function membershipsOf(v: CountedVote, _settings: RiskSettings): string[] {
  const s = v.subject;
  const out = [formatClusterId({ kind: 'voter', subject: s.voterId })];
  // An address's hold reaches only votes with evidence of their own (a new account tapping
  // fast, WeChat's doubt, a shared phone): never a neighbour's that merely shares the address,
  // so one NAT address is no lever for framing its users. A block's (over the day, and only
  // when many of its accounts for the candidate show evidence) reaches every account new here.
  if (v.features.ownEvidence) {
    out.push(formatClusterId({ kind: 'ip', subject: s.ip, candidateId: s.candidateId }));
  }
  if (v.features.accountAgeMs <= RISK_WINDOWS.newAccountMs) {
    out.push(formatClusterId({ kind: 'subnet', subject: s.net24, candidateId: s.candidateId }));
  }
  if (s.deviceId) out.push(formatClusterId({ kind: 'device', subject: s.deviceId }));
  if (v.features.accountAgeMs === 0 && (s.dwellMs ?? 0) < RISK_WINDOWS.waveTapMs) {
    out.push(formatClusterId({ kind: 'wave', subject: s.candidateId }));
  }
  return out;
}

interface DueHold {
  cluster: string;
  since: number;
  due: number;
}

export class ClusterHolds {
  readonly #members = new Map<string, CountedVote[]>();
  readonly #armed = new Map<string, number>();
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
    }
  }

  /** A verdict named the cluster at `at`: its hold runs `delayMs` later (once per HOLD_EVERY_MS). */
  reveal(cluster: string, at: number): void {
    const last = this.#armed.get(cluster);
    if (last !== undefined && at < last + HOLD_EVERY_MS) return;
    this.#armed.set(cluster, at);
    this.#due.push({ cluster, since: at - holdWindowOf(cluster), due: at + this.delayMs });
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
