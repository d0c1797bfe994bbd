import { auditModel, boardModel, campaignModel } from '@rallyboard/core/db';
import type { ErrorBody } from '@rallyboard/core/protocol';
import { campaignScheduleJobId } from '@rallyboard/core/queue';
import { describe, expect, it } from 'vitest';
import { call, campaignBody, codeOf } from '../support/hosts.js';
import {
  create,
  host,
  liveCampaign,
  members,
  meta,
  move,
  patch,
  server,
  useOperationsServer,
} from '../support/operations-fixture.js';

// What a campaign lets change, or be deleted, in each status, and the board following.
useOperationsServer();

describe('PATCH /api/campaigns/:campaignId', () => {
  it('changes a draft and registers its board again: title, members, timezone, quotas', async () => {
    const campaign = await create();
    const schedule = { ...(campaignBody().schedule as object), timezone: 'Europe/Paris' };
    const answer = await patch(campaign.id, {
      title: 'New title',
      members: [
        { candidateId: 'bob', name: 'Bobby' },
        { candidateId: 'carol', name: 'Carol' },
      ],
      schedule,
      rules: { votesPerUserPerCandidatePerDay: 2 },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ title: 'New title', rules: { votesPerUserPerCandidatePerDay: 2 } });
    expect(await members(campaign.id)).toEqual(['bob', 'carol']);
    expect(await meta(campaign.id)).toMatchObject({
      title: 'New title',
      timezone: 'Europe/Paris',
      quotas: { perCandidatePerDay: 2 },
    });
    expect((await meta(campaign.id))?.quotas).not.toHaveProperty('perDay');
  });

  it('never changes the kind', async () => {
    const campaign = await create();
    const answer = await patch(campaign.id, { kind: 'like' });
    expect(answer.status).toBe(400);
    expect(codeOf(answer)).toBe('INVALID_INPUT');
  });

  it('lets a live campaign gain candidates but not lose any', async () => {
    const campaign = await liveCampaign();
    const added = await patch(campaign.id, {
      members: [
        { candidateId: 'alice', name: 'Alice' },
        { candidateId: 'bob', name: 'Robert' },
        { candidateId: 'dave', name: 'Dave' },
      ],
    });
    expect(added.status).toBe(200);
    expect(await members(campaign.id)).toEqual(['alice', 'bob', 'dave']);
    const removed = await patch(campaign.id, { members: [{ candidateId: 'alice', name: 'Alice' }] });
    expect(removed.status).toBe(409);
    expect(codeOf(removed)).toBe('CAMPAIGN_NOT_EDITABLE');
    expect((removed.body as unknown as ErrorBody).error.message).toMatch(/cannot be removed/);
    expect((removed.body as unknown as ErrorBody).error.details).toEqual({ removed: ['bob', 'dave'] });
    expect(await members(campaign.id)).toEqual(['alice', 'bob', 'dave']);
  });

  it("holds a live campaign's rules, start and timezone, but lets its end move ahead", async () => {
    const startAt = new Date(Date.now() - 3_600_000).toISOString();
    const endAt = new Date(Date.now() + 86_400_000).toISOString();
    const campaign = await liveCampaign({ schedule: { startAt, endAt, timezone: 'Asia/Shanghai' } });
    const rules = await patch(campaign.id, { rules: { votesPerUserPerDay: 50 } });
    expect(codeOf(rules)).toBe('CAMPAIGN_NOT_EDITABLE');
    const start = await patch(campaign.id, {
      schedule: { ...campaign.schedule, startAt: new Date(Date.now() + 7_200_000).toISOString() },
    });
    expect(codeOf(start)).toBe('CAMPAIGN_NOT_EDITABLE');
    const past = await patch(campaign.id, {
      schedule: { ...campaign.schedule, endAt: new Date(Date.now() - 1_000).toISOString() },
    });
    expect(codeOf(past)).toBe('CAMPAIGN_NOT_EDITABLE');
    const zone = await patch(campaign.id, { schedule: { ...campaign.schedule, timezone: 'UTC' } });
    expect(codeOf(zone)).toBe('CAMPAIGN_NOT_EDITABLE');
    const laterEnd = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const later = await patch(campaign.id, { schedule: { ...campaign.schedule, endAt: laterEnd } });
    expect(later.status).toBe(200);
    expect(later.body.schedule.endAt).toBe(laterEnd);
    // The end job for the new time is queued; the old one will find the schedule changed.
    const at = Date.parse(laterEnd);
    const job = await server.deps.campaignQueue.getJob(
      campaignScheduleJobId({ campaignId: campaign.id, event: 'end', at }),
    );
    expect(job?.data).toEqual({ campaignId: campaign.id, event: 'end', at });
  });

  it("keeps the campaign's timezone when a change of its schedule leaves it out", async () => {
    const body = campaignBody();
    const campaign = await create({ schedule: { ...(body.schedule as object), timezone: 'UTC' } });
    expect((await move(campaign.id, 'scheduled')).status).toBe(200);
    const { startAt, endAt } = campaign.schedule;
    const later = new Date(Date.parse(startAt) + 3_600_000).toISOString();
    const answer = await patch(campaign.id, { schedule: { startAt: later, endAt } });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.schedule).toMatchObject({ startAt: later, timezone: 'UTC' });
    expect((await meta(campaign.id))?.timezone).toBe('UTC');
  });

  it('records a moved end on the board, whose ingest refuses votes from the end on', async () => {
    const campaign = await liveCampaign();
    expect((await meta(campaign.id))?.endAt).toBe(Date.parse(campaign.schedule.endAt));
    const laterEnd = new Date(Date.parse(campaign.schedule.endAt) + 86_400_000).toISOString();
    expect((await patch(campaign.id, { schedule: { ...campaign.schedule, endAt: laterEnd } })).status).toBe(
      200,
    );
    expect((await meta(campaign.id))?.endAt).toBe(Date.parse(laterEnd));
  });

  it('changes nothing of an archived campaign', async () => {
    const campaign = await liveCampaign();
    for (const status of ['ended', 'archived']) expect((await move(campaign.id, status)).status).toBe(200);
    const answer = await patch(campaign.id, { title: 'Too late' });
    expect(answer.status).toBe(409);
    expect(codeOf(answer)).toBe('CAMPAIGN_NOT_EDITABLE');
  });

  it('records the change with the values before and after', async () => {
    const campaign = await create();
    await patch(campaign.id, { title: 'Audited', visibility: 'unlisted' });
    const entry = await auditModel(server.deps.mongo)
      .findOne({ campaignId: campaign.id, action: 'campaign.update' })
      .lean();
    expect(entry).toMatchObject({
      actor: { hostId: host.id, username: host.username, role: 'host' },
      target: { type: 'campaign', id: campaign.id },
      before: { title: '年度人气之星', visibility: 'public' },
      after: { title: 'Audited', visibility: 'unlisted' },
    });
  });
});

describe('DELETE /api/campaigns/:campaignId', () => {
  it('deletes a draft with its board, in MongoDB and in Redis', async () => {
    const campaign = await create();
    const answer = await call(server, host.token, 'DELETE', `/api/campaigns/${campaign.id}`);
    expect(answer.status).toBe(204);
    expect(await campaignModel(server.deps.mongo).exists({ _id: campaign.id })).toBeNull();
    expect(await boardModel(server.deps.mongo).exists({ _id: campaign.id })).toBeNull();
    expect(await meta(campaign.id)).toBeUndefined();
    expect(await members(campaign.id)).toEqual([]);
    expect(codeOf(await call(server, host.token, 'GET', `/api/campaigns/${campaign.id}`))).toBe(
      'CAMPAIGN_NOT_FOUND',
    );
  });

  it('refuses to delete a campaign that was published: it is archived instead', async () => {
    const campaign = await create();
    await move(campaign.id, 'scheduled');
    const answer = await call(server, host.token, 'DELETE', `/api/campaigns/${campaign.id}`);
    expect(answer.status).toBe(409);
    expect(codeOf(answer)).toBe('CAMPAIGN_NOT_EDITABLE');
    expect((answer.body as unknown as ErrorBody).error.message).toMatch(/archive/);
  });
});
