import { z } from 'zod';

/**
 * Donation matching (公益配捐, docs/rewards.md): a sponsor pledges an amount per counted vote (or
 * like) of a campaign, or of one candidate, up to a cap. What is matched is derived from the
 * counted totals, so it follows voids as they happen. Amounts are in fen (分), integers.
 */
export const matchIdSchema = z.string().regex(/^dm[A-Za-z0-9_-]{10}$/, 'is not a donation match id');

/** Body of `POST /api/campaigns/:id/matches`. */
export const matchInputSchema = z.strictObject({
  sponsor: z.string().trim().min(1).max(60),
  /** What each counted vote (like) adds, in fen: up to ¥1,000 a vote. */
  perVoteFen: z.number().int().min(1).max(100_000),
  /** The most the sponsor gives, in fen: up to ¥100,000,000. */
  capFen: z.number().int().min(1).max(10_000_000_000),
  /** Only this candidate's counted votes; absent: the whole campaign's. */
  candidateId: z.string().min(1).max(64).optional(),
  /** Where the money goes, in the sponsor's words (shown to everyone). */
  cause: z.string().trim().min(1).max(200),
});
export type MatchInput = z.infer<typeof matchInputSchema>;

/** A pledge and how far it is matched now, as everyone sees it. */
export const matchViewSchema = z.object({
  id: matchIdSchema,
  campaignId: z.string(),
  sponsor: z.string(),
  cause: z.string(),
  perVoteFen: z.number(),
  capFen: z.number(),
  candidateId: z.string().optional(),
  candidateName: z.string().optional(),
  /** The counted votes it matches now (the public ranking's: frozen while the campaign is). */
  counted: z.number(),
  matchedFen: z.number(),
  capReached: z.boolean(),
  /** The pledge in Chinese words. */
  terms: z.string(),
  pledgedAt: z.iso.datetime(),
});
export type MatchView = z.infer<typeof matchViewSchema>;
export const matchListSchema = z.object({ matches: z.array(matchViewSchema) });

/** What a pledge matches for a number of counted votes: per vote, up to the cap. */
export const matchedFen = (pledge: { perVoteFen: number; capFen: number }, counted: number): number =>
  Math.min(pledge.capFen, pledge.perVoteFen * Math.max(0, counted));

/** Fen as yuan, two decimals, thousands separated: `¥1,234.50`. */
export const yuan = (fen: number): string =>
  `¥${(fen / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
