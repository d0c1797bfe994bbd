import { RISK_RULE_IDS, RISK_WINDOWS, type RiskFeatures, type RiskSettings } from '../protocol/risk.js';
import { type ClusterKind, parseClusterId } from './cluster-id.js';
import { RISK_RULES, type RiskSubject } from './rules.js';

/**
 * Which clusters a vote risk control let count is a member of: the clusters whose hold may take
 * it back later (workers/src/review/hold-cluster.ts). Decided when the vote is counted, from its OWN
 * evidence (and, for a block's, from what the block had shown by then), never from what other
 * votes on its address did afterwards, so one account's burst cannot get an established
 * neighbour's vote held (framing). Pure; docs/risk.md explains it.
 */

/** One of a vote's own signals that made it a member of a cluster, with its measured value. */
export interface Evidence {
  signal: EvidenceSignal;
  value: number;
}

/**
 * What a vote can show of its own: the accounts on its device (`deviceAccounts`), its account
 * (`voter`), its being the account's first vote here (`firstVote`) or one in its first minute
 * (`newAccount`: ms since its first vote), its tap (`tapMs`; -1: none sent), WeChat's rank
 * (`wechatRisk`), for a block's cluster, how many of the block's accounts for the candidate
 * had shown evidence of their own when it was counted (`blockSuspects`), and for an inviter's,
 * how many accounts the inviter's links had brought in 10 minutes by then (`inviterInvitees`)
 * and how many of those had shown evidence of their own (`inviterSuspects`).
 */
export const EVIDENCE_SIGNALS = [
  'deviceAccounts',
  'voter',
  'firstVote',
  'newAccount',
  'tapMs',
  'wechatRisk',
  'blockSuspects',
  'inviterInvitees',
  'inviterSuspects',
] as const;
export type EvidenceSignal = (typeof EVIDENCE_SIGNALS)[number];

export interface ClusterMembership {
  cluster: string;
  /** The vote's own signals that make it a member. */
  evidence: Evidence[];
  /** How long the cluster's members must be kept at least, after this one (ms). */
  keptMs: number;
}

/**
 * How far back a cluster's hold reaches: its rule's window (a device's and a block's are the
 * day), and for an account's own (`voter:`, named by lockstep and regular timing) the day too: a
 * cohort's waves or a script's taps half an hour apart are the same account's.
 */
export function holdWindowMs(cluster: string): number {
  return windowOf(parseClusterId(cluster)?.kind);
}

const windowOf = (kind: ClusterKind | undefined): number =>
  kind === 'device' || kind === 'subnet' || kind === 'voter' ? RISK_WINDOWS.longMs : RISK_WINDOWS.shortMs;

/**
 * How long a cluster stays known after a verdict names it, so that a member counted meanwhile is
 * held as it is recorded (workers/src/risk/follow-up.ts): its hold's window, but ten minutes for
 * an account's own. Its hold takes back the account's votes of the day; its later ones are judged
 * by their own rules again after that, or a wrongly held voter would lose every vote of the day
 * (all later votes held until a host decides was tried and not kept; docs/risk.md).
 */
export function knownForMs(cluster: string): number {
  return parseClusterId(cluster)?.kind === 'voter' ? RISK_WINDOWS.shortMs : holdWindowMs(cluster);
}

/**
 * Whether a member accepted at `acceptedAt` is in the time its cluster is known, revealed by a
 * vote accepted at `revealedAt`: within the cluster's window before that vote, or its known time
 * after. In acceptance time, as the rules measure: a backlog decided long after it was accepted
 * is held as it would have been live, and a vote replayed days late reaches nothing of today's.
 */
export function knownAt(cluster: string, revealedAt: number, acceptedAt: number): boolean {
  return acceptedAt >= revealedAt - holdWindowMs(cluster) && acceptedAt <= revealedAt + knownForMs(cluster);
}

/** The clusters the campaign's enabled rules that hold clusters would name for this vote. */
function clustersHoldingRulesName(features: RiskFeatures, subject: RiskSubject, settings: RiskSettings) {
  const named = new Set<string>();
  for (const id of RISK_RULE_IDS) {
    const rule = RISK_RULES[id];
    if (!rule.holdsCluster || !settings.rules[id].enabled) continue;
    const cluster = rule.cluster?.(features, subject);
    if (cluster) named.add(cluster);
  }
  return named;
}

/**
 * The share of the fan-out rule's threshold an inviter's links must have brought in 10 minutes
 * before an invitee counted is a member of the inviter's cluster: a real sharer's first few
 * friends are no members. Chosen, not tuned (docs/risk.md).
 */
const TREE_SHARE = 0.25;

/** The vote's tap, as evidence: -1 when the client sent none. */
const tap = (f: RiskFeatures): Evidence => ({ signal: 'tapMs', value: f.dwellMs ?? -1 });

/**
 * The vote's own evidence for a cluster of this kind, or undefined when it is no member:
 * - a device's: sent from it;
 * - a voter's: the account's own vote (its timing is judged across its votes);
 * - a wave's: the account's first vote here, tapped under `RISK_WINDOWS.waveTapMs`;
 * - an address's (`ip:…@candidate`): a new account's own evidence (`ownEvidence`, measured with
 *   the vote: a tap faster than reading, no page shown, WeChat's rank 2+, or a phone shared with
 *   another account), the evidence the address's rule counts its suspects by;
 * - a block's (`subnet:…@candidate`): an account new here (its first minute), as the block's rule
 *   holds, counted once the block had shown an account for the candidate with evidence of its own
 *   that day (or with its own), which the rule counts its suspects by. A newcomer counted before
 *   any had is no member: an attacker's fast accounts arriving later cannot reach back to the
 *   block's earlier honest newcomers (framing). One suspect earlier in the day (a real newcomer
 *   WeChat doubts, or a framer's scout) is enough: holding only newcomers counted once the block
 *   looked like a farm cost too much of a farm's recall (docs/simulator.md).
 * - an inviter's (`ring:<inviter>`, named by the fan-out rule): an invitee's first vote here,
 *   counted once the inviter's links had brought a quarter of the rule's threshold in 10 minutes
 *   (TREE_SHARE) and one of them had shown evidence of its own (this one, or one before): a
 *   tree's accounts after its first few, never a sharer's first friends, nor the friends counted
 *   before a framer's accounts came through the same link (it is posted in group chats).
 * An established account's vote with a human tap is a member of none of the networks' clusters,
 * whoever else votes there later.
 */
function evidenceFor(kind: ClusterKind, f: RiskFeatures, settings: RiskSettings): Evidence[] | undefined {
  switch (kind) {
    case 'device':
      return [{ signal: 'deviceAccounts', value: f.deviceAccounts ?? 1 }];
    case 'voter':
      return [{ signal: 'voter', value: 1 }];
    case 'wave':
      return f.accountAgeMs === 0 && (f.dwellMs ?? 0) < RISK_WINDOWS.waveTapMs
        ? [{ signal: 'firstVote', value: 1 }, tap(f)]
        : undefined;
    case 'ip': {
      if (!f.ownEvidence) return undefined;
      const risky =
        (f.wechatRiskRank ?? 0) >= 2 ? [{ signal: 'wechatRisk' as const, value: f.wechatRiskRank ?? 0 }] : [];
      const shared =
        (f.deviceAccounts ?? 0) >= 2
          ? [{ signal: 'deviceAccounts' as const, value: f.deviceAccounts ?? 0 }]
          : [];
      return [{ signal: 'firstVote', value: 1 }, tap(f), ...risky, ...shared];
    }
    case 'subnet':
      return f.accountAgeMs <= RISK_WINDOWS.newAccountMs && (f.ownEvidence || f.subnetCandidateSuspects > 0)
        ? [
            { signal: 'newAccount', value: f.accountAgeMs },
            { signal: 'blockSuspects', value: f.subnetCandidateSuspects },
          ]
        : undefined;
    case 'ring':
      return f.accountAgeMs === 0 &&
        f.inviterSuspects > 0 &&
        f.inviterInvitees >= Math.max(2, Math.ceil(TREE_SHARE * settings.rules.referralFanout.threshold))
        ? [
            { signal: 'firstVote', value: 1 },
            { signal: 'inviterInvitees', value: f.inviterInvitees },
            { signal: 'inviterSuspects', value: f.inviterSuspects },
          ]
        : undefined;
    default:
      return undefined;
  }
}

/**
 * How long a cluster's members are kept at least after this one: the hold's window, except that
 * a device seen with one account only is kept for the short window (long enough for a farm's next
 * accounts to show, short enough that not every phone's votes are remembered for a day). A set is
 * kept as long as its longest-kept member needs.
 */
function keptFor(kind: ClusterKind, f: RiskFeatures): number {
  if (kind === 'device' && (f.deviceAccounts ?? 0) < 2) return RISK_WINDOWS.shortMs;
  return windowOf(kind);
}

/**
 * The clusters a counted vote is a member of, each with the vote's own signals that make it one
 * (see evidenceFor): only clusters an enabled rule that holds clusters would name for the vote,
 * so a kind whose rule is off is never recorded.
 */
export function clusterMemberships(
  features: RiskFeatures,
  subject: RiskSubject,
  settings: RiskSettings,
): ClusterMembership[] {
  if (!settings.enabled) return [];
  const out: ClusterMembership[] = [];
  for (const cluster of clustersHoldingRulesName(features, subject, settings)) {
    const kind = parseClusterId(cluster)?.kind;
    const evidence = kind && evidenceFor(kind, features, settings);
    if (kind && evidence) out.push({ cluster, evidence, keptMs: keptFor(kind, features) });
  }
  return out;
}

const SIGNALS: ReadonlySet<string> = new Set(EVIDENCE_SIGNALS);
const isSignal = (s: string): s is EvidenceSignal => SIGNALS.has(s);

/**
 * The one codec of a cluster's member in Redis: `<voteId> <signal>=<value>,…`. Vote ids never
 * hold a space, signals never an `=` or a `,`.
 */
export function formatClusterMember(voteId: string, evidence: readonly Evidence[]): string {
  return `${voteId} ${evidence.map((e) => `${e.signal}=${e.value}`).join(',')}`;
}

/** Reads a member; undefined for anything that is not one. Unknown signals are left out. */
export function parseClusterMember(member: string): { voteId: string; evidence: Evidence[] } | undefined {
  const space = member.indexOf(' ');
  const voteId = space < 0 ? member : member.slice(0, space);
  if (voteId === '') return undefined;
  const evidence: Evidence[] = [];
  for (const part of space < 0 ? [] : member.slice(space + 1).split(',')) {
    const [signal = '', value = ''] = part.split('=');
    const n = Number(value);
    if (isSignal(signal) && value !== '' && Number.isFinite(n)) evidence.push({ signal, value: n });
  }
  return { voteId, evidence };
}

const PHRASES: Record<EvidenceSignal, (v: number) => string> = {
  deviceAccounts: (v) =>
    `sent from a device ${v > 1 ? `shared by ${v} accounts` : 'with one account so far'}`,
  voter: () => `the account's own vote`,
  firstVote: () => `the account's first vote here`,
  newAccount: (v) =>
    v === 0
      ? `the account's first vote here`
      : `an account new here (${Math.round(v / 1000)} s after its first vote)`,
  tapMs: (v) => (v < 0 ? 'no page shown before the tap' : `tapped ${v} ms after the page showed`),
  wechatRisk: (v) => `WeChat rates the account's risk ${v} of 4`,
  blockSuspects: (v) =>
    `counted after ${v} of the network's accounts for the candidate (this one too, if it had) had shown evidence of their own`,
  inviterInvitees: (v) =>
    `one of ${v} accounts the inviter's links had brought in 10 min when it was counted`,
  inviterSuspects: (v) => `${v} of them (this one too, if it had) with evidence of their own`,
};

/** A member's evidence in words: "the account's first vote here; tapped 240 ms after the page showed". */
export function describeEvidence(evidence: readonly Evidence[]): string {
  if (evidence.length === 0) return 'no evidence of its own on record';
  return evidence.map((e) => PHRASES[e.signal](e.value)).join('; ');
}
