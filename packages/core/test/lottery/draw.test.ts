import { createHash, createHmac } from 'node:crypto';
import {
  drawLottery,
  lotteryCommitment,
  lotteryHolder,
  newLotterySeed,
  ticketScore,
  verifyDraw,
} from '@rallyboard/core/lottery';
import type { LotteryTicket } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';

const seed = 'a1'.repeat(32);
const tickets = (holders: number, each = 1): LotteryTicket[] =>
  Array.from({ length: holders * each }, (_, i) => ({
    ticket: `g-ticket-${String(i).padStart(4, '0')}`,
    holder: lotteryHolder('ltLOTTERY001', `p-${i % holders}`),
  }));
const prizes = [
  { name: '一等奖', count: 1 },
  { name: '二等奖', count: 3 },
];

describe('the lottery draw', () => {
  it('commits to the seed by its SHA-256 and scores tickets by HMAC-SHA256 keyed by the seed', () => {
    expect(lotteryCommitment(seed)).toBe(createHash('sha256').update(Buffer.from(seed, 'hex')).digest('hex'));
    expect(ticketScore(seed, 'ltLOTTERY001', 't1')).toBe(
      createHmac('sha256', Buffer.from(seed, 'hex')).update('ltLOTTERY001\nt1').digest('hex'),
    );
    const fresh = newLotterySeed();
    expect(fresh).toMatch(/^[0-9a-f]{64}$/);
    expect(newLotterySeed()).not.toBe(fresh);
  });

  it('gives the lowest scores the prizes, in prize order, whatever order the tickets come in', () => {
    const all = tickets(50);
    const winners = drawLottery(seed, 'ltLOTTERY001', prizes, all);
    expect(winners.map((w) => w.prize)).toEqual(['一等奖', '二等奖', '二等奖', '二等奖']);
    const lowest = all
      .map((t) => ticketScore(seed, 'ltLOTTERY001', t.ticket))
      .sort()
      .slice(0, 4);
    expect(winners.map((w) => w.score)).toEqual(lowest);
    expect(drawLottery(seed, 'ltLOTTERY001', prizes, [...all].reverse())).toEqual(winners);
    // Another seed, another lottery id: another draw.
    expect(drawLottery('b2'.repeat(32), 'ltLOTTERY001', prizes, all)).not.toEqual(winners);
    expect(drawLottery(seed, 'ltLOTTERY002', prizes, all)).not.toEqual(winners);
  });

  it('gives a holder one prize at most, however many tickets they hold', () => {
    const winners = drawLottery(seed, 'ltLOTTERY001', prizes, tickets(3, 20));
    expect(winners).toHaveLength(3);
    expect(new Set(winners.map((w) => w.holder)).size).toBe(3);
    expect(drawLottery(seed, 'ltLOTTERY001', prizes, [])).toEqual([]);
  });

  it('is verified from what is published, and any change to it is caught', () => {
    const all = tickets(40);
    const published = {
      id: 'ltLOTTERY001',
      commitment: lotteryCommitment(seed),
      seed,
      perParticipant: 1,
      prizes,
      winners: drawLottery(seed, 'ltLOTTERY001', prizes, all),
      tickets: all,
    };
    expect(verifyDraw(published)).toMatchObject({ commitmentMatches: true, winnersMatch: true });
    // A seed swapped after the fact does not match the commitment.
    expect(verifyDraw({ ...published, seed: 'c3'.repeat(32) }).commitmentMatches).toBe(false);
    // A winner's ticket left out of the published list, or a winner swapped, shows.
    const winner = published.winners[0]?.ticket;
    expect(verifyDraw({ ...published, tickets: all.filter((t) => t.ticket !== winner) }).winnersMatch).toBe(
      false,
    );
    const [first, second, ...rest] = published.winners;
    if (!first || !second) throw new Error('fewer than two winners');
    expect(verifyDraw({ ...published, winners: [second, first, ...rest] }).winnersMatch).toBe(false);
    expect(verifyDraw({ ...published, winners: published.winners.slice(1) }).winnersMatch).toBe(false);
    expect(verifyDraw(published).listWellFormed).toBe(true);
    // A ticket listed twice, or a holder with more tickets than the lottery allows, shows.
    const [t0, t1] = all;
    if (!t0 || !t1) throw new Error('no tickets');
    expect(verifyDraw({ ...published, tickets: [...all, t0] }).listWellFormed).toBe(false);
    expect(
      verifyDraw({ ...published, tickets: [...all, { ticket: 'g-extra', holder: t1.holder }] })
        .listWellFormed,
    ).toBe(false);
  });

  it('names a holder by a hash that differs per lottery', () => {
    expect(lotteryHolder('ltLOTTERY001', 'p-1')).toMatch(/^[0-9a-f]{16}$/);
    expect(lotteryHolder('ltLOTTERY001', 'p-1')).not.toBe(lotteryHolder('ltLOTTERY002', 'p-1'));
  });
});
