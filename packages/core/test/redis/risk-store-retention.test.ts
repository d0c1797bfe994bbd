import { describe, expect, it } from 'vitest';
import { randomId } from '../../../../test/support/config.js';
import { T0, useRiskStore, vote } from './risk-votes.js';

/** What assessVotes keeps in Redis, and for how long: nothing for ever, nothing lost too soon. */
const { measure, voterTtl, talliesTtl, candidateMinutes } = useRiskStore();

describe('assessVotes: what it keeps', () => {
  it('keeps a voter’s history 30 days past their last vote, so a long campaign’s loyal voter is never new again', async () => {
    const board = randomId('board');
    const DAY = 86_400_000;
    await measure(board, [vote('loyal', 0)]);
    expect(await voterTtl(board, 'loyal')).toBeGreaterThan(29 * DAY);
    // Nearly 30 days on (the history has two seconds left), the voter comes back: kept again.
    await voterTtl(board, 'loyal', 2_000);
    const back = await measure(board, [vote('loyal', 29 * DAY, { dwellMs: 400 })]);
    expect(back[0]).toMatchObject({ accountAgeMs: 29 * DAY, ownEvidence: false });
    expect(await voterTtl(board, 'loyal')).toBeGreaterThan(29 * DAY);
  });

  it('keeps the dashboard’s tallies 30 days past the board’s last vote, not for ever', async () => {
    const board = randomId('board');
    const phone = { ip: '192.0.2.30', deviceId: 'dev-shared', fingerprint: 'e'.repeat(64) };
    await measure(board, [vote('one', 0, phone), vote('two', 1_000, phone)]);
    for (const ttl of await talliesTtl(board)) expect(ttl).toBeGreaterThan(29 * 86_400_000);
  });

  it('keeps a candidate’s minutes for a day: a quiet minute goes too, though its next day has no vote', async () => {
    const board = randomId('board');
    const MIN = 60_000;
    // Votes at minutes 0 and 3 of a day, then at minute 2 and 10 of the next.
    await measure(board, [vote('a', 0), vote('b', 3 * MIN)]);
    await measure(board, [vote('c', (1440 + 2) * MIN), vote('d', (1440 + 10) * MIN)]);
    const first = T0 / MIN;
    expect(await candidateMinutes(board, 'alice')).toEqual([first + 1442, first + 1450]);
  });
});
