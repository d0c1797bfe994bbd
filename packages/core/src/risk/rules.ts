import {
  RISK_RULE_IDS,
  RISK_WINDOWS,
  type RiskAssessment,
  type RiskFeatures,
  type RiskReason,
  type RiskRuleId,
  type RiskSettings,
} from '../protocol/risk.js';
import { formatClusterId } from './cluster-id.js';
import { networksOf } from './network.js';
import { cohortWave, isNew, riskyShare, strongestTwins, suspicious, twinShare } from './signals.js';

/** What a rule knows of the vote besides its features: for naming clusters. */
export interface RiskSubject {
  candidateId: string;
  voterId?: string | undefined;
  ip: string;
  deviceId?: string | undefined;
  fingerprint?: string | undefined;
}

interface RuleDefinition {
  /** `atLeast`: fires when the value reaches the threshold; `atMost`: when it is at or below it. */
  direction: 'atLeast' | 'atMost';
  /** The measured value, or null when it cannot be measured (the rule does not fire). */
  value(f: RiskFeatures): number | null;
  /** The vote's reason in one sentence. */
  describe(value: number, f: RiskFeatures, s: RiskSubject): string;
  /** The cluster the rule points at, if any. */
  cluster?(f: RiskFeatures, s: RiskSubject): string | undefined;
  /**
   * Whether a firing holds the cluster's earlier counted votes too (see review/hold-cluster):
   * only rules whose cluster is tight enough that the earlier votes are as suspect as this one.
   */
  holdsCluster?: boolean;
}

const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;
const SHORT = minutes(RISK_WINDOWS.shortMs);
const short = (id: string) => (id.length > 12 ? `${id.slice(0, 10)}…` : id);
const percent = (x: number) => `${Math.round(x * 100)}%`;
/** The fewest votes of a candidate that can make a spike or a wave of new accounts. */
const WAVE_MIN_VOTES = 10;
/** What a new account's own evidence is, in the sentences. */
const EVIDENCE = 'a fast tap, no page shown, WeChat rank 2+, or a shared phone';
/** The fewest intervals regular timing is judged from. */
const LONG_HISTORY = 6;
/**
 * The longest mean interval regular timing judges. A person's habit (a vote every morning on the
 * way to work, in a campaign that lasts weeks) is as regular as a timer over days; a script that
 * waits hours between votes gets a few a day, which the quota bounds anyway. Chosen, not tuned:
 * the sweep's runs last three hours.
 */
const HABIT_MS = 6 * 3_600_000;

/** The rules, in the order their reasons are listed. docs/risk.md explains each. */
export const RISK_RULES: Readonly<Record<RiskRuleId, RuleDefinition>> = {
  deviceAccounts: {
    direction: 'atLeast',
    value: (f) => f.deviceAccounts,
    describe: (v, _f, s) => `device ${short(s.deviceId ?? '')} shared by ${v} accounts in 24 h`,
    cluster: (_f, s) => (s.deviceId ? formatClusterId({ kind: 'device', subject: s.deviceId }) : undefined),
    holdsCluster: true,
  },
  fingerprintAccounts: {
    direction: 'atLeast',
    value: (f) => f.fingerprintAccounts,
    describe: (v) => `device fingerprint shared by ${v} accounts in ${SHORT}`,
    cluster: (_f, s) =>
      s.fingerprint ? formatClusterId({ kind: 'fingerprint', subject: s.fingerprint }) : undefined,
  },
  ipAccounts: {
    direction: 'atLeast',
    value: (f) => f.ipAccounts,
    describe: (v, _f, s) => `IP ${s.ip} used by ${v} accounts in ${SHORT}`,
    cluster: (_f, s) => formatClusterId({ kind: 'ip', subject: s.ip }),
  },
  subnetAccounts: {
    direction: 'atLeast',
    value: (f) => f.subnetAccounts,
    describe: (v, _f, s) => `network ${networksOf(s.ip).net24} used by ${v} accounts in ${SHORT}`,
    cluster: (_f, s) => formatClusterId({ kind: 'subnet', subject: networksOf(s.ip).net24 }),
  },
  ipCandidateAccounts: {
    direction: 'atLeast',
    // One address: only a vote with evidence of its own, so a NAT address is no lever for
    // getting its other users held (framing).
    value: (f) =>
      f.ownEvidence && suspicious(f.ipCandidateSuspects, f.ipCandidateAccounts) ? f.ipCandidateSuspects : 0,
    describe: (v, f, s) =>
      `${v} of the ${f.ipCandidateAccounts} accounts on IP ${s.ip} voting for this candidate in ${SHORT} were new accounts with evidence of their own (${EVIDENCE}), this one too`,
    cluster: (_f, s) => formatClusterId({ kind: 'ip', subject: s.ip, candidateId: s.candidateId }),
    holdsCluster: true,
  },
  subnetCandidateAccounts: {
    direction: 'atLeast',
    // A block over the day: a farm spread over its addresses and hours; every account new here.
    value: (f) =>
      isNew(f) && suspicious(f.subnetCandidateSuspects, f.subnetCandidateAccounts)
        ? f.subnetCandidateSuspects
        : 0,
    describe: (v, f, s) =>
      `${v} of the ${f.subnetCandidateAccounts} accounts on network ${networksOf(s.ip).net24} voting for this candidate in 24 h were new accounts with evidence of their own (${EVIDENCE}); this account is new here too`,
    cluster: (_f, s) =>
      formatClusterId({ kind: 'subnet', subject: networksOf(s.ip).net24, candidateId: s.candidateId }),
    holdsCluster: true,
  },
  voterRate: {
    direction: 'atLeast',
    value: (f) => f.voterVotes,
    describe: (v) => `${v} votes from one account in ${SHORT}`,
    cluster: (_f, s) => (s.voterId ? formatClusterId({ kind: 'voter', subject: s.voterId }) : undefined),
  },
  regularTiming: {
    direction: 'atMost',
    // Four or five intervals of a person line up by chance (a fast voter tapping through a list);
    // six or more hardly ever do. Fewer than six are not judged, nor intervals of hours (a habit).
    value: (f) =>
      f.voterIntervalCv === null ||
      f.voterIntervals < LONG_HISTORY ||
      (f.voterIntervalMeanMs !== null && f.voterIntervalMeanMs > HABIT_MS)
        ? null
        : f.voterIntervalCv,
    describe: (_v, f) =>
      `votes at machine-regular intervals (${f.voterIntervals} of them vary by only ${percent(f.voterIntervalCv ?? 0)})`,
    cluster: (_f, s) => (s.voterId ? formatClusterId({ kind: 'voter', subject: s.voterId }) : undefined),
    holdsCluster: true,
  },
  fastTap: {
    direction: 'atMost',
    // No dwell time at all: the vote did not come from our page.
    value: (f) => f.dwellMs ?? 0,
    describe: (v, f) =>
      f.dwellMs === null
        ? 'voted without the page being shown (no dwell time)'
        : `tapped ${v} ms after the page showed`,
  },
  newAccount: {
    direction: 'atMost',
    value: (f) => f.accountAgeMs,
    describe: () => `the account's first vote here`,
  },
  candidateSpike: {
    direction: 'atLeast',
    // Only once the candidate has a baseline: in a young campaign every candidate "spikes".
    value: (f) =>
      f.candidateRecent >= WAVE_MIN_VOTES && f.candidateAgeMs >= RISK_WINDOWS.baselineMs
        ? f.candidateRecent / Math.max(f.candidateBaseline, 1)
        : 0,
    describe: (v, f) =>
      `the candidate got ${f.candidateRecent} votes in ${minutes(RISK_WINDOWS.spikeMs)}, ${v.toFixed(1)}× its usual rate`,
  },
  candidateNewAccounts: {
    direction: 'atLeast',
    // Only against a brand-new account's own vote: a wave of fresh accounts tapping at once. No
    // baseline needed, so it works from a campaign's first minute; a host's call for votes
    // brings back known voters, who read before they tap. Real newcomers almost never tap within
    // a second: a tenth of a candidate's votes doing so, ten or more of them, is a wave even
    // while real voters keep voting for the same candidate.
    value: (f) =>
      f.accountAgeMs <= RISK_WINDOWS.newAccountMs && f.candidateWaveVotes >= WAVE_MIN_VOTES
        ? f.candidateWaveShare
        : 0,
    describe: (v, f) =>
      `${f.candidateWaveVotes} of the candidate's ${f.candidateRecent} votes in ${minutes(RISK_WINDOWS.spikeMs)} (${percent(v)}) were brand-new accounts tapping within ${RISK_WINDOWS.waveTapMs / 1000} s`,
    // A wave's earlier votes with a bot's tap (see review-actions.ts, `wave:`).
    cluster: (_f, s) => formatClusterId({ kind: 'wave', subject: s.candidateId }),
    holdsCluster: true,
  },
  referralRing: {
    direction: 'atLeast',
    value: (f) => (f.sharesWithInviter ? Math.max(f.ringDepth, f.inviterSharedInvitees) : 0),
    describe: (v) => `referred by an account on the same phone, ${v} times over in a chain`,
    cluster: (f) => (f.inviterId ? formatClusterId({ kind: 'ring', subject: f.inviterId }) : undefined),
  },
  wechatRisk: {
    direction: 'atLeast',
    value: (f) => f.wechatRiskRank,
    describe: (v) => `WeChat rates the account's risk ${v} of 4`,
  },
  lockstep: {
    direction: 'atLeast',
    // A vote in a bunched second (many votes for the candidate at once, far above the pace just
    // before), from a voter who was in one before: a script's accounts come back wave after
    // wave, wherever their addresses. A crowd answering a host's call bunches once.
    // The wave must be a cohort's: most of it voters who were in one before.
    value: (f) => (f.bunched && cohortWave(f) ? f.voterWaves + 1 : 0),
    describe: (v, f) =>
      `voted in ${v} bunched waves (this one: ${f.syncedVotes} votes for the candidate within a second, against ${f.votesBefore} in the 5 s before${f.syncedReturning === undefined ? '' : `; ${f.syncedReturning} of them from voters in a wave before`})`,
    cluster: (_f, s) => (s.voterId ? formatClusterId({ kind: 'voter', subject: s.voterId }) : undefined),
    holdsCluster: true,
  },
  tightDwell: {
    direction: 'atLeast',
    // Humans read for very different times; emulators driven by one script do not. Over the
    // last 2 minutes (within 5%) and over the day (10% and 2% buckets), for a cohort spread over
    // hours. The sentence names the measure that gave the value.
    value: (f) => twinShare(f),
    describe: (v, f) => {
      const top = strongestTwins(f);
      return top?.within === '5%'
        ? `${percent(v)} of the candidate's first votes in 2 min (${top.twins}) tapped within about 5% of this one's ${f.dwellMs ?? 0} ms`
        : `of the candidate's ${top?.twins ?? 0} first votes today within about ${top?.within ?? '30%'} of this one's ${f.dwellMs ?? 0} ms, ${percent(v)} stand above the spread of dwell times around them`;
    },
  },
  riskyCohort: {
    direction: 'atLeast',
    // Bought accounts come in cohorts, and WeChat doubts many of them; real newcomers, a few in
    // a hundred. Over 10 minutes and over the day (a cohort spread over hours). Only against an
    // account new here that WeChat doubts itself (rank 2 or more): a real newcomer to a
    // candidate under attack is not held for the cohort.
    value: (f) => (isNew(f) && (f.wechatRiskRank ?? 0) >= 2 ? riskyShare(f) : 0),
    describe: (v, f) =>
      `${Math.max(f.candidateRiskyNew, f.candidateDayRiskyNew)} of the candidate's new accounts (${percent(v)}) are rated 2 or more by WeChat, and this one ${f.wechatRiskRank}`,
  },
  referralFanout: {
    direction: 'atLeast',
    // A popular sharer's group chats bring dozens of real friends in minutes too; a bought
    // tree's accounts show evidence of their own (WeChat's doubt, a tap faster than reading) far
    // more often: the fan-out counts only when as many of them as a farm's do.
    value: (f) => (suspicious(f.inviterSuspects, f.inviterInvitees) ? f.inviterInvitees : 0),
    describe: (v, f) =>
      `one of ${v} accounts the same inviter's share links brought in ${SHORT}, ${f.inviterSuspects} of them with evidence of their own (${EVIDENCE})`,
    cluster: (f) => (f.inviterId ? formatClusterId({ kind: 'ring', subject: f.inviterId }) : undefined),
    // The tree's earlier invitees, counted once it had brought a quarter of the threshold (evidence.ts).
    holdsCluster: true,
  },
};

const round = (x: number) => Math.round(x * 1000) / 1000;

/**
 * Judges one vote: a pure function of its features, its subject and the settings, so the same
 * inputs always give the same verdict. Every fired rule adds its weight to the score, or forces
 * its action; the verdict is the most severe of the forced actions and of the score's
 * (`reviewAt`, `rejectAt`).
 */
export function assessVote(
  features: RiskFeatures,
  subject: RiskSubject,
  settings: RiskSettings,
): RiskAssessment & { holdClusters: string[] } {
  const networks = networksOf(subject.ip);
  const reasons: RiskReason[] = [];
  const clusters: string[] = [];
  const holdClusters: string[] = [];
  let score = 0;
  let forced: 'accept' | 'review' | 'reject' = 'accept';
  if (settings.enabled) {
    for (const id of RISK_RULE_IDS) {
      const rule = RISK_RULES[id];
      const config = settings.rules[id];
      if (!config.enabled) continue;
      const value = rule.value(features);
      if (value === null) continue;
      const fires =
        rule.direction === 'atLeast' ? value >= config.threshold && value > 0 : value <= config.threshold;
      if (!fires) continue;
      score += config.weight;
      if (config.action === 'reject') forced = 'reject';
      else if (config.action === 'review' && forced === 'accept') forced = 'review';
      reasons.push({
        rule: id,
        value: round(value),
        threshold: config.threshold,
        weight: config.weight,
        action: config.action,
        text: rule.describe(round(value), features, subject),
      });
      const cluster = rule.cluster?.(features, subject);
      if (cluster && !clusters.includes(cluster)) clusters.push(cluster);
      if (cluster && rule.holdsCluster && !holdClusters.includes(cluster)) holdClusters.push(cluster);
    }
  }
  score = round(score);
  const byScore = score >= settings.rejectAt ? 'reject' : score >= settings.reviewAt ? 'review' : 'accept';
  const order = { accept: 0, review: 1, reject: 2 } as const;
  const verdict = order[forced] > order[byScore] ? forced : byScore;
  return {
    verdict,
    score,
    reasons,
    clusters: verdict === 'accept' ? [] : clusters,
    holdClusters: verdict === 'accept' ? [] : holdClusters,
    net24: networks.net24,
    net16: networks.net16,
    features,
  };
}

/** A verdict's reasons in one sentence: "held: device … shared by 7 accounts in 24 h; …". */
export function explainAssessment(assessment: Pick<RiskAssessment, 'verdict' | 'reasons' | 'score'>): string {
  const head = { accept: 'accepted', review: 'held for review', reject: 'rejected' }[assessment.verdict];
  if (assessment.reasons.length === 0) return `${head}: nothing unusual`;
  return `${head} (score ${assessment.score}): ${assessment.reasons.map((r) => r.text).join('; ')}`;
}
