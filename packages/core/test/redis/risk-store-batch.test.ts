import { describe, expect, it } from 'vitest';
import { randomId } from '../../../../test/support/config.js';
import type { VoteToAssess } from '../../src/redis/index.js';
import { useRiskStore, vote } from './risk-votes.js';

/** assessVotes reads a candidate's fields once per batch and minute: a batch must measure as votes one by one. */
const { measure, tallies } = useRiskStore();

/** A small deterministic generator, so the stream is the same in both runs and between runs. */
function lcg(seed: number) {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    return x / 2_147_483_648;
  };
}

/**
 * Three candidates over four minutes: a steady trickle of returning voters, new accounts with and
 * without fast taps and WeChat doubts, two cohorts arriving within a second wave after wave (so
 * seconds bunch and voters return), and a few votes measured late (before the batch's others).
 */
function stream(): VoteToAssess[] {
  const next = lcg(7);
  const votes: VoteToAssess[] = [];
  const candidates = ['alice', 'bob', 'carol'];
  for (let i = 0; i < 240; i++) {
    const at = i * 1_000 + Math.floor(next() * 900);
    const voter = next() < 0.6 ? `regular-${Math.floor(next() * 40)}` : `new-${i}`;
    votes.push(
      vote(voter, at, {
        candidateId: candidates[Math.floor(next() * 3)] as string,
        ip: `198.51.${Math.floor(next() * 4)}.${1 + Math.floor(next() * 20)}`,
        dwellMs: next() < 0.2 ? 200 + Math.floor(next() * 600) : 1_500 + Math.floor(next() * 9_000),
        wechatRiskRank: next() < 0.15 ? 2 : 0,
      }),
    );
  }
  for (const waveAt of [30_000, 95_000, 160_000, 225_000]) {
    for (let j = 0; j < 14; j++) {
      votes.push(
        vote(`cohort-${j}`, waveAt + j * 60, {
          candidateId: 'bob',
          dwellMs: 2_000 + j,
          ip: `203.0.113.${j}`,
        }),
      );
    }
  }
  votes.sort((a, b) => a.acceptedAt - b.acceptedAt);
  // Measured late: a few votes of earlier minutes after the votes of later ones.
  for (const at of [61_500, 125_200, 186_300]) {
    votes.push(vote(`late-${at}`, at - 50_000, { candidateId: 'alice', dwellMs: 4_000 }));
    // A returning voter's vote measured after its later ones: its times are sorted again.
    votes.push(vote(`regular-${at % 7}`, at - 40_000, { candidateId: 'carol', dwellMs: 6_000 }));
  }
  return votes.map((v) => ({ ...v, ...netsOf(v.ip) }));
}

function netsOf(ip: string) {
  const parts = ip.split('.');
  return { net24: `${parts.slice(0, 3).join('.')}.0/24`, net16: `${parts.slice(0, 2).join('.')}.0.0/16` };
}

describe('a batch of votes', () => {
  it('is measured exactly as the same votes one at a time', async () => {
    const votes = stream();
    const [together, alone] = [randomId('batch'), randomId('alone')];
    const batched = [];
    for (let i = 0; i < votes.length; i += 100)
      batched.push(...(await measure(together, votes.slice(i, i + 100))));
    const single = [];
    for (const v of votes) single.push(...(await measure(alone, [v])));
    expect(batched).toEqual(single);
    // The console's tallies of votes per network add up the same.
    const [talliedTogether, talliedAlone] = [await tallies(together), await tallies(alone)];
    expect(talliedTogether).toEqual(talliedAlone);
    expect(Object.values(talliedTogether.net16).reduce((a, b) => a + Number(b), 0)).toBe(votes.length);
    expect(talliedTogether.ips.length).toBeGreaterThan(2);
    // The stream does reach what the shared reads serve: bunched seconds, returning voters, new accounts' day counts.
    expect(single.some((f) => f.bunched && (f.syncedReturning ?? 0) > 1)).toBe(true);
    expect(single.some((f) => f.dayDwellTwins > 0 && f.candidateDayNew > 0)).toBe(true);
    expect(single.some((f) => f.candidateBaseline > 0)).toBe(true);
  });
});
