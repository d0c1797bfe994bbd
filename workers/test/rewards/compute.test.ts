import type { RewardRuleDoc } from '@rallyboard/core/db';
import { describe, expect, it } from 'vitest';
import { type CountedActivity, countedActs, desiredGrants, standing } from '../../src/rewards/compute.js';

const rule = (id: string, fields: Partial<RewardRuleDoc>): RewardRuleDoc => ({
  _id: id,
  campaignId: 'c-1',
  name: id,
  trigger: { kind: 'first-of-day' },
  reward: { kind: 'points', points: 10 },
  enabled: true,
  createdAt: new Date('2026-01-01T00:00:00Z'),
  createdBy: 'h-1',
  ...fields,
});
let clock = 0;
const act = (voteId: string, day = '2026-01-01', fields: Partial<CountedActivity> = {}): CountedActivity => ({
  voteId,
  candidateId: 'alice',
  action: 'vote',
  day,
  acceptedAt: new Date(Date.parse(`${day}T08:00:00Z`) + ++clock * 1_000),
  ...fields,
});
const keysOf = (grants: { key: string }[]) => grants.map((g) => g.key);
const none = new Set<string>();

describe('what counted activity earns', () => {
  it('gives the first counted act of each day, once per day, whatever the order it comes in', () => {
    const acts = [act('v1'), act('v2'), act('v3', '2026-01-02')];
    const grants = desiredGrants('p-1', [rule('r1', {})], new Map(), [...acts].reverse(), none);
    expect(grants.map((g) => [g.key, g.voteId])).toEqual([
      ['day:2026-01-01', 'v1'],
      ['day:2026-01-02', 'v3'],
    ]);
    // The same activity, the same grants by the same ids.
    expect(desiredGrants('p-1', [rule('r1', {})], new Map(), acts, none)).toEqual(grants);
  });

  it('gives every n-th counted vote, and one fewer when a vote stops counting', () => {
    const every2 = rule('r2', { trigger: { kind: 'every-nth', n: 2 } });
    const acts = ['v1', 'v2', 'v3', 'v4', 'v5'].map((id) => act(id));
    expect(keysOf(desiredGrants('p-1', [every2], new Map(), acts, none))).toEqual(['nth:2', 'nth:4']);
    expect(keysOf(desiredGrants('p-1', [every2], new Map(), acts.slice(1, 4), none))).toEqual(['nth:2']);
  });

  it('counts a liked candidate once: liking, unliking and liking again earns nothing more', () => {
    const every2 = rule('r2', { trigger: { kind: 'every-nth', n: 2 } });
    const likes = [
      act('l1', undefined, { action: 'like', candidateId: 'alice' }),
      act('l2', undefined, { action: 'like', candidateId: 'alice' }),
      act('l3', undefined, { action: 'like', candidateId: 'alice' }),
    ];
    expect(desiredGrants('p-1', [every2], new Map(), likes, none)).toEqual([]);
    const bob = act('l4', undefined, { action: 'like', candidateId: 'bob' });
    expect(desiredGrants('p-1', [every2], new Map(), [...likes, bob], none).map((g) => g.voteId)).toEqual([
      'l4',
    ]);
  });

  it("keeps to a coupon pool's per-person limit and a rule's deadline", () => {
    const coupon = rule('r3', { reward: { kind: 'coupon', poolId: 'cp-1' } });
    const acts = [act('v1', '2026-01-01'), act('v2', '2026-01-02'), act('v3', '2026-01-03')];
    const pools = new Map([['cp-1', { perParticipant: 2 }]]);
    expect(keysOf(desiredGrants('p-1', [coupon], pools, acts, none))).toEqual([
      'day:2026-01-01',
      'day:2026-01-02',
    ]);
    const ending = rule('r4', { endsAt: new Date('2026-01-01T23:59:59Z') });
    expect(keysOf(desiredGrants('p-1', [ending], new Map(), acts, none))).toEqual(['day:2026-01-01']);
  });

  it("keeps to a lottery's tickets per person, those held first, apart from a pool's limit", () => {
    const tickets = rule('r6', {
      trigger: { kind: 'every-nth', n: 1 },
      reward: { kind: 'lottery', lotteryId: 'lt-1' },
    });
    const coupon = rule('r7', { reward: { kind: 'coupon', poolId: 'cp-1' } });
    const acts = [act('v1', '2026-01-01'), act('v2', '2026-01-02'), act('v3', '2026-01-03')];
    const limits = new Map([
      ['lt-1', { perParticipant: 2 }],
      ['cp-1', { perParticipant: 1 }],
    ]);
    const grants = desiredGrants('p-1', [tickets, coupon], limits, acts, none);
    expect(grants.filter((g) => g.ruleId === 'r6').map((g) => g.key)).toEqual(['nth:1', 'nth:2']);
    expect(grants.filter((g) => g.ruleId === 'r7').map((g) => g.key)).toEqual(['day:2026-01-01']);
    // The third ticket held already (its first vote was voided and came back later) keeps its place.
    const [, , third] = desiredGrants(
      'p-1',
      [tickets],
      new Map([['lt-1', { perParticipant: 3 }]]),
      acts,
      none,
    );
    const kept = new Set([third?.grantId ?? '']);
    expect(keysOf(desiredGrants('p-1', [tickets], limits, acts, kept))).toEqual(['nth:1', 'nth:3']);
  });

  it("gives a milestone's reward once to each supporter of its candidate, while the milestone holds", () => {
    const milestone = rule('r8', { trigger: { kind: 'milestone', candidateId: 'bob', count: 100 } });
    const acts = [
      act('v1'),
      act('v2', '2026-01-01', { candidateId: 'bob' }),
      act('v3', '2026-01-02', { candidateId: 'bob' }),
    ];
    expect(desiredGrants('p-1', [milestone], new Map(), acts, none)).toEqual([]);
    const reached = { ...milestone, reached: true };
    const grants = desiredGrants('p-1', [reached], new Map(), acts, none);
    expect(grants.map((g) => [g.key, g.voteId])).toEqual([['milestone:100', 'v2']]);
    // Its first bob vote voided: the next one still earns it, by the same grant.
    expect(desiredGrants('p-1', [reached], new Map(), acts.slice(2), none).map((g) => g.grantId)).toEqual([
      grants[0]?.grantId,
    ]);
    expect(desiredGrants('p-1', [reached], new Map(), acts.slice(0, 1), none)).toEqual([]);
  });

  it("gives an end rule's reward to supporters of the final top candidates only, once the campaign ended", () => {
    const end = rule('r9', { trigger: { kind: 'campaign-end', top: 2 } });
    const acts = [
      act('v1', '2026-01-01', { candidateId: 'carol' }),
      act('v2', '2026-01-02', { candidateId: 'bob' }),
    ];
    expect(desiredGrants('p-1', [end], new Map(), acts, none)).toEqual([]);
    const ended = { ...end, endTop: ['alice', 'bob'] };
    expect(desiredGrants('p-1', [ended], new Map(), acts, none).map((g) => [g.key, g.voteId])).toEqual([
      ['end:top2', 'v2'],
    ]);
    expect(desiredGrants('p-1', [ended], new Map(), acts.slice(0, 1), none)).toEqual([]);
  });

  it('gives nothing new from a paused rule, but keeps what it gave while its vote counts', () => {
    const paused = rule('r5', { enabled: false });
    const acts = [act('v1', '2026-01-01'), act('v2', '2026-01-02')];
    const [first] = desiredGrants('p-1', [rule('r5', {})], new Map(), acts, none);
    const kept = new Set([first?.grantId ?? '']);
    expect(keysOf(desiredGrants('p-1', [paused], new Map(), acts, kept))).toEqual(['day:2026-01-01']);
    expect(desiredGrants('p-1', [paused], new Map(), acts.slice(1), kept)).toEqual([]);
  });
});

describe('which ledger records count', () => {
  const base = {
    _id: 'v1',
    candidateId: 'alice',
    action: 'vote' as const,
    verdict: 'counted' as const,
    day: '2026-01-01',
    acceptedAt: new Date(),
  };
  it('a counted vote or like, and a held one once approved; not one held, voided, or review’s own records', () => {
    const at = new Date();
    expect(standing(base)).toMatchObject({ voteId: 'v1' });
    expect(standing({ ...base, review: { state: 'approved', at, by: 'h' } })).toBeDefined();
    expect(standing({ ...base, review: { state: 'held', at, by: 'risk' } })).toBeUndefined();
    expect(standing({ ...base, review: { state: 'voided', at, by: 'h' } })).toBeUndefined();
    expect(standing({ ...base, verdict: 'held' })).toBeUndefined();
    expect(standing({ ...base, restores: 'v0' })).toBeUndefined();
    expect(standing({ ...base, action: 'unlike' })).toBeUndefined();
    expect(standing({ ...base, action: 'retract' })).toBeUndefined();
  });
});

describe('which likes stand', () => {
  const at = new Date();
  const record = (_id: string, action: 'like' | 'unlike', candidateId: string, seq: number, fields = {}) => ({
    _id,
    candidateId,
    action,
    verdict: 'counted' as const,
    seq,
    day: '2026-01-01',
    acceptedAt: at,
    ...fields,
  });
  it('a like an unlike that counts came after (on the board) is withdrawn; one liked again, or whose unlike was voided, stands', () => {
    const acts = countedActs([
      record('l1', 'like', 'alice', 2),
      record('u1', 'unlike', 'alice', 5),
      record('l2', 'like', 'alice', 7),
      record('l3', 'like', 'bob', 3),
      record('u2', 'unlike', 'bob', 4, { review: { state: 'voided', at, by: 'h' } }),
      // Held after it counted, approved and counted again (at 6), unliked after that.
      record('l4', 'like', 'carol', 1, { review: { state: 'approved', at, by: 'h', credit: 'l4.a' } }),
      record('l4.a', 'like', 'carol', 6, { restores: 'l4' }),
      record('u3', 'unlike', 'carol', 8),
    ]);
    expect(acts.map((a) => [a.voteId, a.withdrawn === true])).toEqual([
      ['l1', true],
      ['l2', false],
      ['l3', false],
      ['l4', true],
    ]);
    // Supporters of alice by l2, not l1; of carol no more; of bob still.
    const end = rule('r10', { trigger: { kind: 'campaign-end', top: 3 }, endTop: ['alice'] });
    expect(desiredGrants('p-1', [end], new Map(), acts, none).map((g) => g.voteId)).toEqual(['l2']);
    const carol = rule('r11', {
      trigger: { kind: 'milestone', candidateId: 'carol', count: 1 },
      reached: true,
    });
    expect(desiredGrants('p-1', [carol], new Map(), acts, none)).toEqual([]);
  });
});
