import type { CampaignDoc } from '@rallyboard/core/db';
import type { CampaignStatus, UpdateCampaignBody } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { planUpdate } from '../../src/campaigns/edits.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const campaign = (status: CampaignStatus, fields: Partial<CampaignDoc> = {}): CampaignDoc => ({
  _id: 'c1',
  title: 'Title',
  description: '',
  kind: 'vote',
  members: [
    { candidateId: 'a', name: 'A' },
    { candidateId: 'b', name: 'B' },
  ],
  schedule: {
    startAt: new Date('2026-05-01T00:00:00Z'),
    endAt: new Date('2026-07-01T00:00:00Z'),
    timezone: 'Asia/Shanghai',
  },
  visibility: 'public',
  rules: { votesPerUserPerDay: 5 },
  status,
  createdBy: 'h1',
  hostIds: [],
  createdAt: NOW,
  updatedAt: NOW,
  ...fields,
});
const host = { role: 'host' as const };
const admin = { role: 'admin' as const };
const plan = (status: CampaignStatus, body: UpdateCampaignBody, actor: { role: 'admin' | 'host' } = host) =>
  planUpdate(campaign(status), body, actor, NOW);
const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
};
const schedule = (startAt: string, endAt: string, timezone = 'Asia/Shanghai') => ({
  startAt,
  endAt,
  timezone,
});

const ALL: CampaignStatus[] = ['draft', 'scheduled', 'live', 'paused', 'frozen', 'ended', 'archived'];
const RUNNING: CampaignStatus[] = ['live', 'paused', 'frozen'];

describe('what a campaign lets change, by status', () => {
  it('presentation fields change in every status but archived', () => {
    for (const status of ALL) {
      const run = () => plan(status, { title: 'New', visibility: 'unlisted', description: 'd' });
      expect(codeOf(run), status).toBe(status === 'archived' ? 'CAMPAIGN_NOT_EDITABLE' : undefined);
    }
  });

  it('candidates may be removed only before going live; added or edited until the end', () => {
    const fewer = { members: [{ candidateId: 'a', name: 'A' }] };
    const more = {
      members: [
        { candidateId: 'a', name: 'A2' },
        { candidateId: 'b', name: 'B' },
        { candidateId: 'c', name: 'C' },
      ],
    };
    for (const status of ['draft', 'scheduled'] as const) {
      expect(plan(status, fewer).removedMembers, status).toEqual(['b']);
    }
    for (const status of RUNNING) {
      expect(
        codeOf(() => plan(status, fewer)),
        status,
      ).toBe('CAMPAIGN_NOT_EDITABLE');
      expect(plan(status, more).removedMembers, status).toEqual([]);
    }
    expect(codeOf(() => plan('ended', more))).toBe('CAMPAIGN_NOT_EDITABLE');
  });

  it('the rules change only before going live', () => {
    for (const status of ALL) {
      const allowed = status === 'draft' || status === 'scheduled';
      expect(
        codeOf(() => plan(status, { rules: {} })),
        status,
      ).toBe(allowed ? undefined : 'CAMPAIGN_NOT_EDITABLE');
    }
  });

  it('a running campaign may only move its end, and only to a time ahead', () => {
    const later = schedule('2026-05-01T00:00:00Z', '2026-08-01T00:00:00Z');
    for (const status of RUNNING) {
      expect(plan(status, { schedule: later }).scheduleChanged, status).toBe(true);
      for (const bad of [
        schedule('2026-05-02T00:00:00Z', '2026-08-01T00:00:00Z'),
        schedule('2026-05-01T00:00:00Z', '2026-08-01T00:00:00Z', 'UTC'),
        schedule('2026-05-01T00:00:00Z', '2026-05-31T00:00:00Z'),
      ]) {
        expect(
          codeOf(() => plan(status, { schedule: bad })),
          `${status} ${JSON.stringify(bad)}`,
        ).toBe('CAMPAIGN_NOT_EDITABLE');
      }
    }
  });

  it("a live campaign keeps its weekly ranking's first day; one left out is kept", () => {
    const later = schedule('2026-05-01T00:00:00Z', '2026-07-01T00:00:00Z');
    for (const status of RUNNING) {
      expect(
        codeOf(() => plan(status, { schedule: { ...later, weekStartsOn: 7 } })),
        status,
      ).toBe('CAMPAIGN_NOT_EDITABLE');
      expect(plan(status, { schedule: { ...later, weekStartsOn: 1 } }).boardChanged, status).toBe(false);
    }
    const sunday = campaign('draft', {
      schedule: { ...campaign('draft').schedule, weekStartsOn: 7 },
    });
    const kept = planUpdate(sunday, { schedule: later }, host, NOW);
    expect(kept.set.schedule?.weekStartsOn).toBe(7);
    expect(kept.boardChanged).toBe(false);
    const moved = planUpdate(sunday, { schedule: { ...later, weekStartsOn: 1 } }, host, NOW);
    expect(moved).toMatchObject({ boardChanged: true, after: { schedule: { weekStartsOn: 1 } } });
  });

  it('a moved end registers the board again (ingest refuses votes from the end it records)', () => {
    const later = schedule('2026-05-01T00:00:00Z', '2026-08-01T00:00:00Z');
    for (const status of [...RUNNING, 'scheduled' as const]) {
      expect(plan(status, { schedule: later }), status).toMatchObject({
        boardChanged: true,
        scheduleChanged: true,
      });
    }
  });

  it("a schedule without a timezone keeps the campaign's", () => {
    const utc = campaign('scheduled', { schedule: { ...campaign('draft').schedule, timezone: 'UTC' } });
    const { startAt, endAt } = schedule('2026-06-02T00:00:00Z', '2026-07-01T00:00:00Z');
    const kept = planUpdate(utc, { schedule: { startAt, endAt } }, host, NOW);
    expect(kept.set.schedule?.timezone).toBe('UTC');
    expect(kept.boardChanged).toBe(false);
    const live = campaign('live', { schedule: { ...campaign('draft').schedule, timezone: 'UTC' } });
    const later = planUpdate(
      live,
      { schedule: { startAt: '2026-05-01T00:00:00Z', endAt: '2026-08-01T00:00:00Z' } },
      host,
      NOW,
    );
    expect(later.set.schedule?.timezone).toBe('UTC');
  });

  it('a draft may take any schedule; a scheduled campaign one that ends ahead', () => {
    const past = schedule('2026-04-01T00:00:00Z', '2026-05-01T00:00:00Z', 'UTC');
    expect(plan('draft', { schedule: past })).toMatchObject({ scheduleChanged: true, boardChanged: true });
    expect(codeOf(() => plan('scheduled', { schedule: past }))).toBe('CAMPAIGN_NOT_EDITABLE');
  });

  it('co-hosts are for admins to set', () => {
    expect(codeOf(() => plan('draft', { hostIds: ['h000000000001'] }))).toBe('FORBIDDEN');
    expect(plan('live', { hostIds: ['h000000000001', 'h000000000001'] }, admin).set.hostIds).toEqual([
      'h000000000001',
    ]);
  });

  it('a like campaign takes no quotas', () => {
    const like = campaign('draft', { kind: 'like', rules: {} });
    expect(codeOf(() => planUpdate(like, { rules: { votesPerUserTotal: 3 } }, host, NOW))).toBe(
      'INVALID_INPUT',
    );
  });

  it('records only the fields the change names, before and after', () => {
    const result = plan('draft', { title: 'New', rules: { votesPerUserTotal: 9 } });
    expect(result.before).toEqual({ title: 'Title', rules: { votesPerUserPerDay: 5 } });
    expect(result.after).toEqual({ title: 'New', rules: { votesPerUserTotal: 9 } });
    expect(result.boardChanged).toBe(true);
    expect(plan('draft', { description: 'only text' }).boardChanged).toBe(false);
  });
});
