import { auditModel, boardModel, campaignModel } from '@rallyboard/core/db';
import {
  boardIdSchema,
  type CampaignPage,
  type CampaignView,
  type ErrorBody,
} from '@rallyboard/core/protocol';
import { campaignScheduleJobId } from '@rallyboard/core/queue';
import { readBoardMeta, readMembers } from '@rallyboard/core/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { startTestServer, type TestServer } from '../../../test/support/stack.js';
import { call, campaignBody, codeOf, createTestHost, type TestHost } from '../support/hosts.js';

const config = testConfig();
let server: TestServer;
let host: TestHost;

beforeAll(async () => {
  server = await startTestServer(config);
  host = await createTestHost(server);
});
afterAll(async () => {
  await server.close();
});

async function create(overrides: Record<string, unknown> = {}, as: TestHost = host): Promise<CampaignView> {
  const answer = await call<CampaignView>(server, as.token, 'POST', '/api/campaigns', {
    ...campaignBody(),
    ...overrides,
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body;
}
const patch = (id: string, body: unknown) =>
  call<CampaignView>(server, host.token, 'PATCH', `/api/campaigns/${id}`, body);
const move = (id: string, status: string) =>
  call<CampaignView>(server, host.token, 'POST', `/api/campaigns/${id}/status`, { status });
const meta = (id: string) => readBoardMeta(server.deps.redis, server.deps.keys, id);
const members = async (id: string) => (await readMembers(server.deps.redis, server.deps.keys, id)).sort();
const fieldPaths = (body: unknown) =>
  ((body as ErrorBody).error.details as { path: string }[]).map((d) => d.path);

/** Moves a fresh campaign to `live` through the routes. */
async function liveCampaign(overrides: Record<string, unknown> = {}): Promise<CampaignView> {
  const campaign = await create(overrides);
  expect((await move(campaign.id, 'scheduled')).status).toBe(200);
  expect((await move(campaign.id, 'live')).status).toBe(200);
  return campaign;
}

describe('POST /api/campaigns', () => {
  it('creates a draft owned by the host, with an id that is a board id', async () => {
    const campaign = await create();
    expect(boardIdSchema.safeParse(campaign.id).success).toBe(true);
    expect(campaign).toMatchObject({
      status: 'draft',
      createdBy: host.id,
      hostIds: [],
      kind: 'vote',
      visibility: 'public',
      description: '',
      rules: { votesPerUserPerDay: 5 },
    });
  });

  it("registers the campaign's board at once: record and Redis, status draft, quotas, members", async () => {
    const campaign = await create({ rules: { votesPerUserPerDay: 5, votesPerUserTotal: 20 } });
    expect(await meta(campaign.id)).toMatchObject({
      title: '年度人气之星',
      kind: 'vote',
      timezone: 'Asia/Shanghai',
      status: 'draft',
      quotas: { perDay: 5, total: 20 },
      dailyRetentionDays: config.boards.dailyRetentionDays,
    });
    expect(await members(campaign.id)).toEqual(['alice', 'bob']);
    const board = await boardModel(server.deps.mongo).findById(campaign.id).lean();
    expect(board?.members).toEqual([
      { candidateId: 'alice', name: 'Alice' },
      { candidateId: 'bob', name: 'Bob' },
    ]);
    expect(board?.quotas).toMatchObject({ perDay: 5, total: 20 });
  });

  it('refuses an invalid body, naming every field at fault', async () => {
    const answer = await call(server, host.token, 'POST', '/api/campaigns', {
      ...campaignBody(),
      kind: 'poll',
      members: [
        { candidateId: 'a b', name: 'x' },
        { candidateId: 'ok', name: '' },
      ],
      schedule: { startAt: '2026-01-02T00:00:00Z', endAt: '2026-01-01T00:00:00Z', timezone: 'Mars/Olympus' },
      owner: 'me',
    });
    expect(answer.status).toBe(400);
    expect(fieldPaths(answer.body)).toEqual(
      expect.arrayContaining([
        'body.kind',
        'body.members.0.candidateId',
        'body.members.1.name',
        'body.schedule.timezone',
        'body',
      ]),
    );
  });

  it('refuses quotas on a like campaign and duplicate candidate ids', async () => {
    const like = await call(server, host.token, 'POST', '/api/campaigns', {
      ...campaignBody(),
      kind: 'like',
    });
    expect(fieldPaths(like.body)).toEqual(['body.rules']);
    const twice = await call(server, host.token, 'POST', '/api/campaigns', {
      ...campaignBody(),
      members: [
        { candidateId: 'a', name: 'A' },
        { candidateId: 'a', name: 'A again' },
      ],
    });
    expect(fieldPaths(twice.body)).toEqual(['body.members']);
  });
});

describe('GET /api/campaigns', () => {
  it("pages through the host's own campaigns newest first, and narrows by status", async () => {
    const owner = await createTestHost(server);
    const made = [await create({}, owner), await create({}, owner), await create({}, owner)];
    const first = await call<CampaignPage>(server, owner.token, 'GET', '/api/campaigns?limit=2');
    expect(first.body.campaigns.map((c) => c.id)).toEqual([made[2]?.id, made[1]?.id]);
    const second = await call<CampaignPage>(
      server,
      owner.token,
      'GET',
      `/api/campaigns?limit=2&cursor=${first.body.nextCursor}`,
    );
    expect(second.body).toEqual({
      campaigns: [expect.objectContaining({ id: made[0]?.id })],
      nextCursor: null,
    });
    const scheduled = await call<CampaignPage>(server, owner.token, 'GET', '/api/campaigns?status=scheduled');
    expect(scheduled.body.campaigns).toEqual([]);
  });
});

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

  it('refuses a status that does not exist, naming the field', async () => {
    const campaign = await create();
    const answer = await move(campaign.id, 'launched');
    expect(answer.status).toBe(400);
    expect(fieldPaths(answer.body)).toEqual(['body.status']);
  });
});

describe('the API docs', () => {
  it('describe the host, campaign and audit routes under their tags, with their error codes', async () => {
    const doc = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as {
      paths: Record<
        string,
        Record<string, { tags: string[]; responses: Record<string, unknown>; security?: unknown }>
      >;
    };
    const tagOf = (path: string, method: string) => doc.paths[path]?.[method]?.tags[0];
    expect(tagOf('/api/campaigns', 'post')).toBe('Campaigns');
    expect(tagOf('/api/campaigns/{campaignId}/members/{candidateId}', 'delete')).toBe('Campaigns');
    expect(tagOf('/api/public/campaigns/{campaignId}', 'get')).toBe('Campaigns (public)');
    expect(tagOf('/api/host/login', 'post')).toBe('Hosts');
    expect(tagOf('/api/audit', 'get')).toBe('Audit');
    const patch = doc.paths['/api/campaigns/{campaignId}']?.patch;
    expect(JSON.stringify(patch?.responses['409'])).toContain('CAMPAIGN_NOT_EDITABLE');
    expect(JSON.stringify(patch?.responses['404'])).toContain('CAMPAIGN_NOT_FOUND');
    expect(patch?.security).toEqual([{ hostToken: [] }]);
    expect(doc.paths['/api/public/campaigns']?.get?.security).toBeUndefined();
  });
});
