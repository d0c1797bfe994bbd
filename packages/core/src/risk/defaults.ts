import {
  RISK_RULE_IDS,
  type RiskSettings,
  type RiskSettingsPatch,
  riskSettingsSchema,
} from '../protocol/risk.js';

/**
 * The defaults: tuned with `npm run sweep -- --split tuning` (never on the held-out seeds it
 * reports on); docs/risk.md says why each is what it is.
 */
export const DEFAULT_RISK_SETTINGS: RiskSettings = {
  enabled: true,
  reviewAt: 1,
  rejectAt: 3,
  rules: {
    deviceAccounts: { enabled: true, threshold: 4, weight: 1, action: 'score' },
    fingerprintAccounts: { enabled: true, threshold: 50, weight: 0.1, action: 'score' },
    ipAccounts: { enabled: true, threshold: 15, weight: 0.1, action: 'score' },
    subnetAccounts: { enabled: true, threshold: 40, weight: 0.05, action: 'score' },
    ipCandidateAccounts: { enabled: true, threshold: 8, weight: 0.6, action: 'score' },
    subnetCandidateAccounts: { enabled: true, threshold: 5, weight: 0.5, action: 'score' },
    voterRate: { enabled: true, threshold: 10, weight: 0.5, action: 'score' },
    regularTiming: { enabled: true, threshold: 0.2, weight: 1, action: 'score' },
    fastTap: { enabled: true, threshold: 1_000, weight: 0.3, action: 'score' },
    newAccount: { enabled: true, threshold: 0, weight: 0.2, action: 'score' },
    candidateSpike: { enabled: true, threshold: 5, weight: 0.1, action: 'score' },
    candidateNewAccounts: { enabled: true, threshold: 0.2, weight: 0.5, action: 'score' },
    referralRing: { enabled: true, threshold: 3, weight: 1, action: 'score' },
    wechatRisk: { enabled: true, threshold: 3, weight: 1, action: 'score' },
    lockstep: { enabled: true, threshold: 2, weight: 1, action: 'score' },
    tightDwell: { enabled: true, threshold: 0.7, weight: 1, action: 'score' },
    referralFanout: { enabled: true, threshold: 20, weight: 0.8, action: 'score' },
    riskyCohort: { enabled: true, threshold: 0.15, weight: 1, action: 'score' },
  },
};

/**
 * A change over risk settings (the defaults, or a campaign's own changes): the change's fields
 * win, and each rule it names is merged field by field. Unchecked: see resolveRiskSettings.
 */
export function mergeRiskSettings(
  base: RiskSettingsPatch,
  change: RiskSettingsPatch = {},
): RiskSettingsPatch {
  const rules = { ...base.rules };
  for (const id of RISK_RULE_IDS) {
    const ruleChange = change.rules?.[id];
    if (ruleChange) rules[id] = { ...rules[id], ...ruleChange };
  }
  return {
    ...base,
    ...(change.enabled === undefined ? {} : { enabled: change.enabled }),
    ...(change.reviewAt === undefined ? {} : { reviewAt: change.reviewAt }),
    ...(change.rejectAt === undefined ? {} : { rejectAt: change.rejectAt }),
    ...(Object.keys(rules).length > 0 ? { rules } : {}),
  };
}

/** A campaign's settings: its changes over the defaults, checked whole (throws a ZodError). */
export function resolveRiskSettings(patch: RiskSettingsPatch | undefined): RiskSettings {
  return riskSettingsSchema.parse(mergeRiskSettings(DEFAULT_RISK_SETTINGS, patch));
}
