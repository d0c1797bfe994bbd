import { boardModel } from '@rallyboard/core/db';
import { boardIdSchema, type CampaignPage } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { call, campaignBody, createTestHost } from '../support/hosts.js';
import {
  config,
  create,
  fieldPaths,
  host,
  members,
  meta,
  server,
  useOperationsServer,
} from '../support/operations-fixture.js';

// A host's campaigns made, with their boards, and listed.
useOperationsServer();

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

  it('weeks start on Monday unless the campaign names another day, on its board and in its view', async () => {
    const monday = await create();
    expect(monday.schedule.weekStartsOn).toBe(1);
    expect((await meta(monday.id))?.weekStartsOn).toBe(1);
    const schedule = { ...(campaignBody().schedule as object), weekStartsOn: 7 };
    const sunday = await create({ schedule });
    expect(sunday.schedule.weekStartsOn).toBe(7);
    expect((await meta(sunday.id))?.weekStartsOn).toBe(7);
    expect((await boardModel(server.deps.mongo).findById(sunday.id).lean())?.weekStartsOn).toBe(7);
    const bad = await call(server, host.token, 'POST', '/api/campaigns', {
      ...campaignBody(),
      schedule: { ...schedule, weekStartsOn: 0 },
    });
    expect(bad.status).toBe(400);
    expect(fieldPaths(bad.body)).toEqual(['body.schedule.weekStartsOn']);
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
