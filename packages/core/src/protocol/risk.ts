import { z } from 'zod';
import { candidateIdSchema, voterIdSchema } from './ids.js';
import { deviceIdSchema } from './vote-context.js';

/**
 * Risk control (刷票 detection): what the workers measure about each vote, the rules that judge
 * those measurements, the decision they come to, and the alerts they raise. What hosts list and
 * do about held votes is in risk-review.ts, the risk dashboard in risk-dashboard.ts. The rules
 * themselves are in `@rallyboard/core/risk`; docs/risk.md explains each one and its default.
 */

/** The sliding windows features are counted over, in milliseconds. Fixed; the thresholds are not. */
export const RISK_WINDOWS = {
  /** Counts per IP, subnet, fingerprint, candidate and voter. */
  shortMs: 10 * 60_000,
  /** Accounts per device: a device farm rotates accounts slowly. */
  longMs: 24 * 3_600_000,
  /** A candidate's recent rate, compared with its baseline. */
  spikeMs: 2 * 60_000,
  /** The baseline a candidate's recent rate is compared with. */
  baselineMs: 30 * 60_000,
  /** An account whose first vote on the board was this recent counts as new. */
  newAccountMs: 60_000,
  /** A tap this soon after the page showed is a bot's, for a wave of new accounts (see candidateWave). */
  waveTapMs: 1_000,
} as const;

/**
 * What the worker measured about one vote, at its acceptance time, from the votes before it.
 * `null`: not measurable (no device id sent, too few earlier votes, WeChat did not answer).
 */
export const riskFeaturesSchema = z.object({
  /** The voter's votes on this board in the short window, this one included. */
  voterVotes: z.number().int(),
  /** Coefficient of variation of the voter's last intervals between votes (needs 4 intervals: 5 votes). */
  voterIntervalCv: z.number().nullable(),
  /** How many intervals that variation is of (at most 8). */
  voterIntervals: z.number().int().default(0),
  /** Milliseconds from the page being shown to the tap; null when the client sent none. */
  dwellMs: z.number().nullable(),
  /** Milliseconds since this board first saw the voter. */
  accountAgeMs: z.number(),
  /** Accounts seen on this device id in the long window. */
  deviceAccounts: z.number().int().nullable(),
  /** Votes from this device id in the short window: no longer measured (no rule read it); kept on older records. */
  deviceVotes: z.number().int().nullable().optional(),
  /** Accounts seen with this fingerprint in the short window (its votes: as deviceVotes). */
  fingerprintAccounts: z.number().int().nullable(),
  fingerprintVotes: z.number().int().nullable().optional(),
  /** Accounts seen on this IP in the short window. */
  ipAccounts: z.number().int(),
  ipVotes: z.number().int().optional(),
  /** Accounts seen on this IPv4 /24 or IPv6 /64 in the short window. */
  subnetAccounts: z.number().int(),
  subnetVotes: z.number().int().optional(),
  /** Accounts voting for this candidate from this IP in the short window, and from this subnet in the long one. */
  ipCandidateAccounts: z.number().int(),
  subnetCandidateAccounts: z.number().int(),
  /** The candidate's votes in the spike window, this one included. */
  candidateRecent: z.number().int(),
  /** The candidate's average votes per spike window over the baseline before it. */
  candidateBaseline: z.number(),
  /** The share of the candidate's votes in the short window cast by new accounts. */
  candidateNewShare: z.number(),
  /** Votes on the candidate in the short window (the sample of candidateNewShare), and their voters. */
  candidateVotes: z.number().int(),
  candidateVoters: z.number().int(),
  /**
   * The share of the candidate's votes in the spike window that were brand-new accounts' first
   * votes tapped within `waveTapMs`: a bought wave.
   */
  candidateWaveShare: z.number(),
  /** How many votes that share is of. */
  candidateWaveVotes: z.number().int(),
  /** Milliseconds since the candidate's first vote: its baseline means something only past `baselineMs`. */
  candidateAgeMs: z.number(),
  /** Whether the voter came through a share link of someone on the same device or subnet. */
  sharesWithInviter: z.boolean(),
  /** How many links up the referral chain keep sharing a device or subnet (0: none). */
  ringDepth: z.number().int(),
  /** How many of the inviter's invitees share the inviter's device or subnet. */
  inviterSharedInvitees: z.number().int(),
  /** The participant whose share link brought the voter, if any. */
  inviterId: z.string().nullable(),
  /**
   * A new account's own evidence (its first vote here tapped at most the fastTap threshold or
   * without a dwell, WeChat's rank 2 or more, or a device shared with another account).
   * Measurements stored before it was measured read as none (the defaults below).
   */
  ownEvidence: z.boolean().default(false),
  /** Accounts with their own evidence voting for this candidate from this IP, and this subnet, in the short window. */
  ipCandidateSuspects: z.number().int().default(0),
  subnetCandidateSuspects: z.number().int().default(0),
  /**
   * The candidate's votes in the second up to this one (this one included), and in the five
   * seconds before that: a wave that starts all at once, or a crowd that keeps coming.
   */
  syncedVotes: z.number().int().default(0),
  votesBefore: z.number().int().default(0),
  /** Whether that second is bunched: at least 10 votes, 4 times the pace of the 5 s before. */
  bunched: z.boolean().default(false),
  /** The voter's earlier votes on this board that fell in bunched seconds. */
  voterWaves: z.number().int().default(0),
  /** For a first vote: the candidate's first votes in the spike window (this one included). */
  recentFirstVotes: z.number().int().default(0),
  /** For a first vote: the candidate's first votes in the spike window whose dwell is within 5% of this one's. */
  dwellTwins: z.number().int().default(0),
  /**
   * The candidate's first votes in the short window from accounts WeChat rates 2 or more, and
   * their share of its new accounts' votes there.
   */
  candidateRiskyNew: z.number().int().default(0),
  candidateRiskyNewShare: z.number().default(0),
  /**
   * Over the day: the candidate's first votes, those from accounts WeChat rates 2 or more, and
   * (for a first vote with a dwell) those whose dwell falls in this one's 10% bucket or the two
   * beside it: a cohort spread over hours.
   */
  candidateDayNew: z.number().int().default(0),
  candidateDayRiskyNew: z.number().int().default(0),
  dayDwellTwins: z.number().int().default(0),
  /** Over the day: the candidate's first votes in the four buckets 3 and 4 away from this dwell's, either side. */
  dayDwellAround: z.number().int().default(0),
  /** Every invitee the inviter's share links brought in the short window. */
  inviterInvitees: z.number().int().default(0),
  /** WeChat's getUserRiskRank, 0–4, cached from the voter's login; null when unknown. */
  wechatRiskRank: z.number().int().min(0).max(4).nullable(),
});
export type RiskFeatures = z.infer<typeof riskFeaturesSchema>;

export const RISK_RULE_IDS = [
  'deviceAccounts',
  'fingerprintAccounts',
  'ipAccounts',
  'subnetAccounts',
  'ipCandidateAccounts',
  'subnetCandidateAccounts',
  'voterRate',
  'regularTiming',
  'fastTap',
  'newAccount',
  'candidateSpike',
  'candidateNewAccounts',
  'referralRing',
  'wechatRisk',
  'lockstep',
  'tightDwell',
  'referralFanout',
  'riskyCohort',
] as const;
export const riskRuleIdSchema = z.enum(RISK_RULE_IDS);
export type RiskRuleId = z.infer<typeof riskRuleIdSchema>;

/**
 * What a rule that fires does: `score` adds its weight to the vote's score; `review` holds the
 * vote whatever the score; `reject` rejects it whatever the score.
 */
export const RISK_ACTIONS = ['score', 'review', 'reject'] as const;
export const riskActionSchema = z.enum(RISK_ACTIONS);
export type RiskAction = z.infer<typeof riskActionSchema>;

export const riskRuleSettingsSchema = z.strictObject({
  enabled: z.boolean(),
  /** The value at which the rule fires (see each rule: some fire at or above, some at or below). */
  threshold: z.number().min(0).max(1_000_000),
  weight: z.number().min(0).max(10),
  action: riskActionSchema,
});
export type RiskRuleSettings = z.infer<typeof riskRuleSettingsSchema>;

/** A campaign's risk settings: every rule, and the scores at which a vote is held or rejected. */
export const riskSettingsSchema = z
  .strictObject({
    enabled: z.boolean(),
    /** A vote whose score reaches this is held for review. */
    reviewAt: z.number().min(0).max(100),
    /** A vote whose score reaches this is rejected. */
    rejectAt: z.number().min(0).max(100),
    rules: z.strictObject(
      Object.fromEntries(RISK_RULE_IDS.map((id) => [id, riskRuleSettingsSchema])) as Record<
        RiskRuleId,
        typeof riskRuleSettingsSchema
      >,
    ),
  })
  .refine((s) => s.rejectAt >= s.reviewAt, {
    message: 'rejectAt must not be below reviewAt',
    path: ['rejectAt'],
  });
export type RiskSettings = z.infer<typeof riskSettingsSchema>;

const riskRulePatchSchema = riskRuleSettingsSchema.partial();

/** What a host may send to change a campaign's risk settings: any part; the rest stays. */
export const riskSettingsPatchSchema = z.strictObject({
  enabled: z.boolean().optional(),
  reviewAt: z.number().min(0).max(100).optional(),
  rejectAt: z.number().min(0).max(100).optional(),
  rules: z
    .strictObject(
      Object.fromEntries(RISK_RULE_IDS.map((id) => [id, riskRulePatchSchema])) as Record<
        RiskRuleId,
        typeof riskRulePatchSchema
      >,
    )
    .partial()
    .optional(),
});
export type RiskSettingsPatch = z.infer<typeof riskSettingsPatchSchema>;

/** One fired rule, as data and as the sentence a host reads. */
export const riskReasonSchema = z.object({
  rule: riskRuleIdSchema,
  value: z.number(),
  threshold: z.number(),
  weight: z.number(),
  action: riskActionSchema,
  text: z.string(),
});
export type RiskReason = z.infer<typeof riskReasonSchema>;

export const RISK_VERDICTS = ['accept', 'review', 'reject'] as const;
export type RiskVerdict = (typeof RISK_VERDICTS)[number];

/**
 * A cluster a vote belongs to, for grouping held votes: `device:<id>`, `fingerprint:<hash>`,
 * `ip:<address>`, `subnet:<cidr>` (with `@<candidate>` when it is the accounts of that network
 * voting for one candidate), `voter:<id>`, `ring:<inviter>` or `wave:<candidate>` (a wave of
 * brand-new accounts voting for one candidate with a bot's tap).
 */
export const riskClusterSchema = z
  .string()
  .regex(/^(device|fingerprint|ip|subnet|voter|ring|wave):[^\s]{1,200}$/);

/** A vote's risk decision, kept in the ledger. */
export const riskAssessmentSchema = z.object({
  verdict: z.enum(RISK_VERDICTS),
  score: z.number(),
  reasons: z.array(riskReasonSchema),
  /** The clusters the fired rules point at (empty for an accepted vote). */
  clusters: z.array(riskClusterSchema),
  /** The vote's IPv4 /24 or IPv6 /64, and /16 or /32, for grouping and void-by-rule. */
  net24: z.string(),
  net16: z.string(),
  features: riskFeaturesSchema,
});
export type RiskAssessment = z.infer<typeof riskAssessmentSchema>;

const isoDate = z.iso.datetime({ offset: true });

/**
 * Void by rule: every vote of the campaign that matches all the given conditions, counted or
 * held, between `from` and `to` (acceptance time).
 */
export const voidRuleSchema = z
  .strictObject({
    from: isoDate,
    to: isoDate,
    candidateId: candidateIdSchema.optional(),
    /** An address or a CIDR block: `1.2.3.4`, `1.2.3.0/24`, `240e:1:2:3::/64`. */
    network: z
      .string()
      .max(64)
      .regex(/^[0-9A-Fa-f:.]+(\/\d{1,3})?$/, 'must be an IP address or a CIDR block')
      .optional(),
    deviceId: deviceIdSchema.optional(),
    voterId: voterIdSchema.optional(),
    note: z.string().trim().max(500).optional(),
  })
  .refine((r) => Date.parse(r.from) < Date.parse(r.to), { message: 'from must be before to', path: ['to'] })
  .refine((r) => r.candidateId || r.network || r.deviceId || r.voterId, {
    message: 'name at least one of candidateId, network, deviceId, voterId',
  });
export type VoidRule = z.infer<typeof voidRuleSchema>;

// ---------------------------------------------------------------------------------------------
// Alerts

/** A candidate's spike, a cluster risk control stopped, or vote jobs that failed for good. */
export const ALERT_KINDS = ['candidate-spike', 'cluster', 'dead-letter'] as const;

export const riskAlertSchema = z.object({
  id: z.string(),
  campaignId: z.string(),
  kind: z.enum(ALERT_KINDS),
  /** The candidate of a spike; the cluster of a cluster alert; the job of a dead letter. */
  subject: z.string(),
  /** The alert in one sentence, and what the host should do. */
  text: z.string(),
  advice: z.string(),
  /** The measurements behind it. */
  data: z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()])),
  at: isoDate,
});
export type RiskAlert = z.infer<typeof riskAlertSchema>;

export const alertListSchema = z.object({ alerts: z.array(riskAlertSchema) });

/** Host socket namespace: events. */
export const HOST_NAMESPACE = '/host';
export const HOST_EVENTS = { subscribe: 'alerts:subscribe', alert: 'risk:alert' } as const;
