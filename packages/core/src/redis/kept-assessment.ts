import { z } from 'zod';
import { type RiskAssessment, riskAssessmentSchema, riskClusterSchema } from '../protocol/risk.js';

/**
 * Risk control's assessment of a vote it did not accept, with its sentence and the clusters whose
 * counted votes it holds: what the workers' ledger record and follow-up of a stopped vote need.
 */
export type KeptAssessment = RiskAssessment & { text: string; holdClusters: string[] };

const keptAssessmentSchema = riskAssessmentSchema.extend({
  text: z.string(),
  holdClusters: z.array(riskClusterSchema),
});

/**
 * The one codec of the assessment applyVotes-9+.lua keeps beside a vote's marker (RiskKeys.decision,
 * VoteToApply.assessment): JSON, written by the vote's first run and read back whenever the vote
 * comes again as a duplicate, so its record and follow-up are the first run's whatever the
 * campaign's settings are by then.
 */
export const formatKeptAssessment = (assessment: KeptAssessment): string => JSON.stringify(assessment);

/** Reads a kept assessment; undefined when the text is not one (a later deploy's form, say). */
export function parseKeptAssessment(text: string): KeptAssessment | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = keptAssessmentSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
