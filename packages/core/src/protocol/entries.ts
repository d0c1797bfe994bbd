import { z } from 'zod';
import { instantSchema } from './day.js';
import { boardIdSchema, candidateIdSchema } from './ids.js';
import { nextCursorSchema, pageQuerySchema } from './pages.js';

/**
 * Participants' own entries (报名): a campaign may open entries, each one a title, some text and
 * images, which become candidates once checked (WeChat's content security) and approved.
 *
 *     pending ──(checks pass)──→ in-review ──(host approves)──→ approved (a candidate)
 *        │  └──(auto-approval)────────────────────────────────→ approved
 *        ├──(a check says risky)──→ rejected ←──(host rejects)── in-review
 *        └──(author withdraws)──→ withdrawn ←──(author withdraws)─┘
 *
 *     approved ──(a host removes its candidate, before the campaign goes live)──→ removed
 */
export const ENTRY_STATUSES = [
  'pending',
  'in-review',
  'approved',
  'rejected',
  'withdrawn',
  'removed',
] as const;
export const entryStatusSchema = z.enum(ENTRY_STATUSES);
export type EntryStatus = z.infer<typeof entryStatusSchema>;

/** Statuses an author may still withdraw from: not yet decided. */
export const WITHDRAWABLE: readonly EntryStatus[] = ['pending', 'in-review'];

/** Statuses of an entry the hosts or WeChat's check decided: its author's review message tells which. */
export const REVIEWED: readonly EntryStatus[] = ['approved', 'rejected'];

/** Statuses that hold one of the author's entry places (a rejected, withdrawn or removed one frees it). */
export const HOLDS_A_PLACE: readonly EntryStatus[] = ['pending', 'in-review', 'approved'];

/** The reason an author reads when WeChat's content check found the entry risky (违规). */
export const RISKY_REASON = '内容未通过微信内容安全检测';

/** The reason an author reads when a host removed the candidate their entry became. */
export const REMOVED_REASON = '主办方已将其移出候选';

/** The most images an entry may carry. */
export const MAX_ENTRY_IMAGES = 9;

/** How a field of the entry form is asked for. */
export const fieldRuleSchema = z.enum(['required', 'optional', 'off']);

/** What a campaign's entries are: works to vote for, or suggestions to like and follow. */
export const ENTRY_PURPOSES = ['contest', 'suggestions'] as const;

/** A campaign's entry form and rules, set by its host (PUT …/entry-settings). */
export const entrySettingsSchema = z
  .strictObject({
    /** When entries are taken: from opensAt, until closesAt. */
    opensAt: instantSchema,
    closesAt: instantSchema,
    /** Entries one participant may hold at once (pending, in review or approved). */
    perParticipant: z.number().int().min(1).max(20).default(1),
    /** The text field: a description of the entry, up to 2,000 characters. */
    text: fieldRuleSchema.default('optional'),
    /** How many images an entry carries. */
    minImages: z.number().int().min(0).max(MAX_ENTRY_IMAGES).default(0),
    maxImages: z.number().int().min(0).max(MAX_ENTRY_IMAGES).default(3),
    /**
     * What follows content checks that pass: `host`, the moderation queue; `auto`, the entry
     * becomes a candidate at once. A check that asks for review always goes to the queue.
     */
    approval: z.enum(['host', 'auto']).default('host'),
    /**
     * `contest`: entries are works or people to vote for. `suggestions` (政务建议): entries are
     * suggestions people like (a like campaign), each moved by the host through published
     * statuses with a public reply.
     */
    purpose: z.enum(ENTRY_PURPOSES).default('contest'),
  })
  .refine((s) => Date.parse(s.closesAt) > Date.parse(s.opensAt), {
    message: 'must close after it opens',
    path: ['closesAt'],
  })
  .refine((s) => s.minImages <= s.maxImages, { message: 'must be at most maxImages', path: ['minImages'] });
export type EntrySettings = z.infer<typeof entrySettingsSchema>;
export type EntrySettingsInput = z.input<typeof entrySettingsSchema>;

/** A campaign's entry settings as anyone sees them (null: it takes no entries), and whether it takes them now. */
export const entrySettingsViewSchema = z.object({
  campaignId: boardIdSchema,
  settings: z
    .object({
      opensAt: z.iso.datetime(),
      closesAt: z.iso.datetime(),
      perParticipant: z.number().int(),
      text: fieldRuleSchema,
      minImages: z.number().int(),
      maxImages: z.number().int(),
      approval: z.enum(['host', 'auto']),
      purpose: z.enum(ENTRY_PURPOSES),
    })
    .nullable(),
  /** Entries are taken now: inside the window, the campaign published and not over. */
  open: z.boolean(),
});
export type EntrySettingsView = z.infer<typeof entrySettingsViewSchema>;

/** An uploaded image's id: `i` + 22 base64url characters, unguessable (it is the image's URL). */
export const entryImageIdSchema = z.string().regex(/^i[A-Za-z0-9_-]{22}$/, 'is not an image id');

/** An entry's id: `e` + 16 base64url characters. */
export const entryIdSchema = z.string().regex(/^e[A-Za-z0-9_-]{16}$/, 'is not an entry id');

/** What an upload answers: the image's id (for the entry) and its address. */
export const entryImageUploadSchema = z.object({
  imageId: entryImageIdSchema,
  url: z.string(),
  contentType: z.enum(['image/jpeg', 'image/png']),
  width: z.number().int(),
  height: z.number().int(),
  bytes: z.number().int(),
});
export type EntryImageUpload = z.infer<typeof entryImageUploadSchema>;

/** The body of submitting an entry. Which fields count is the campaign's form (entrySettings). */
export const submitEntryBodySchema = z.strictObject({
  title: z.string().trim().min(1).max(60),
  text: z.string().trim().max(2_000).optional(),
  /** Images uploaded first (POST …/entry-images), in the order shown. */
  imageIds: z
    .array(entryImageIdSchema)
    .max(MAX_ENTRY_IMAGES)
    .default([])
    .refine((ids) => new Set(ids).size === ids.length, 'names an image twice'),
});
export type SubmitEntryBody = z.infer<typeof submitEntryBodySchema>;

/** A content check's verdict (WeChat's `suggest`), or where it stands. */
export const checkStateSchema = z.enum(['waiting', 'pass', 'review', 'risky', 'unchecked']);
export type CheckState = z.infer<typeof checkStateSchema>;

/** One moment of an entry's life, for its author's timeline and the host's record. */
export const entryEventSchema = z.object({
  status: entryStatusSchema,
  at: z.iso.datetime(),
  /** Why, as the author may read it (a rejection's reason, a host's note). */
  note: z.string().optional(),
});

/** An entry as its author sees it. */
export const entryViewSchema = z.object({
  id: entryIdSchema,
  campaignId: boardIdSchema,
  title: z.string(),
  text: z.string().optional(),
  images: z.array(z.object({ imageId: entryImageIdSchema, url: z.string() })),
  status: entryStatusSchema,
  /** A rejection's or a removal's reason, as the author reads it. */
  reason: z.string().optional(),
  /** The candidate it became, once approved (a removed entry's candidate is gone). */
  candidateId: candidateIdSchema.optional(),
  history: z.array(entryEventSchema),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type EntryView = z.infer<typeof entryViewSchema>;

export const myEntriesSchema = z.object({ entries: z.array(entryViewSchema) });

/** An entry as its campaign's hosts see it in the moderation queue: with the checks and who sent it. */
export const moderationEntrySchema = entryViewSchema.extend({
  author: z.object({ participantId: z.string(), ip: z.string(), deviceId: z.string().optional() }),
  checks: z.object({
    text: checkStateSchema,
    /** Per image, in the entry's order. */
    images: z.array(checkStateSchema),
    /** Why a check could not run (WeChat refused it, or no verdict came in time). */
    note: z.string().optional(),
  }),
  /** Entries sent from the same device or address to this campaign: a farm shows here. */
  sameDevice: z.number().int(),
  sameAddress: z.number().int(),
});
export type ModerationEntry = z.infer<typeof moderationEntrySchema>;

/** `?status=&limit=&cursor=`: the queue of one status, oldest first, a page at a time. */
export const moderationQuerySchema = pageQuerySchema.extend({
  status: entryStatusSchema.default('in-review'),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
export type ModerationQuery = z.infer<typeof moderationQuerySchema>;

export const moderationPageSchema = z.object({
  entries: z.array(moderationEntrySchema),
  nextCursor: nextCursorSchema,
});
export type ModerationPage = z.infer<typeof moderationPageSchema>;

/** The body of deciding entries in bulk. A rejection needs a reason the authors will read. */
export const decideEntriesBodySchema = z
  .strictObject({
    entryIds: z
      .array(entryIdSchema)
      .min(1)
      .max(100)
      .refine((ids) => new Set(ids).size === ids.length, 'names an entry twice'),
    decision: z.enum(['approve', 'reject']),
    /** Shown to the authors with the decision; required to reject. */
    note: z.string().trim().min(1).max(200).optional(),
  })
  .refine((b) => b.decision === 'approve' || b.note !== undefined, {
    message: 'a rejection needs a note the authors will read',
    path: ['note'],
  });
export type DecideEntriesBody = z.infer<typeof decideEntriesBodySchema>;

/** What a bulk decision did to each entry: decided, or why not. */
export const decideEntriesAnswerSchema = z.object({
  results: z.array(
    z.object({
      entryId: entryIdSchema,
      outcome: z.enum(['approved', 'rejected', 'not-found', 'not-in-review', 'refused']),
      candidateId: candidateIdSchema.optional(),
      /** Why a `refused` one was: a catalogue code (CAMPAIGN_NOT_EDITABLE once it ended…). */
      code: z.string().optional(),
    }),
  ),
});
export type DecideEntriesAnswer = z.infer<typeof decideEntriesAnswerSchema>;

/**
 * A suggestion's published statuses (政务建议): received once approved, then under study, then
 * adopted or answered, each with a public reply. Moves go forward only.
 */
export const SUGGESTION_STATUSES = ['received', 'under-study', 'adopted', 'answered'] as const;
export const suggestionStatusSchema = z.enum(SUGGESTION_STATUSES);
export type SuggestionStatus = z.infer<typeof suggestionStatusSchema>;

/** How each status reads, to the public and in the messages (进度通知). */
export const SUGGESTION_STATUS_LABELS: Readonly<Record<SuggestionStatus, string>> = {
  received: '已受理',
  'under-study': '研究中',
  adopted: '已采纳',
  answered: '已答复',
};

export const SUGGESTION_MOVES: Readonly<Record<SuggestionStatus, readonly SuggestionStatus[]>> = {
  received: ['under-study', 'adopted', 'answered'],
  'under-study': ['adopted', 'answered'],
  adopted: [],
  answered: [],
};

/** The body of moving a suggestion on: adopted and answered need the reply the public reads. */
export const moveSuggestionBodySchema = z
  .strictObject({
    status: suggestionStatusSchema,
    reply: z.string().trim().min(1).max(1_000).optional(),
  })
  .refine((b) => b.reply !== undefined || (b.status !== 'adopted' && b.status !== 'answered'), {
    message: 'adopted and answered need a reply',
    path: ['reply'],
  });
export type MoveSuggestionBody = z.infer<typeof moveSuggestionBodySchema>;

/**
 * A suggestion as anyone sees it: approved and still a candidate, with its status, reply and
 * timeline. Its title and text are its candidate's name and description as they stand (a host's
 * edit of the candidate shows here too).
 */
export const suggestionViewSchema = z.object({
  id: entryIdSchema,
  campaignId: boardIdSchema,
  /** The candidate it is on the board: its likes are the board's. */
  candidateId: candidateIdSchema,
  title: z.string(),
  text: z.string().optional(),
  images: z.array(z.object({ imageId: entryImageIdSchema, url: z.string() })),
  status: suggestionStatusSchema,
  /** The latest public reply. */
  reply: z.string().optional(),
  timeline: z.array(
    z.object({ status: suggestionStatusSchema, at: z.iso.datetime(), reply: z.string().optional() }),
  ),
});
export type SuggestionView = z.infer<typeof suggestionViewSchema>;

export const suggestionListSchema = z.object({ suggestions: z.array(suggestionViewSchema) });
