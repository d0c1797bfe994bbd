import { describe, expect, it } from 'vitest';
import {
  acceptsVotes,
  assertTransition,
  CAMPAIGN_STATUSES,
  CAMPAIGN_TRANSITIONS,
  type CampaignStatus,
  createCampaignBodySchema,
  rankingIsPublic,
  updateCampaignBodySchema,
} from '../../src/protocol/campaigns.js';
import { AppError } from '../../src/protocol/errors.js';

const valid = {
  title: '年度人气之星',
  kind: 'vote',
  members: [
    { candidateId: 'c01', name: '林小夏' },
    { candidateId: 'c02', name: '陈一鸣', group: '三年二班', imageUrl: 'https://cdn.example.com/c02.png' },
  ],
  schedule: { startAt: '2026-12-01T10:00:00+08:00', endAt: '2026-12-08T22:00:00+08:00' },
  rules: { votesPerUserPerDay: 5, votesPerUserPerCandidatePerDay: 1 },
};

const issuesOf = (value: unknown) => {
  const parsed = createCampaignBodySchema.safeParse(value);
  return parsed.success ? [] : parsed.error.issues.map((i) => i.path.join('.'));
};

describe('the campaign lifecycle', () => {
  it('follows draft → scheduled → live ⇄ paused → frozen → ended → archived', () => {
    const path: CampaignStatus[] = [
      'draft',
      'scheduled',
      'live',
      'paused',
      'live',
      'frozen',
      'ended',
      'archived',
    ];
    for (let i = 1; i < path.length; i++) {
      expect(() => assertTransition(path[i - 1] as CampaignStatus, path[i] as CampaignStatus)).not.toThrow();
    }
  });

  it('refuses every move not in the table with INVALID_TRANSITION naming what is allowed', () => {
    let refused = 0;
    for (const from of CAMPAIGN_STATUSES) {
      for (const to of CAMPAIGN_STATUSES) {
        if (CAMPAIGN_TRANSITIONS[from].includes(to)) continue;
        refused++;
        try {
          assertTransition(from, to);
          expect.unreachable(`${from} → ${to} was allowed`);
        } catch (error) {
          expect(error).toBeInstanceOf(AppError);
          expect((error as AppError).code).toBe('INVALID_TRANSITION');
          expect((error as AppError).details).toEqual({ from, to, allowed: CAMPAIGN_TRANSITIONS[from] });
        }
      }
    }
    // 7 × 7 moves, 11 allowed.
    expect(refused).toBe(49 - 11);
  });

  it('never leaves archived, and never goes back to draft once live', () => {
    expect(CAMPAIGN_TRANSITIONS.archived).toEqual([]);
    for (const from of ['live', 'paused', 'frozen', 'ended'] as const) {
      expect(CAMPAIGN_TRANSITIONS[from]).not.toContain('draft');
    }
  });

  it('takes votes while live or frozen (counting goes on behind 封榜), and hides the ranking only when frozen', () => {
    expect(CAMPAIGN_STATUSES.filter(acceptsVotes)).toEqual(['live', 'frozen']);
    expect(CAMPAIGN_STATUSES.filter((s) => !rankingIsPublic(s))).toEqual(['frozen']);
  });
});

describe('the campaign body', () => {
  it('accepts a valid campaign and fills the defaults', () => {
    const parsed = createCampaignBodySchema.parse(valid);
    expect(parsed.visibility).toBe('public');
    expect(parsed.description).toBe('');
    expect(parsed.schedule.timezone).toBe('Asia/Shanghai');
  });

  it.each([
    [
      'an end before the start',
      { schedule: { ...valid.schedule, endAt: '2026-11-30T00:00:00+08:00' } },
      ['schedule.endAt'],
    ],
    [
      'an unknown timezone',
      { schedule: { ...valid.schedule, timezone: 'Mars/Olympus' } },
      ['schedule.timezone'],
    ],
    [
      'a date without an offset',
      { schedule: { ...valid.schedule, startAt: '2026-12-01 10:00' } },
      ['schedule.startAt'],
    ],
    ['two members with one id', { members: [valid.members[0], valid.members[0]] }, ['members']],
    [
      'a member id with unsafe characters',
      { members: [{ candidateId: 'c{1}', name: 'x' }] },
      ['members.0.candidateId'],
    ],
    ['a javascript: image URL', { coverImageUrl: 'javascript:alert(1)' }, ['coverImageUrl']],
    ['a quota of 0', { rules: { votesPerUserTotal: 0 } }, ['rules.votesPerUserTotal']],
    ['quotas on a like campaign', { kind: 'like' }, ['rules']],
    ['an unknown field', { owner: 'me' }, ['']],
    ['a blank title', { title: '   ' }, ['title']],
  ])('refuses %s', (_, change, paths) => {
    expect(issuesOf({ ...valid, ...change })).toEqual(paths);
  });

  it('takes any subset of fields as an update, but not none and not the kind', () => {
    expect(updateCampaignBodySchema.safeParse({ title: 'new' }).success).toBe(true);
    expect(updateCampaignBodySchema.safeParse({}).success).toBe(false);
    expect(updateCampaignBodySchema.safeParse({ kind: 'like' }).success).toBe(false);
  });
});
