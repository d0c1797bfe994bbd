import { z } from 'zod';

/** `GET /api/me/recommendations` (猜你喜欢): how many of each. */
export const recommendationsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(50).default(10),
});

const reasonSchema = z.object({
  /** `interest`: it carries tags the participant's likes taught; `popular`: counted votes, for want of any. */
  kind: z.enum(['interest', 'popular']),
  /** The tag that weighs most, for `interest`. */
  tag: z.string().optional(),
});

export const recommendedCandidateSchema = z.object({
  campaignId: z.string(),
  campaignTitle: z.string(),
  candidateId: z.string(),
  name: z.string(),
  imageUrl: z.string().optional(),
  tags: z.array(z.string()),
  reason: reasonSchema,
});
export type RecommendedCandidate = z.infer<typeof recommendedCandidateSchema>;

export const recommendedCampaignSchema = z.object({
  campaignId: z.string(),
  title: z.string(),
  coverImageUrl: z.string().optional(),
  tags: z.array(z.string()),
  reason: reasonSchema,
});
export type RecommendedCampaign = z.infer<typeof recommendedCampaignSchema>;

/** Candidates and campaigns the participant has not voted for or liked yet, best first. */
export const recommendationsSchema = z.object({
  /** False while the participant has turned personalised recommendations off: popular ones only. */
  personalized: z.boolean(),
  candidates: z.array(recommendedCandidateSchema),
  campaigns: z.array(recommendedCampaignSchema),
});

/** Body of `PUT /api/me/recommendation-settings`: personalised recommendations on or off. */
export const recommendationSettingsSchema = z.strictObject({ personalized: z.boolean() });
export type Recommendations = z.infer<typeof recommendationsSchema>;
