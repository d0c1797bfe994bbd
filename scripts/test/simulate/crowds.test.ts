import { describe, expect, it } from 'vitest';
import type { VoteAction } from '../../simulate/actions.js';
import { subnetOf } from '../../simulate/network.js';
import { buildPlan, type Plan } from '../../simulate/plan.js';
import { CROWDS, FIRST_ATTACKS, isHonest, parseCrowds, SCENARIOS } from '../../simulate/scenario.js';

const sweep = SCENARIOS.sweep;
const plan = buildPlan(3, sweep, []);
const votesOf = (p: Plan, label: string): VoteAction[] =>
  p.actions.filter((a): a is VoteAction => a.kind === 'vote' && a.label === label);
const distinct = <T>(items: T[]) => new Set(items).size;
const groupSizes = <T>(items: T[], key: (t: T) => string, value: (t: T) => string) => {
  const groups = new Map<string, Set<string>>();
  for (const t of items) groups.set(key(t), (groups.get(key(t)) ?? new Set()).add(value(t)));
  return [...groups.values()].map((s) => s.size);
};

describe('the crowd switches', () => {
  it('are all on in the sweep presets, and off in small and full', () => {
    expect(plan.crowds).toEqual([...CROWDS]);
    expect(buildPlan(42, SCENARIOS.small, FIRST_ATTACKS).crowds).toEqual([]);
    expect(parseCrowds('default', [])).toEqual([]);
    expect(() => parseCrowds('live-crowd,stadium')).toThrow(/unknown crowd "stadium"/);
  });

  it.each(CROWDS)('%s adds and removes only its own labelled actions', (crowd) => {
    const off = buildPlan(
      3,
      sweep,
      [],
      CROWDS.filter((c) => c !== crowd),
    );
    expect(off.actions).toEqual(plan.actions.filter((a) => a.label !== crowd));
    expect(plan.actions.some((a) => a.label === crowd)).toBe(true);
    const alone = buildPlan(3, sweep, [], [crowd]);
    expect(alone.actions.filter((a) => a.label !== 'honest')).toEqual(
      plan.actions.filter((a) => a.label === crowd),
    );
  });

  it('label every crowd honest, and fit the small scenario beside its own attacks', () => {
    for (const crowd of CROWDS) expect(isHonest(crowd)).toBe(true);
    const small = buildPlan(42, SCENARIOS.small, FIRST_ATTACKS, CROWDS);
    expect(new Set(small.actions.map((a) => a.label)).size).toBe(1 + CROWDS.length + FIRST_ATTACKS.length);
    expect(Math.max(...small.actions.map((a) => a.at))).toBeLessThanOrEqual(SCENARIOS.small.durationMs);
  });
});

describe('live-crowd', () => {
  const votes = votesOf(plan, 'live-crowd');
  const byIp = new Map<string, VoteAction[]>();
  for (const v of votes) byIp.set(v.ip, [...(byIp.get(v.ip) ?? []), v]);
  const venue = [...byIp.values()].sort((a, b) => b.length - a.length)[0] ?? [];

  it('is ~600 attendees behind one address, all of them voting there', () => {
    expect(distinct(votes.map((v) => v.ip))).toBeGreaterThan(1);
    expect(distinct(votes.map((v) => v.account))).toBe(600);
    expect(distinct(venue.map((v) => v.account))).toBe(600);
  });

  it('votes at the venue within 90 s of the call, mostly for the candidate on stage', () => {
    const times = venue.map((v) => v.at);
    expect(Math.max(...times) - Math.min(...times)).toBeLessThanOrEqual(90_000);
    const onStage = venue.filter((v) => v.candidateId === plan.crowdTargets['live-crowd']).length;
    expect(onStage / venue.length).toBeGreaterThan(0.75);
  });

  it('is mostly new here, on common phones (shared fingerprints), two to a phone at most', () => {
    const firstAtVenue = new Set<string>();
    const seen = new Set<string>();
    for (const v of votes) {
      if (!seen.has(v.account) && v.ip === venue[0]?.ip) firstAtVenue.add(v.account);
      seen.add(v.account);
    }
    expect(firstAtVenue.size / 600).toBeGreaterThan(0.8);
    expect(
      Math.max(
        ...groupSizes(
          votes,
          (v) => v.device.id,
          (v) => v.account,
        ),
      ),
    ).toBeLessThanOrEqual(2);
    expect(
      Math.max(
        ...groupSizes(
          votes,
          (v) => v.device.fingerprint,
          (v) => v.account,
        ),
      ),
    ).toBeGreaterThan(10);
    expect(venue.filter((v) => v.dwellMs < 2_000).length).toBeGreaterThan(0);
  });
});

describe('live-crowd in rounds', () => {
  const rounds = (sameStage: number) => {
    const scenario = {
      ...sweep,
      knobs: {
        ...sweep.knobs,
        'live-crowd.rounds': 3,
        'live-crowd.roundGapMs': 600_000,
        'live-crowd.sameStage': sameStage,
      },
    };
    const votes = votesOf(buildPlan(3, scenario, [], ['live-crowd']), 'live-crowd');
    const venueIp = votes.at(-1)?.ip;
    const first = Math.min(...votes.filter((v) => v.ip === venueIp).map((v) => v.at));
    // Each round's votes at the venue: within 90 s of its call, 10 minutes apart.
    return [0, 1, 2].map((r) =>
      votes.filter(
        (v) => v.ip === venueIp && v.at >= first + r * 600_000 && v.at < first + r * 600_000 + 90_000,
      ),
    );
  };
  const onStage = (votes: VoteAction[]) => {
    const counts = new Map<string, number>();
    for (const v of votes) counts.set(v.candidateId, (counts.get(v.candidateId) ?? 0) + 1);
    return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
  };

  it('calls the same attendees back at each round, from the venue, signed in already', () => {
    const [one, two, three] = rounds(0);
    const attendees = new Set(one?.map((v) => v.account));
    expect(attendees.size).toBe(600);
    for (const later of [two, three]) {
      expect(new Set(later?.map((v) => v.account))).toEqual(attendees);
    }
    expect(one?.length).toBeGreaterThan(600);
  });

  it('puts another candidate on stage each round, or the same one when the host calls for it again', () => {
    const [one, two, three] = rounds(0).map((r) => onStage(r));
    expect(two).not.toBe(one);
    expect(three).not.toBe(two);
    expect(new Set(rounds(1).map((r) => onStage(r))).size).toBe(1);
  });

  it('leaves the first round as the crowd always was: later rounds are drawn after it', () => {
    const alone = votesOf(buildPlan(3, sweep, [], ['live-crowd']), 'live-crowd');
    const [first] = rounds(0);
    const venueIp = first?.[0]?.ip;
    expect(first).toEqual(alone.filter((v) => v.ip === venueIp));
  });
});

describe('dense-campus', () => {
  const votes = votesOf(plan, 'dense-campus');

  it('puts hundreds of students on a few /24s, some dorm NATs carrying many', () => {
    expect(distinct(votes.map((v) => v.account))).toBe(400);
    expect(distinct(votes.map((v) => subnetOf(v.ip)))).toBeLessThanOrEqual(4);
    expect(
      Math.max(
        ...groupSizes(
          votes,
          (v) => v.ip,
          (v) => v.account,
        ),
      ),
    ).toBeGreaterThan(10);
  });

  it('brings roommates through links from the same /24, sometimes the same address', () => {
    const ipOf = new Map(votes.map((v) => [v.account, v.ip]));
    const invited = votes.filter((v) => v.sharedBy !== undefined);
    expect(distinct(invited.map((v) => v.account))).toBeGreaterThan(60);
    for (const v of invited) expect(subnetOf(ipOf.get(v.sharedBy ?? '') ?? '')).toBe(subnetOf(v.ip));
    expect(invited.filter((v) => ipOf.get(v.sharedBy ?? '') === v.ip).length).toBeGreaterThan(5);
  });

  it('favours the classmate, and shares a phone between two accounts (rarely three)', () => {
    const classmate = votes.filter((v) => v.candidateId === plan.crowdTargets['dense-campus']).length;
    expect(classmate / votes.length).toBeGreaterThan(0.4);
    const perDevice = groupSizes(
      votes,
      (v) => v.device.id,
      (v) => v.account,
    );
    expect(perDevice.filter((n) => n === 2).length).toBeGreaterThan(10);
    expect(Math.max(...perDevice)).toBeLessThanOrEqual(3);
  });
});

describe('cgnat-city', () => {
  const votes = votesOf(plan, 'cgnat-city');

  it('spreads thousands of users over the day behind a handful of addresses', () => {
    expect(distinct(votes.map((v) => v.account))).toBe(4_000);
    expect(distinct(votes.map((v) => v.ip))).toBe(4);
    const hours = votes.map((v) => Math.floor(v.at / 3_600_000));
    expect(distinct(hours)).toBe(3);
  });

  it('carries hundreds of accounts on one address in some 10 minutes', () => {
    const perWindow = groupSizes(
      votes,
      (v) => `${v.ip}/${Math.floor(v.at / 600_000)}`,
      (v) => v.account,
    );
    expect(Math.max(...perWindow)).toBeGreaterThanOrEqual(100);
  });
});

describe('opening-rush', () => {
  const votes = votesOf(plan, 'opening-rush');
  const firstOf = new Map<string, number>();
  for (const v of votes)
    firstOf.set(v.account, Math.min(firstOf.get(v.account) ?? Number.POSITIVE_INFINITY, v.at));

  it('is ~800 participants voting from the campaign’s first seconds, half within about 10 s', () => {
    expect(firstOf.size).toBe(800);
    const firsts = [...firstOf.values()].sort((a, b) => a - b);
    expect(firsts[0]).toBeLessThan(5_000);
    // Half open it within 10 s of the start, then sign in and read for a second or two.
    expect(firsts[Math.floor(firsts.length / 2)]).toBeLessThan(15_000);
    expect(Math.max(...votes.map((v) => v.at))).toBeLessThan(1_000 + 120_000 + 60_000);
  });

  it('taps several candidates a few seconds apart, from own addresses or Wi-Fi shared by a dozen', () => {
    const perAccount = groupSizes(
      votes,
      (v) => v.account,
      (v) => v.idempotencyKey,
    );
    expect(Math.max(...perAccount)).toBe(3);
    expect(distinct(votes.map((v) => v.candidateId))).toBeGreaterThan(5);
    const perIp = groupSizes(
      votes,
      (v) => v.ip,
      (v) => v.account,
    );
    const shared = perIp.filter((n) => n > 1);
    expect(shared.length).toBeGreaterThan(5);
    expect(Math.max(...shared)).toBeLessThan(40);
    expect(perIp.filter((n) => n === 1).length).toBeGreaterThan(400);
  });
});

describe('group-share', () => {
  const votes = votesOf(plan, 'group-share');
  const firstOf = new Map<string, VoteAction>();
  for (const v of votes)
    if (!firstOf.has(v.account) || v.at < (firstOf.get(v.account)?.at ?? 0)) firstOf.set(v.account, v);
  const firsts = [...firstOf.values()];

  it("is ~40 friends through one sharer's link, half within about a quarter of five minutes", () => {
    const invited = firsts.filter((v) => v.sharedBy !== undefined);
    expect(invited.length).toBe(40);
    expect(distinct(invited.map((v) => v.sharedBy))).toBe(1);
    const sharer = firsts.find((v) => v.sharedBy === undefined);
    expect(sharer?.account).toBe(invited[0]?.sharedBy);
    expect(plan.actions.some((a) => a.kind === 'share' && a.account === sharer?.account)).toBe(true);
    // Every friend's first vote is for the sharer's candidate, after the share.
    expect(distinct(invited.map((v) => v.candidateId))).toBe(1);
    const times = invited.map((v) => v.at).sort((a, b) => a - b);
    const from = times[0] as number;
    expect((times[times.length - 1] as number) - from).toBeLessThan(5 * 60_000);
    expect((times[Math.floor(times.length / 2)] as number) - from).toBeLessThan(2 * 60_000);
  });

  it('votes from phones of their own, mostly their own carriers’ addresses, some the group’s Wi-Fi', () => {
    expect(distinct(firsts.map((v) => v.device.id))).toBe(firsts.length);
    const perIp = groupSizes(
      firsts,
      (v) => v.ip,
      (v) => v.account,
    );
    expect(Math.max(...perIp)).toBeGreaterThan(1);
    expect(perIp.filter((n) => n === 1).length).toBeGreaterThan(20);
  });
});
