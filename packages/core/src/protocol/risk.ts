import { z } from 'zod';
import { candidateIdSchema, voterIdSchema } from './ids.js';
import { riskFeaturesSchema } from './risk-features.js';
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

export { type RiskFeatures, riskFeaturesSchema } from './risk-features.js';

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
