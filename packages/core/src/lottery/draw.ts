import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { LotteryTicket, LotteryWinner } from '../protocol/lotteries.js';

/**
 * The verifiable draw (docs/rewards.md): the same seed and tickets always give the same winners,
 * and everything it needs is published after the draw, so anyone can run it again
 * (`npm run verify-draw`). The server, the verifier and the tests all run this one function.
 */

/** A new secret seed: 32 random bytes, hex. */
export const newLotterySeed = (): string => randomBytes(32).toString('hex');

/** The commitment published before the campaign starts: SHA-256 of the seed's bytes, hex. */
export const lotteryCommitment = (seedHex: string): string =>
  createHash('sha256').update(Buffer.from(seedHex, 'hex')).digest('hex');

/** How a participant is named in a lottery's published list: not their id, not linkable across lotteries. */
export const lotteryHolder = (lotteryId: string, participantId: string): string =>
  createHash('sha256').update(`${lotteryId}\n${participantId}`).digest('hex').slice(0, 16);

/** A ticket's score: HMAC-SHA256 keyed by the seed over the lottery id and the ticket id, hex. */
export const ticketScore = (seedHex: string, lotteryId: string, ticket: string): string =>
  createHmac('sha256', Buffer.from(seedHex, 'hex')).update(`${lotteryId}\n${ticket}`).digest('hex');

/**
 * Draws a lottery: every ticket is scored (ticketScore), the lowest scores win, one prize per
 * holder (a holder's later tickets are passed over), prizes handed out in their order.
 *
 * @param prizes in draw order; `count` winners each
 * @param tickets the eligible tickets, in any order (ties of score, impossible in practice, go by ticket id)
 */
export function drawLottery(
  seedHex: string,
  lotteryId: string,
  prizes: readonly { name: string; count: number }[],
  tickets: readonly LotteryTicket[],
): LotteryWinner[] {
  const slots = prizes.flatMap((p) => Array.from({ length: p.count }, () => p.name));
  const scored = tickets
    .map((t) => ({ ...t, score: ticketScore(seedHex, lotteryId, t.ticket) }))
    .sort((a, b) => (a.score < b.score ? -1 : a.score > b.score ? 1 : a.ticket < b.ticket ? -1 : 1));
  const won = new Set<string>();
  const winners: LotteryWinner[] = [];
  for (const t of scored) {
    const prize = slots[winners.length];
    if (prize === undefined) break;
    if (won.has(t.holder)) continue;
    won.add(t.holder);
    winners.push({ prize, ticket: t.ticket, holder: t.holder, score: t.score });
  }
  return winners;
}

/** What a verifier checks, each with what it found. */
export interface DrawCheck {
  commitmentMatches: boolean;
  winnersMatch: boolean;
  /** No ticket listed twice, and no holder with more tickets than the lottery allows. */
  listWellFormed: boolean;
  recomputed: LotteryWinner[];
}

/** Checks a published draw: the seed is the one committed to, and the winners are the draw's. */
export function verifyDraw(published: {
  id: string;
  commitment: string;
  seed: string;
  perParticipant: number;
  prizes: readonly { name: string; count: number }[];
  winners: readonly LotteryWinner[];
  tickets: readonly LotteryTicket[];
}): DrawCheck {
  const perHolder = new Map<string, number>();
  for (const t of published.tickets) perHolder.set(t.holder, (perHolder.get(t.holder) ?? 0) + 1);
  const listWellFormed =
    new Set(published.tickets.map((t) => t.ticket)).size === published.tickets.length &&
    [...perHolder.values()].every((n) => n <= published.perParticipant);
  const recomputed = drawLottery(published.seed, published.id, published.prizes, published.tickets);
  const same = (a: LotteryWinner, b: LotteryWinner | undefined) =>
    b !== undefined &&
    a.prize === b.prize &&
    a.ticket === b.ticket &&
    a.holder === b.holder &&
    a.score === b.score;
  return {
    commitmentMatches:
      /^[0-9a-f]{64}$/.test(published.seed) && lotteryCommitment(published.seed) === published.commitment,
    winnersMatch:
      recomputed.length === published.winners.length &&
      recomputed.every((w, i) => same(w, published.winners[i])),
    listWellFormed,
    recomputed,
  };
}
