import { auditModel, campaignModel } from '@rallyboard/core/db';
import type { CampaignView } from '@rallyboard/core/protocol';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_PATHS } from '../../../test/support/wechat.js';
import { useWeChatServer } from '../../../test/support/wechat-server.js';
import { bindWeChat, call, campaignBody, codeOf, createTestHost, type TestHost } from '../support/hosts.js';

/**
 * WeChat's content check of the candidate text hosts enter (names, groups, descriptions), as the
 * WeChat user bound to the host's account, against the fake WeChat server.
 */
const env = useWeChatServer();
let host: TestHost;
let admin: TestHost;
let hostOpenid: string;

beforeAll(async () => {
  [host, admin] = await Promise.all([createTestHost(env.server), createTestHost(env.server, 'admin')]);
  hostOpenid = await bindWeChat(env.server, host, env.fake);
});
beforeEach(() => {
  env.fake.state.clearFaults();
  env.fake.state.visit(hostOpenid);
});

const as = (who: TestHost, method: string, path: string, body?: unknown) =>
  call<CampaignView>(env.server, who.token, method, path, body);
const checks = () => env.fake.state.callCount(FAKE_PATHS.msgSecCheck);
const stored = (campaignId: string) => campaignModel(env.mongo).findById(campaignId).lean();
/** A blocklisted word of the fake's, unique to the test. */
const word = (name: string, suggest: 'risky' | 'review' = 'risky') => {
  const w = `禁词${name}${Math.random().toString(36).slice(2, 8)}`;
  env.fake.state.blockWord(w, 20012, suggest);
  return w;
};

async function draft(): Promise<string> {
  const created = await as(host, 'POST', '/api/campaigns', campaignBody());
  expect(created.status).toBe(201);
  return created.body.id;
}

describe('candidate text a host saves', () => {
  it('is checked, each candidate once, and the verdicts are in the audit entry of the change, in the members order', async () => {
    const before = checks();
    // alice's answer comes back after bob's: the entry still lists her first.
    env.fake.state.delayNext(FAKE_PATHS.msgSecCheck, 300);
    const created = await as(host, 'POST', '/api/campaigns', campaignBody());
    expect(created.status).toBe(201);
    expect(checks() - before).toBe(2);
    const entry = await auditModel(env.mongo)
      .findOne({ campaignId: created.body.id, action: 'campaign.create' })
      .lean();
    expect((entry?.after as { contentChecks?: unknown[] } | undefined)?.contentChecks).toEqual([
      expect.objectContaining({ candidateId: 'alice', suggest: 'pass', label: 100 }),
      expect.objectContaining({ candidateId: 'bob', suggest: 'pass', label: 100 }),
    ]);
  });

  it('refused as risky in a name, a group or a description saves nothing: CONTENT_RISKY names the candidate', async () => {
    const bad = word('name');
    const refused = await as(host, 'POST', '/api/campaigns', {
      ...campaignBody({ title: `拒绝-${bad}` }),
      members: [
        { candidateId: 'alice', name: 'Alice' },
        { candidateId: 'bob', name: `Bob ${bad}` },
      ],
    });
    expect(refused.status).toBe(422);
    expect(codeOf(refused)).toBe('CONTENT_RISKY');
    expect(refused.body).toMatchObject({
      error: { details: { candidates: [{ candidateId: 'bob', suggest: 'risky', label: 20012 }] } },
    });
    expect(await campaignModel(env.mongo).countDocuments({ title: `拒绝-${bad}` })).toBe(0);

    const campaignId = await draft();
    const inGroup = await as(host, 'POST', `/api/campaigns/${campaignId}/members`, {
      candidateId: 'carol',
      name: 'Carol',
      group: word('group'),
    });
    expect(codeOf(inGroup)).toBe('CONTENT_RISKY');
    const inDescription = await as(host, 'PATCH', `/api/campaigns/${campaignId}/members/alice`, {
      description: `一段介绍 ${word('description')}`,
    });
    expect(codeOf(inDescription)).toBe('CONTENT_RISKY');
    const inList = await as(host, 'PATCH', `/api/campaigns/${campaignId}`, {
      members: [
        { candidateId: 'alice', name: 'Alice' },
        { candidateId: 'bob', name: word('list') },
      ],
    });
    expect(codeOf(inList)).toBe('CONTENT_RISKY');
    expect((await stored(campaignId))?.members).toEqual([
      { candidateId: 'alice', name: 'Alice' },
      { candidateId: 'bob', name: 'Bob' },
    ]);
  });

  it("WeChat's 'review' stops a host, and an admin, the person it asks for, may save it", async () => {
    const doubtful = word('review', 'review');
    const campaignId = await draft();
    const member = { candidateId: 'dora', name: 'Dora', description: `也许 ${doubtful}` };
    const byHost = await as(host, 'POST', `/api/campaigns/${campaignId}/members`, member);
    expect(byHost.status).toBe(422);
    expect(codeOf(byHost)).toBe('CONTENT_NEEDS_REVIEW');
    expect((await stored(campaignId))?.members.map((m) => m.candidateId)).toEqual(['alice', 'bob']);

    await bindWeChat(env.server, admin, env.fake);
    const byAdmin = await as(admin, 'POST', `/api/campaigns/${campaignId}/members`, member);
    expect(byAdmin.status).toBe(201);
    const entry = await auditModel(env.mongo).findOne({ campaignId, action: 'member.add' }).lean();
    expect(entry?.actor.hostId).toBe(admin.id);
    expect((entry?.after as { contentChecks?: unknown[] } | undefined)?.contentChecks).toEqual([
      expect.objectContaining({ candidateId: 'dora', suggest: 'review', label: 20012 }),
    ]);
  });

  it('is checked only where it changed: a picture, or the list saved again with one new candidate', async () => {
    const campaignId = await draft();
    let before = checks();
    const picture = await as(host, 'PATCH', `/api/campaigns/${campaignId}/members/alice`, {
      imageUrl: 'https://img.example.com/alice.png',
    });
    expect(picture.status).toBe(200);
    expect(checks() - before).toBe(0);
    before = checks();
    const list = await as(host, 'PATCH', `/api/campaigns/${campaignId}`, {
      members: [...picture.body.members, { candidateId: 'erin', name: 'Erin' }],
    });
    expect(list.status).toBe(200);
    expect(checks() - before).toBe(1);
  });

  it('waits for a bound WeChat: without one (or unbound) nothing is saved, HOST_WECHAT_UNBOUND', async () => {
    const newcomer = await createTestHost(env.server);
    const before = checks();
    const refused = await call(env.server, newcomer.token, 'POST', '/api/campaigns', campaignBody());
    expect(refused.status).toBe(409);
    expect(codeOf(refused)).toBe('HOST_WECHAT_UNBOUND');
    expect(checks()).toBe(before);
    // A campaign without candidates yet has no text to check.
    const empty = await call(
      env.server,
      newcomer.token,
      'POST',
      '/api/campaigns',
      campaignBody({ members: [] }),
    );
    expect(empty.status).toBe(201);

    await bindWeChat(env.server, newcomer, env.fake);
    expect((await call(env.server, newcomer.token, 'POST', '/api/campaigns', campaignBody())).status).toBe(
      201,
    );
    expect((await call(env.server, newcomer.token, 'DELETE', '/api/host/wechat')).status).toBe(204);
    expect(codeOf(await call(env.server, newcomer.token, 'POST', '/api/campaigns', campaignBody()))).toBe(
      'HOST_WECHAT_UNBOUND',
    );
  });

  it('is asked as the bound user: one not seen in the mini-program for two hours gets HOST_WECHAT_STALE', async () => {
    const campaignId = await draft();
    env.fake.state.visits.delete(hostOpenid);
    const stale = await as(host, 'POST', `/api/campaigns/${campaignId}/members`, {
      candidateId: 'finn',
      name: 'Finn',
    });
    expect(stale.status).toBe(409);
    expect(codeOf(stale)).toBe('HOST_WECHAT_STALE');
    // Opening the mini-program again is a visit: the same save goes through.
    env.fake.state.visit(hostOpenid);
    const saved = await as(host, 'POST', `/api/campaigns/${campaignId}/members`, {
      candidateId: 'finn',
      name: 'Finn',
    });
    expect(saved.status).toBe(201);
  });

  it('is not saved unchecked while WeChat fails: the error says to try again', async () => {
    const campaignId = await draft();
    env.fake.state.failNext(FAKE_PATHS.msgSecCheck, -1);
    const down = await as(host, 'POST', `/api/campaigns/${campaignId}/members`, {
      candidateId: 'gus',
      name: 'Gus',
    });
    expect(down.status).toBe(503);
    expect(codeOf(down)).toBe('WECHAT_UNAVAILABLE');
    env.fake.state.failNext(FAKE_PATHS.msgSecCheck, 45011);
    const slow = await as(host, 'POST', `/api/campaigns/${campaignId}/members`, {
      candidateId: 'gus',
      name: 'Gus',
    });
    expect(slow.status).toBe(429);
    expect((await stored(campaignId))?.members.map((m) => m.candidateId)).toEqual(['alice', 'bob']);
  });
});
