import { auditModel, boardModel } from '@rallyboard/core/db';
import { type BoardView, type CampaignView, type ErrorBody, groupIdOf } from '@rallyboard/core/protocol';
import { readMembers } from '@rallyboard/core/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { startTestServer, type TestServer } from '../../../test/support/stack.js';
import { castVote } from '../../../test/support/votes.js';
import { applyDirect } from '../support/boards.js';
import { call, campaignBody, codeOf, createTestHost, type TestHost } from '../support/hosts.js';

const config = testConfig({ BOARD_CACHE_MS: '0' });
let server: TestServer;
let host: TestHost;

beforeAll(async () => {
  server = await startTestServer(config);
  host = await createTestHost(server);
});
afterAll(async () => {
  await server.close();
});

async function create(): Promise<CampaignView> {
  const answer = await call<CampaignView>(server, host.token, 'POST', '/api/campaigns', campaignBody());
  expect(answer.status).toBe(201);
  return answer.body;
}
async function goLive(id: string): Promise<void> {
  for (const status of ['scheduled', 'live']) {
    expect((await call(server, host.token, 'POST', `/api/campaigns/${id}/status`, { status })).status).toBe(
      200,
    );
  }
}
const add = (id: string, member: unknown) =>
  call<CampaignView>(server, host.token, 'POST', `/api/campaigns/${id}/members`, member);
const edit = (id: string, candidateId: string, body: unknown) =>
  call<CampaignView>(server, host.token, 'PATCH', `/api/campaigns/${id}/members/${candidateId}`, body);
const remove = (id: string, candidateId: string) =>
  call<CampaignView>(server, host.token, 'DELETE', `/api/campaigns/${id}/members/${candidateId}`);
const redisMembers = async (id: string) =>
  (await readMembers(server.deps.redis, server.deps.keys, id)).sort();

describe('candidates', () => {
  it('are added to the campaign, its board record and its Redis registration', async () => {
    const campaign = await create();
    const answer = await add(campaign.id, { candidateId: 'carol', name: 'Carol', group: 'Class 3' });
    expect(answer.status).toBe(201);
    expect(answer.body.members.at(-1)).toEqual({ candidateId: 'carol', name: 'Carol', group: 'Class 3' });
    expect(await redisMembers(campaign.id)).toEqual(['alice', 'bob', 'carol']);
    const board = await boardModel(server.deps.mongo).findById(campaign.id).lean();
    expect(board?.members.map((m) => m.candidateId)).toEqual(['alice', 'bob', 'carol']);
  });

  it('added while the campaign is live take votes at once', async () => {
    const campaign = await create();
    await goLive(campaign.id);
    expect((await add(campaign.id, { candidateId: 'late', name: 'Late entry' })).status).toBe(201);
    const vote = await castVote(server, campaign.id, 'late', { participantId: 'p-member-voter' });
    expect(vote.status).toBe(202);
  });

  it('moved to another group while live take their counted votes with them, in every group ranking', async () => {
    const campaign = await create();
    expect((await edit(campaign.id, 'alice', { group: '一班' })).body.groups).toEqual([
      { id: groupIdOf('一班'), name: '一班', candidateIds: ['alice'] },
    ]);
    await goLive(campaign.id);
    // The campaign has a daily quota: each vote has a voter of its own.
    const applied = await applyDirect(
      server.deps,
      campaign.id,
      ['alice', 'alice', 'bob'].map((candidateId, i) => ({ candidateId, voterId: `p-group-${i}` })),
    );
    expect(applied.outcome === 'applied' && applied.verdicts.map((v) => v.verdict)).toEqual([
      'counted',
      'counted',
      'counted',
    ]);
    const groups = async () => {
      const res = await fetch(`${server.url}/api/boards/${campaign.id}/leaderboard?view=groups`);
      return ((await res.json()) as BoardView).entries.map((e) => [e.candidateId, e.score]);
    };
    expect(await groups()).toEqual([[groupIdOf('一班'), 2]]);
    // bob joins 一班 with his vote; then alice moves to 二班 with her two.
    expect((await edit(campaign.id, 'bob', { group: '一班' })).status).toBe(200);
    expect(await groups()).toEqual([[groupIdOf('一班'), 3]]);
    expect((await edit(campaign.id, 'alice', { group: '二班' })).status).toBe(200);
    expect(await groups()).toEqual([
      [groupIdOf('二班'), 2],
      [groupIdOf('一班'), 1],
    ]);
    const inGroup = await fetch(
      `${server.url}/api/boards/${campaign.id}/leaderboard?group=${groupIdOf('一班')}`,
    );
    expect(((await inGroup.json()) as BoardView).entries.map((e) => e.candidateId)).toEqual(['bob']);
  });

  it('cannot be added twice, nor to an ended campaign', async () => {
    const campaign = await create();
    const twice = await add(campaign.id, { candidateId: 'alice', name: 'Alice again' });
    expect(twice.status).toBe(409);
    expect(codeOf(twice)).toBe('CANDIDATE_EXISTS');
    await goLive(campaign.id);
    await call(server, host.token, 'POST', `/api/campaigns/${campaign.id}/status`, { status: 'ended' });
    const late = await add(campaign.id, { candidateId: 'zed', name: 'Zed' });
    expect(codeOf(late)).toBe('CAMPAIGN_NOT_EDITABLE');
  });

  it('are refused with the path of each bad field', async () => {
    const campaign = await create();
    const answer = await add(campaign.id, {
      candidateId: 'no spaces',
      name: '',
      imageUrl: 'ftp://x',
      extra: 1,
    });
    expect(answer.status).toBe(400);
    const paths = ((answer.body as unknown as ErrorBody).error.details as { path: string }[]).map(
      (d) => d.path,
    );
    expect(paths).toEqual(expect.arrayContaining(['body.candidateId', 'body.name', 'body.imageUrl', 'body']));
  });

  it('are edited in place, the board record following the new name, even while live', async () => {
    const campaign = await create();
    await goLive(campaign.id);
    const answer = await edit(campaign.id, 'bob', { name: 'Robert', description: 'Plays the cello' });
    expect(answer.status).toBe(200);
    expect(answer.body.members).toContainEqual({
      candidateId: 'bob',
      name: 'Robert',
      description: 'Plays the cello',
    });
    const board = await boardModel(server.deps.mongo).findById(campaign.id).lean();
    expect(board?.members).toContainEqual({ candidateId: 'bob', name: 'Robert' });
    const unknown = await edit(campaign.id, 'nobody', { name: 'X' });
    expect(unknown.status).toBe(404);
    expect(codeOf(unknown)).toBe('CANDIDATE_NOT_FOUND');
    expect(codeOf(await edit(campaign.id, 'bob', {}))).toBe('INVALID_INPUT');
  });

  it('are removed from a draft, from Redis too, so they cannot take votes later', async () => {
    const campaign = await create();
    const answer = await remove(campaign.id, 'bob');
    expect(answer.status).toBe(200);
    expect(answer.body.members.map((m) => m.candidateId)).toEqual(['alice']);
    expect(await redisMembers(campaign.id)).toEqual(['alice']);
    await goLive(campaign.id);
    const vote = await castVote(server, campaign.id, 'bob', { participantId: 'p-member-voter' });
    expect(vote.status).toBe(422);
  });

  it('are never removed once the campaign has gone live: votes for them may exist', async () => {
    const campaign = await create();
    await goLive(campaign.id);
    await call(server, host.token, 'POST', `/api/campaigns/${campaign.id}/status`, { status: 'paused' });
    const answer = await remove(campaign.id, 'bob');
    expect(answer.status).toBe(409);
    expect((answer.body as unknown as ErrorBody).error).toMatchObject({
      code: 'CAMPAIGN_NOT_EDITABLE',
      message: expect.stringMatching(/votes for them may exist/),
    });
    expect(await redisMembers(campaign.id)).toEqual(['alice', 'bob']);
  });

  it('changes are in the audit log with the member before and after', async () => {
    const campaign = await create();
    await add(campaign.id, { candidateId: 'carol', name: 'Carol' });
    await edit(campaign.id, 'carol', { name: 'Caroline' });
    await remove(campaign.id, 'carol');
    const entries = await auditModel(server.deps.mongo)
      .find({ campaignId: campaign.id, 'target.type': 'member' })
      .sort({ at: 1, _id: 1 })
      .lean();
    expect(entries.map((e) => [e.action, e.target, e.before, e.after])).toEqual([
      ['member.add', { type: 'member', id: 'carol' }, null, { candidateId: 'carol', name: 'Carol' }],
      [
        'member.update',
        { type: 'member', id: 'carol' },
        { candidateId: 'carol', name: 'Carol' },
        { candidateId: 'carol', name: 'Caroline' },
      ],
      ['member.remove', { type: 'member', id: 'carol' }, { candidateId: 'carol', name: 'Caroline' }, null],
    ]);
  });
});
