import { lotteryCommitment, verifyDraw } from '@rallyboard/core/lottery';
import {
  type LotteryTicket,
  type LotteryView,
  lotteryListSchema,
  lotteryTicketPageSchema,
} from '@rallyboard/core/protocol';

/** Reads a public endpoint of the server, or throws with what it answered. */
async function read(url: string): Promise<unknown> {
  const res = await fetch(url);
  const body = (await res.json().catch(() => undefined)) as
    | { error?: { code: string; message: string } }
    | undefined;
  if (!res.ok)
    throw new Error(`${url} answered ${res.status} ${body?.error?.code ?? ''} ${body?.error?.message ?? ''}`);
  return body;
}

/** Every page of a drawn lottery's published tickets. */
async function publishedTickets(
  base: string,
  campaignId: string,
  lotteryId: string,
): Promise<LotteryTicket[]> {
  const tickets: LotteryTicket[] = [];
  for (let page = 0, pages = 1; page < pages; page++) {
    const answer = lotteryTicketPageSchema.parse(
      await read(`${base}/api/campaigns/${campaignId}/lotteries/${lotteryId}/tickets?page=${page}`),
    );
    pages = answer.pages;
    tickets.push(...answer.tickets);
  }
  return tickets;
}

/** Checks one drawn lottery from its published data; prints what it did, answers whether it holds. */
async function checkLottery(
  base: string,
  lottery: LotteryView,
  say: (line: string) => void,
  holder: string | undefined,
): Promise<boolean> {
  const { seed, winners } = lottery;
  if (seed === undefined || winners === undefined) {
    say(`  ✗ drawn but its seed or winners are not published`);
    return false;
  }
  const tickets = await publishedTickets(base, lottery.campaignId, lottery.id);
  const check = verifyDraw({ ...lottery, seed, winners, tickets });
  say(`  commitment    ${lottery.commitment}  (published ${lottery.committedAt})`);
  say(`  seed          ${seed}  (published ${lottery.drawnAt ?? '?'})`);
  say(
    `  sha256(seed)  ${/^[0-9a-f]{64}$/.test(seed) ? lotteryCommitment(seed) : '(not 32 bytes of hex)'}  ${check.commitmentMatches ? '✓ is the commitment' : '✗ is NOT the commitment'}`,
  );
  const holders = new Set(tickets.map((t) => t.holder)).size;
  say(
    `  tickets       ${tickets.length} published (the lottery says ${lottery.tickets}), ${holders} holders`,
  );
  say(
    '  winners, recomputed: HMAC-SHA256(seed, "<lotteryId>\\n<ticket>"), lowest first, one prize per holder',
  );
  for (const w of check.recomputed) {
    say(`    ${w.prize.padEnd(8)} holder ${w.holder}  ticket ${w.ticket}  score ${w.score.slice(0, 16)}…`);
  }
  const countMatches = tickets.length === lottery.tickets;
  say(
    check.winnersMatch
      ? '  ✓ the published winners are exactly these'
      : `  ✗ the published winners differ: ${winners.map((w) => `${w.prize} ${w.holder}`).join(', ')}`,
  );
  if (!countMatches) say('  ✗ the number of published tickets is not the number drawn from');
  say(
    check.listWellFormed
      ? `  ✓ no ticket listed twice, no holder over ${lottery.perParticipant} ticket(s)`
      : '  ✗ the list repeats a ticket, or gives a holder more tickets than the lottery allows',
  );
  // A participant checks that their own tickets were in the draw (我的奖励 shows their holder hash).
  const mine = holder === undefined ? undefined : tickets.filter((t) => t.holder === holder).length;
  if (holder !== undefined) {
    say(
      mine
        ? `  ✓ holder ${holder} has ${mine} ticket(s) in the list`
        : `  ✗ holder ${holder} has no ticket in the list`,
    );
  }
  return check.commitmentMatches && check.winnersMatch && check.listWellFormed && countMatches && mine !== 0;
}

/**
 * Verifies every drawn lottery of a campaign from what the server publishes, with the same draw
 * function the server ran, and (given a holder hash) that its tickets were drawn from. Answers
 * whether all of them hold; prints each step.
 */
export async function verifyCampaignDraws(
  base: string,
  campaignId: string,
  say: (line: string) => void = console.log,
  holder?: string,
): Promise<{ ok: boolean; drawn: number; pending: number }> {
  const { lotteries } = lotteryListSchema.parse(await read(`${base}/api/campaigns/${campaignId}/lotteries`));
  let ok = true;
  let drawn = 0;
  for (const lottery of lotteries) {
    say(`Lottery ${lottery.id} 「${lottery.name}」 of campaign ${campaignId}`);
    if (lottery.status !== 'drawn') {
      say(`  not drawn yet: commitment ${lottery.commitment}, ${lottery.tickets} tickets so far`);
      continue;
    }
    drawn += 1;
    if (!(await checkLottery(base, lottery, say, holder))) ok = false;
  }
  const pending = lotteries.length - drawn;
  const lotteriesOf = (n: number) => `${n} ${n === 1 ? 'lottery' : 'lotteries'}`;
  say(
    `${ok ? 'verified' : 'FAILED'}: ${lotteriesOf(drawn)} drawn and checked, ${lotteriesOf(pending)} not drawn yet`,
  );
  return { ok, drawn, pending };
}
