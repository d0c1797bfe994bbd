import type { CampaignView } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { editPayload } from '../../src/console/views/campaign-form/changes.js';
import type { CampaignInput } from '../../src/console/views/campaign-form/fields.js';

const campaign: CampaignView = {
  id: 'b-spring',
  title: '春季评选',
  description: '',
  kind: 'vote',
  members: [{ candidateId: 'c01', name: '甲' }],
  groups: [],
  schedule: {
    startAt: '2030-03-01T01:00:30.000Z',
    endAt: '2030-03-08T01:00:00.000Z',
    timezone: 'Asia/Shanghai',
    weekStartsOn: 1,
  },
  visibility: 'public',
  rules: { votesPerUserPerDay: 3 },
  status: 'live',
  createdBy: 'demo',
  hostIds: [],
  screenWindow: 'all',
  screenView: 'candidates',
  createdAt: '2030-02-01T00:00:00.000Z',
  updatedAt: '2030-02-01T00:00:00.000Z',
};

/** The form as it reads when the host changed nothing: times to the minute, as its inputs hold them. */
const unchanged = (): CampaignInput => ({
  title: campaign.title,
  description: campaign.description,
  kind: 'vote',
  visibility: 'public',
  schedule: {
    startAt: '2030-03-01T01:00:00.000Z',
    endAt: campaign.schedule.endAt,
    timezone: 'Asia/Shanghai',
    weekStartsOn: 1,
  },
  rules: { votesPerUserPerDay: 3 },
  members: [{ candidateId: 'c01', name: '甲' }],
});

describe('what an edit sends', () => {
  it('is nothing when nothing changed, a start kept to the minute included', () => {
    expect(editPayload(campaign, unchanged())).toEqual({});
  });

  it('is only the fields that changed, never the kind', () => {
    expect(editPayload(campaign, { ...unchanged(), title: '春季总评', kind: 'like' })).toEqual({
      title: '春季总评',
    });
  });

  it('sends a moved end with the stored start, seconds and all', () => {
    const body = unchanged();
    body.schedule.endAt = '2030-03-09T01:00:00.000Z';
    expect(editPayload(campaign, body)).toEqual({
      schedule: {
        startAt: '2030-03-01T01:00:30.000Z',
        endAt: '2030-03-09T01:00:00.000Z',
        timezone: 'Asia/Shanghai',
        weekStartsOn: 1,
      },
    });
  });

  it("sends the schedule when only the weekly ranking's first day changed", () => {
    const body = unchanged();
    body.schedule.weekStartsOn = 7;
    expect(editPayload(campaign, body)).toEqual({
      schedule: { ...campaign.schedule, weekStartsOn: 7 },
    });
  });
});
