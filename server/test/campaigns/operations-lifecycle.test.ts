import { auditModel, campaignModel } from '@rallyboard/core/db';
import type { ErrorBody } from '@rallyboard/core/protocol';
import { campaignScheduleJobId } from '@rallyboard/core/queue';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../support/hosts.js';
import {
  create,
  fieldPaths,
  meta,
  move,
  server,
  useOperationsServer,
} from '../support/operations-fixture.js';

// A campaign's moves along its lifecycle: the jobs, the board's status and the audit log they take.
useOperationsServer();

describe('POST /api/campaigns/:campaignId/status', () => {
  it('refuses a move the lifecycle does not have with 409 INVALID_TRANSITION, naming the allowed ones', async () => {
    const campaign = await create();
    const answer = await move(campaign.id, 'live');
    expect(answer.status).toBe(409);
    expect(answer.body).toMatchObject({
      error: { code: 'INVALID_TRANSITION', details: { from: 'draft', to: 'live', allowed: ['scheduled'] } },
    });
    expect((await meta(campaign.id))?.status).toBe('draft');
  });

  it('schedules a campaign: the start and end jobs are queued and the board says scheduled', async () => {
    const campaign = await create();
    const answer = await move(campaign.id, 'scheduled');
    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe('scheduled');
    expect((await meta(campaign.id))?.status).toBe('scheduled');
    for (const event of ['start', 'end'] as const) {
      const at = Date.parse(event === 'start' ? campaign.schedule.startAt : campaign.schedule.endAt);
      const job = await server.deps.campaignQueue.getJob(
        campaignScheduleJobId({ campaignId: campaign.id, event, at }),
      );
      expect(job?.data, event).toEqual({ campaignId: campaign.id, event, at });
    }
  });

  it('keeps the board status in step along the lifecycle, and records each move', async () => {
    const campaign = await create();
    for (const status of ['scheduled', 'live', 'paused', 'live', 'frozen', 'ended', 'archived']) {
      const answer = await move(campaign.id, status);
      expect(answer.status, status).toBe(200);
      expect((await meta(campaign.id))?.status).toBe(status);
    }
    const moves = await auditModel(server.deps.mongo)
      .find({ campaignId: campaign.id, action: 'campaign.transition' })
      .sort({ at: 1, _id: 1 })
      .lean();
    expect(moves.map((m) => [m.before, m.after])).toEqual([
      [{ status: 'draft' }, { status: 'scheduled' }],
      [{ status: 'scheduled' }, { status: 'live' }],
      [{ status: 'live' }, { status: 'paused' }],
      [{ status: 'paused' }, { status: 'live' }],
      [{ status: 'live' }, { status: 'frozen' }],
      [{ status: 'frozen' }, { status: 'ended' }],
      [{ status: 'ended' }, { status: 'archived' }],
    ]);
  });

  it('will not schedule a campaign without candidates, or one whose end has passed', async () => {
    const empty = await create({ members: [] });
    const noMembers = await move(empty.id, 'scheduled');
    expect(codeOf(noMembers)).toBe('INVALID_TRANSITION');
    expect((noMembers.body as unknown as ErrorBody).error.message).toMatch(/candidate/);
    const over = await create({
      schedule: {
        startAt: new Date(Date.now() - 2 * 86_400_000).toISOString(),
        endAt: new Date(Date.now() - 86_400_000).toISOString(),
        timezone: 'Asia/Shanghai',
      },
    });
    expect(codeOf(await move(over.id, 'scheduled'))).toBe('INVALID_TRANSITION');
    expect((await campaignModel(server.deps.mongo).findById(over.id).lean())?.status).toBe('draft');
  });

  it('will not start a scheduled campaign whose end has passed meanwhile', async () => {
    const campaign = await create();
    expect((await move(campaign.id, 'scheduled')).status).toBe(200);
    // Its whole time went by while it waited (the workers down across its start and its end).
    await campaignModel(server.deps.mongo).updateOne(
      { _id: campaign.id },
      {
        $set: {
          'schedule.startAt': new Date(Date.now() - 7_200_000),
          'schedule.endAt': new Date(Date.now() - 1_000),
        },
      },
    );
    const answer = await move(campaign.id, 'live');
    expect(codeOf(answer)).toBe('INVALID_TRANSITION');
    expect((answer.body as unknown as ErrorBody).error.message).toMatch(/end ahead, then start it/);
    expect((await campaignModel(server.deps.mongo).findById(campaign.id).lean())?.status).toBe('scheduled');
    expect((await meta(campaign.id))?.status).toBe('scheduled');
  });

  it('refuses a status that does not exist, naming the field', async () => {
    const campaign = await create();
    const answer = await move(campaign.id, 'launched');
    expect(answer.status).toBe(400);
    expect(fieldPaths(answer.body)).toEqual(['body.status']);
  });
});
