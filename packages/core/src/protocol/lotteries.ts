import { z } from 'zod';

/**
 * Lotteries (抽奖) anyone can verify (docs/rewards.md). Before the campaign starts the server
 * commits to a secret seed by publishing its SHA-256; tickets come only from counted activity (a
 * reward rule whose reward is a ticket); at the end the host draws, and the seed and the eligible
 * tickets are published so that anyone can recompute the winners (`npm run verify-draw`).
 */
export const lotteryIdSchema = z.string().regex(/^lt[A-Za-z0-9_-]{10}$/, 'is not a lottery id');

const prizeSchema = z.strictObject({
  name: z.string().trim().min(1).max(60),
  /** How many of this prize there are: that many winners. */
  count: z.number().int().min(1).max(1_000),
});

/** Body of `POST /api/campaigns/:id/lotteries`: accepted only before the campaign goes live. */
export const lotteryInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(60),
  /** In the order they are drawn: the first prize goes to the first ticket drawn. */
  prizes: z.array(prizeSchema).min(1).max(10),
  /** Tickets one participant may hold: more counted votes add none past it (fair odds). */
  perParticipant: z.number().int().min(1).max(100).default(1),
});
export type LotteryInput = z.infer<typeof lotteryInputSchema>;

/** One published ticket: its id, and its holder as a hash (the holder reads theirs in 我的奖励). */
export const lotteryTicketSchema = z.object({ ticket: z.string(), holder: z.string() });
export type LotteryTicket = z.infer<typeof lotteryTicketSchema>;

export const lotteryWinnerSchema = z.object({
  prize: z.string(),
  ticket: z.string(),
  holder: z.string(),
  /** HMAC-SHA256(seed, lotteryId + ticket), hex: the lowest win. */
  score: z.string(),
});
export type LotteryWinner = z.infer<typeof lotteryWinnerSchema>;

export const LOTTERY_STATUSES = ['committed', 'drawn'] as const;

/** A lottery as everyone sees it: its terms and commitment, then (drawn) its seed and winners. */
export const lotteryViewSchema = z.object({
  id: lotteryIdSchema,
  campaignId: z.string(),
  name: z.string(),
  prizes: z.array(prizeSchema),
  perParticipant: z.number(),
  status: z.enum(LOTTERY_STATUSES),
  /** SHA-256 of the secret seed, hex, published before the campaign started. */
  commitment: z.string(),
  committedAt: z.iso.datetime(),
  /** Tickets held now (before the draw), or drawn from. */
  tickets: z.number(),
  /** The terms in Chinese: prizes, odds, who may hold tickets and how many, and how it is drawn. */
  terms: z.string(),
  drawnAt: z.iso.datetime().optional(),
  /** Published at the draw: the seed (hex) whose SHA-256 is the commitment. */
  seed: z.string().optional(),
  winners: z.array(lotteryWinnerSchema).optional(),
});
export type LotteryView = z.infer<typeof lotteryViewSchema>;
export const lotteryListSchema = z.object({ lotteries: z.array(lotteryViewSchema) });

/** Tickets per page of `GET …/lotteries/:lotteryId/tickets`. */
export const LOTTERY_TICKET_PAGE = 5_000;

/** A page of a drawn lottery's eligible tickets, in ticket order. */
export const lotteryTicketPageSchema = z.object({
  page: z.number(),
  pages: z.number(),
  tickets: z.array(lotteryTicketSchema),
});
export type LotteryTicketPage = z.infer<typeof lotteryTicketPageSchema>;
