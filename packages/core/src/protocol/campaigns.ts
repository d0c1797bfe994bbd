import { z } from 'zod';
import { DEFAULT_TIMEZONE, instantSchema, isTimeZone } from './day.js';
import { AppError } from './errors.js';
import { campaignGroupSchema, rankingViewSchema } from './groups.js';
import { hostIdSchema } from './hosts.js';
import { boardIdSchema, candidateIdSchema } from './ids.js';
import { screenWindowSchema } from './leaderboard.js';
import { nextCursorSchema, pageQuerySchema } from './pages.js';
import { weekStartsOnSchema } from './periods.js';

/** What a board counts: votes (with quotas) or likes (one per participant, taken back by unlike). */
export const BOARD_KINDS = ['vote', 'like'] as const;
export type BoardKind = (typeof BOARD_KINDS)[number];

/**
 * A campaign's life. `frozen` is 封榜: the public ranking stops changing while counting goes on.
 *
 *     draft → scheduled → live ⇄ paused
 *                 ↓        ↓       ↓
 *               draft    frozen ← ─┘ → ended → archived
 *                          ↓
 *                        ended
 */
export const CAMPAIGN_STATUSES = [
  'draft',
  'scheduled',
  'live',
  'paused',
  'frozen',
  'ended',
  'archived',
] as const;
export const campaignStatusSchema = z.enum(CAMPAIGN_STATUSES);
export type CampaignStatus = z.infer<typeof campaignStatusSchema>;

/** Every allowed move; anything else is refused with INVALID_TRANSITION. */
export const CAMPAIGN_TRANSITIONS: Readonly<Record<CampaignStatus, readonly CampaignStatus[]>> = {
  draft: ['scheduled'],
  scheduled: ['draft', 'live'],
  live: ['paused', 'frozen', 'ended'],
  paused: ['live', 'frozen', 'ended'],
  frozen: ['ended'],
  ended: ['archived'],
  archived: [],
};

/** Throws INVALID_TRANSITION, naming the moves that are allowed, unless `from → to` is one. */
export function assertTransition(from: CampaignStatus, to: CampaignStatus): void {
  const allowed = CAMPAIGN_TRANSITIONS[from];
  if (!allowed.includes(to)) {
    throw new AppError('INVALID_TRANSITION', {
      message: `A ${from} campaign cannot become ${to}.`,
      details: { from, to, allowed },
    });
  }
}

/** Votes are taken while a campaign is live or frozen (counting goes on behind a frozen ranking). */
export const acceptsVotes = (status: CampaignStatus): boolean => status === 'live' || status === 'frozen';

/** A host may reveal the final ranking (揭晓) once the freeze held it back, or the campaign is over. */
export const canReveal = (status: CampaignStatus): boolean => status === 'frozen' || status === 'ended';

/** The public ranking moves only while live or paused; frozen shows the ranking at the freeze. */
export const rankingIsPublic = (status: CampaignStatus): boolean => status !== 'frozen';

const httpsUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2_048);

const text = (max: number) => z.string().trim().min(1).max(max);

/** Host-set tags (兴趣标签): what a participant's likes teach the recommendations (docs/rewards.md). */
export const tagsSchema = z
  .array(
    z
      .string()
      .trim()
      .min(1)
      .max(20)
      .regex(/^[^,，]+$/, 'a tag has no comma'),
  )
  .max(10)
  .refine((tags) => new Set(tags).size === tags.length, { message: 'tags must be unique' });

export const campaignMemberSchema = z.strictObject({
  candidateId: candidateIdSchema,
  name: text(100),
  imageUrl: httpsUrl.optional(),
  description: z.string().trim().max(2_000).optional(),
  /** Optional grouping for display, e.g. a class or a region. */
  group: text(100).optional(),
  tags: tagsSchema.optional(),
});
export type CampaignMember = z.infer<typeof campaignMemberSchema>;

const quota = z.number().int().min(1).max(100_000);

/** Vote limits per participant. Like campaigns use toggle semantics and take no quotas. */
export const campaignRulesSchema = z.strictObject({
  votesPerUserPerDay: quota.optional(),
  votesPerUserPerCandidatePerDay: quota.optional(),
  votesPerUserTotal: quota.optional(),
});
export type CampaignRules = z.infer<typeof campaignRulesSchema>;

const timezoneSchema = z.string().refine(isTimeZone, 'is not an IANA timezone');
const scheduleFields = {
  startAt: instantSchema,
  endAt: instantSchema,
  /**
   * The first day of the weekly ranking's week: 1 Monday … 7 Sunday. Monday for a new campaign
   * that leaves it out; a change that leaves it out keeps it.
   */
  weekStartsOn: weekStartsOnSchema.optional(),
};
const endsAfterStart = (s: { startAt: string; endAt: string }) => Date.parse(s.endAt) > Date.parse(s.startAt);
const ENDS_AFTER_START = { message: 'must end after it starts', path: ['endAt'] };

/** A new campaign's schedule: its timezone `Asia/Shanghai` when left out. */
export const campaignScheduleSchema = z
  .strictObject({ ...scheduleFields, timezone: timezoneSchema.default(DEFAULT_TIMEZONE) })
  .refine(endsAfterStart, ENDS_AFTER_START);
/**
 * A change of a campaign's schedule: a timezone left out keeps the campaign's (as the week start
 * does; until 2026-12-07 it became `Asia/Shanghai`, moving a scheduled campaign's day boundaries).
 */
const scheduleChangeSchema = z
  .strictObject({ ...scheduleFields, timezone: timezoneSchema.optional() })
  .refine(endsAfterStart, ENDS_AFTER_START);
export type CampaignSchedule = z.infer<typeof campaignScheduleSchema>;

const campaignFields = {
  title: text(200),
  description: z.string().trim().max(10_000).default(''),
  coverImageUrl: httpsUrl.optional(),
  kind: z.enum(BOARD_KINDS),
  members: z.array(campaignMemberSchema).max(2_000),
  schedule: campaignScheduleSchema,
  visibility: z.enum(['public', 'unlisted']).default('public'),
  rules: campaignRulesSchema.default({}),
  tags: tagsSchema.optional(),
};

function membersUnique(members: readonly CampaignMember[] | undefined): boolean {
  if (!members) return true;
  return new Set(members.map((m) => m.candidateId)).size === members.length;
}

const likeWithoutQuotas = (v: { kind?: BoardKind; rules?: CampaignRules }) =>
  v.kind !== 'like' || Object.values(v.rules ?? {}).every((q) => q === undefined);

/** Body of creating a campaign. It starts as a draft. */
export const createCampaignBodySchema = z
  .strictObject(campaignFields)
  .refine((v) => membersUnique(v.members), { message: 'candidate ids must be unique', path: ['members'] })
  .refine(likeWithoutQuotas, { message: 'a like campaign takes no vote quotas', path: ['rules'] });
export type CreateCampaignBody = z.infer<typeof createCampaignBodySchema>;

/**
 * Body of changing a campaign: any of its fields. The kind is fixed once created. Which fields
 * may change depends on the status (see server/src/campaigns/edits.ts); `hostIds` (the co-hosts)
 * only an admin may change.
 */
export const updateCampaignBodySchema = z
  .strictObject({
    title: campaignFields.title.optional(),
    description: z.string().trim().max(10_000).optional(),
    coverImageUrl: httpsUrl.optional(),
    members: campaignFields.members.optional(),
    schedule: scheduleChangeSchema.optional(),
    visibility: z.enum(['public', 'unlisted']).optional(),
    rules: campaignRulesSchema.optional(),
    tags: tagsSchema.optional(),
    hostIds: z.array(hostIdSchema).max(20).optional(),
  })
  .refine((v) => membersUnique(v.members), { message: 'candidate ids must be unique', path: ['members'] })
  .refine((v) => Object.keys(v).length > 0, { message: 'change at least one field' });
export type UpdateCampaignBody = z.infer<typeof updateCampaignBodySchema>;

/** Body of moving a campaign along its life. */
export const campaignTransitionBodySchema = z.strictObject({ status: campaignStatusSchema });

/** Body of changing one member: any of its fields but its id. */
export const updateCampaignMemberBodySchema = campaignMemberSchema
  .omit({ candidateId: true })
  .partial()
  .refine((v) => Object.keys(v).length > 0, { message: 'change at least one field' });
export type UpdateCampaignMemberBody = z.infer<typeof updateCampaignMemberBodySchema>;

const scheduleView = z.object({
  startAt: z.iso.datetime(),
  endAt: z.iso.datetime(),
  timezone: z.string(),
  weekStartsOn: weekStartsOnSchema,
});

/** What hosts and participants both see of a campaign. */
const campaignBaseView = z.object({
  id: boardIdSchema,
  title: z.string(),
  description: z.string(),
  coverImageUrl: z.string().optional(),
  kind: z.enum(BOARD_KINDS),
  members: z.array(campaignMemberSchema),
  /** The candidates' groups, with the ids the group rankings take (see groups.ts). */
  groups: z.array(campaignGroupSchema),
  schedule: scheduleView,
  tags: z.array(z.string()).optional(),
});

/** A campaign as its hosts see it. */
export const campaignViewSchema = campaignBaseView.extend({
  visibility: z.enum(['public', 'unlisted']),
  rules: campaignRulesSchema,
  status: campaignStatusSchema,
  /** The host who created it. */
  createdBy: z.string(),
  /** Co-hosts an admin added: they may do all the creator may. */
  hostIds: z.array(z.string()),
  /** The ranking the big screens show (PUT …/screen). */
  screenWindow: screenWindowSchema,
  /** Whose ranking the big screens show: the candidates or the groups (see ScreenView.view). */
  screenView: rankingViewSchema,
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type CampaignView = z.infer<typeof campaignViewSchema>;

/** `GET /api/campaigns`: newest first; `status` narrows it. */
export const campaignListQuerySchema = pageQuerySchema.extend({ status: campaignStatusSchema.optional() });
export type CampaignListQuery = z.infer<typeof campaignListQuerySchema>;

export const campaignPageSchema = z.object({
  campaigns: z.array(campaignViewSchema),
  nextCursor: nextCursorSchema,
});
export type CampaignPage = z.infer<typeof campaignPageSchema>;

/** Statuses participants may see a campaign in: published, and not archived. */
export const PUBLISHED_STATUSES = [
  'scheduled',
  'live',
  'paused',
  'frozen',
  'ended',
] as const satisfies readonly CampaignStatus[];
export const isPublished = (status: CampaignStatus): boolean =>
  (PUBLISHED_STATUSES as readonly CampaignStatus[]).includes(status);

/**
 * A campaign as participants see it: no hosts, no visibility, and of its rules only the quotas
 * (null for no limit).
 */
export const publicCampaignSchema = campaignBaseView.extend({
  status: z.enum(PUBLISHED_STATUSES),
  quotas: z.object({
    perDay: z.number().int().nullable(),
    perCandidatePerDay: z.number().int().nullable(),
    total: z.number().int().nullable(),
  }),
});
export type PublicCampaign = z.infer<typeof publicCampaignSchema>;

export const publicCampaignPageSchema = z.object({
  campaigns: z.array(publicCampaignSchema),
  nextCursor: nextCursorSchema,
});
export type PublicCampaignPage = z.infer<typeof publicCampaignPageSchema>;
