import { z } from 'zod';
import { groupIdSchema, rankingViewSchema } from './groups.js';
import { boardIdSchema, candidateIdSchema, daySchema } from './ids.js';

/**
 * Each board keeps an all-time ranking and one per day, week and calendar month (in the board's
 * timezone; weeks start on the campaign's `weekStartsOn`). See periods.ts.
 */
export const WINDOWS = ['all', 'day', 'week', 'month'] as const;
export const windowSchema = z.enum(WINDOWS);
export type RankWindow = z.infer<typeof windowSchema>;

/** The rankings a host may put on the big screen: all time (the default), today's or this week's. */
export const SCREEN_WINDOWS = ['all', 'day', 'week'] as const satisfies readonly RankWindow[];
export const screenWindowSchema = z.enum(SCREEN_WINDOWS);
export type ScreenWindow = z.infer<typeof screenWindowSchema>;

export const leaderboardEntrySchema = z.object({
  /** 1-based. Equal scores rank by who reached the score first. */
  rank: z.number().int().positive(),
  candidateId: candidateIdSchema,
  /** Votes, or standing likes. A day's like score is that day's net change and can be < 0. */
  score: z.number().int(),
});
export type LeaderboardEntry = z.infer<typeof leaderboardEntrySchema>;

export const boardTotalsSchema = z.object({
  /** Counted votes in the window (likes net of unlikes). */
  votes: z.number().int(),
  /** Registered candidates. */
  members: z.number().int().nonnegative(),
});
export type BoardTotals = z.infer<typeof boardTotalsSchema>;

/**
 * What every read answers with, all read at one instant. `seq` is the board's change sequence
 * number at that instant; pushed updates carry it too, so a client can tell what it has seen.
 */
export const boardViewSchema = z.object({
  boardId: boardIdSchema,
  window: windowSchema,
  /**
   * The first day of the window's period: the day of a `day` window, the week's first day, the
   * month's first day (`YYYY-MM-01`); null for `all`.
   */
  day: daySchema.nullable(),
  seq: z.number().int().nonnegative(),
  totals: boardTotalsSchema,
  entries: z.array(leaderboardEntrySchema),
  /**
   * Which ranking: absent for the board's candidates; `{ group }` for one group's candidates
   * (totals are the group's); `{ view: 'groups' }` for the groups by their totals, where an
   * entry's `candidateId` is a group id and `totals.members` counts groups.
   */
  group: groupIdSchema.optional(),
  view: rankingViewSchema.optional(),
});
export type BoardView = z.infer<typeof boardViewSchema>;

/** One member's standing. `rank` is null when it has no entry in the window (no votes that day). */
export const memberStandingSchema = z.object({
  candidateId: candidateIdSchema,
  rank: z.number().int().positive().nullable(),
  score: z.number().int(),
});
export type MemberStanding = z.infer<typeof memberStandingSchema>;

export const memberViewSchema = boardViewSchema.extend({ member: memberStandingSchema });
export type MemberView = z.infer<typeof memberViewSchema>;

/**
 * A host's read of its campaign's ranking: always the live one, counting included, and whether
 * the public ranking is frozen (封榜) meanwhile.
 */
export const hostBoardViewSchema = boardViewSchema.extend({ frozen: z.boolean() });
export type HostBoardView = z.infer<typeof hostBoardViewSchema>;

/**
 * `day` picks the period of a `day`, `week` or `month` window that contains it; with
 * `window=all` it would be silently ignored, so it is refused.
 */
/** `group` names one group's ranking of candidates; the groups' own ranking has no group. */
const groupOnlyForCandidates: [
  (v: { view?: string | undefined; group?: string | undefined }) => boolean,
  { message: string; path: string[] },
] = [
  (v) => v.group === undefined || v.view !== 'groups',
  { message: 'group applies only with view=candidates', path: ['group'] },
];

const dayOnlyForDayWindow: [
  (v: { window: RankWindow; day?: string | undefined }) => boolean,
  { message: string; path: string[] },
] = [
  (v) => v.day === undefined || v.window !== 'all',
  { message: 'day applies only with window=day, week or month', path: ['day'] },
];

const windowQuery = {
  window: windowSchema.default('all'),
  /**
   * A day of the period wanted (any day of a week or month picks that week or month); the
   * current period when absent. An ended period is read from its archive at any age.
   */
  day: daySchema.optional(),
  /** The ranking of the candidates (absent: the default) or of the groups by their totals. */
  view: rankingViewSchema.optional(),
  /** One group's ranking of its candidates (a group id from the campaign view). */
  group: groupIdSchema.optional(),
};

/** `GET …/leaderboard`: the top (offset 0) or any page of the ranking. */
export const leaderboardQuerySchema = z
  .strictObject({
    ...windowQuery,
    offset: z.coerce.number().int().min(0).max(100_000).default(0),
    limit: z.coerce.number().int().min(1).max(100).default(10),
  })
  .refine(...dayOnlyForDayWindow)
  .refine(...groupOnlyForCandidates);
export type LeaderboardQuery = z.infer<typeof leaderboardQuerySchema>;

/** `GET …/members/:candidateId` and `…/around`. */
export const memberQuerySchema = z
  .strictObject({
    ...windowQuery,
    k: z.coerce.number().int().min(1).max(25).default(2),
  })
  .refine(...dayOnlyForDayWindow)
  .refine(...groupOnlyForCandidates);
export type MemberQuery = z.infer<typeof memberQuerySchema>;

export const totalsQuerySchema = z
  .strictObject(windowQuery)
  .refine(...dayOnlyForDayWindow)
  .refine(...groupOnlyForCandidates);
export type TotalsQuery = z.infer<typeof totalsQuerySchema>;

/** The socket form of the same reads: `board:query` with one of these, answered by ack. */
export const boardQuerySchema = z.discriminatedUnion('type', [
  z
    .strictObject({
      type: z.literal('top'),
      boardId: boardIdSchema,
      ...windowQuery,
      limit: leaderboardQuerySchema.shape.limit,
    })
    .refine(...dayOnlyForDayWindow)
    .refine(...groupOnlyForCandidates),
  z
    .strictObject({
      type: z.literal('range'),
      boardId: boardIdSchema,
      ...windowQuery,
      offset: leaderboardQuerySchema.shape.offset,
      limit: leaderboardQuerySchema.shape.limit,
    })
    .refine(...dayOnlyForDayWindow)
    .refine(...groupOnlyForCandidates),
  z
    .strictObject({
      type: z.literal('member'),
      boardId: boardIdSchema,
      ...windowQuery,
      candidateId: candidateIdSchema,
    })
    .refine(...dayOnlyForDayWindow)
    .refine(...groupOnlyForCandidates),
  z
    .strictObject({
      type: z.literal('around'),
      boardId: boardIdSchema,
      ...windowQuery,
      candidateId: candidateIdSchema,
      k: memberQuerySchema.shape.k,
    })
    .refine(...dayOnlyForDayWindow)
    .refine(...groupOnlyForCandidates),
  z
    .strictObject({ type: z.literal('totals'), boardId: boardIdSchema, ...windowQuery })
    .refine(...dayOnlyForDayWindow)
    .refine(...groupOnlyForCandidates),
]);
export type BoardQuery = z.infer<typeof boardQuerySchema>;

/**
 * `rank:updated`: what changed on one window of a board since the previous push to its room,
 * coalesced over one relay tick.
 *
 * - `reset: true`: `entries` is the whole top N at `seq`; replace what you hold.
 * - otherwise: `entries` are the members whose rank or score changed since `fromSeq` (each with
 *   its standing at `seq`). Apply it when `fromSeq <= yourSeq < seq`; ignore it when
 *   `seq <= yourSeq`; when `fromSeq > yourSeq` you missed an update: resync with a snapshot.
 */
export const rankUpdateSchema = z.object({
  boardId: boardIdSchema,
  window: windowSchema,
  day: daySchema.nullable(),
  fromSeq: z.number().int().nonnegative(),
  seq: z.number().int().nonnegative(),
  reset: z.boolean(),
  totals: boardTotalsSchema,
  entries: z.array(memberStandingSchema),
  /** The room's ranking, as its subscription named it (see boardViewSchema). */
  group: groupIdSchema.optional(),
  view: rankingViewSchema.optional(),
});
export type RankUpdate = z.infer<typeof rankUpdateSchema>;
