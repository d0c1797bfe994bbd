import { auditModel, unlockableModel } from '@rallyboard/core/db';
import type { UnlockableView } from '@rallyboard/core/protocol';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { randomId } from '../../../test/support/config.js';
import { useWeChatServer } from '../../../test/support/wechat-server.js';
import { bindWeChat, call, codeOf, createTestHost, type TestHost } from '../support/hosts.js';

/** Like-to-unlock content is published text: WeChat checks it as the host's before it is saved. */
const env = useWeChatServer();
let host: TestHost;
let hostOpenid: string;

beforeAll(async () => {
  host = await createTestHost(env.server);
  hostOpenid = await bindWeChat(env.server, host, env.fake);
});
beforeEach(() => {
  env.fake.state.clearFaults();
  env.fake.state.visit(hostOpenid);
});

async function likeCampaign(): Promise<string> {
  const campaignId = randomId('c');
  await createLiveCampaign(env.mongo, campaignId, { createdBy: host.id, kind: 'like' });
  return campaignId;
}

const add = (campaignId: string, text: string) =>
  call<UnlockableView>(env.server, host.token, 'POST', `/api/campaigns/${campaignId}/unlockables`, {
    candidateId: 'alice',
    title: '花絮',
    text,
    unlock: { kind: 'my-like' },
  });

describe('like-to-unlock content a host adds', () => {
  it("is checked as the host's, and the verdict goes in the audit entry", async () => {
    const campaignId = await likeCampaign();
    const added = await add(campaignId, '排练那天的故事');
    expect(added.status).toBe(201);
    const entry = await auditModel(env.mongo).findOne({ campaignId, action: 'unlocks.add' }).lean();
    expect((entry?.after as { contentChecks?: unknown[] } | undefined)?.contentChecks).toEqual([
      expect.objectContaining({ suggest: 'pass' }),
    ]);
  });

  it.each([
    ['its title', { title: '转发给好友一起冲1000赞解锁', text: '排练那天的故事' }],
    ['its text', { title: '花絮', text: '邀请好友助力，满1000赞就解锁' }],
  ])(
    'is refused, saving nothing, when %s asks for shares: it is shown beside the likes that open it',
    async (_what, fields) => {
      const campaignId = await likeCampaign();
      const refused = await call(env.server, host.token, 'POST', `/api/campaigns/${campaignId}/unlockables`, {
        candidateId: 'alice',
        ...fields,
        unlock: { kind: 'shared-goal', likes: 1000 },
      });
      expect(refused.status).toBe(422);
      expect(codeOf(refused)).toBe('REWARD_TRIGGER_FORBIDDEN');
      expect(await unlockableModel(env.mongo).countDocuments({ campaignId })).toBe(0);
    },
  );

  it('is refused, saving nothing, on a candidate whose name asks for shares: its condition prints that name', async () => {
    const campaignId = randomId('c');
    await createLiveCampaign(env.mongo, campaignId, {
      createdBy: host.id,
      kind: 'like',
      members: [
        { candidateId: 'alice', name: '转发拉票冲千票' },
        { candidateId: 'bob', name: 'Bob' },
      ],
    });
    for (const unlock of [{ kind: 'shared-goal', likes: 1000 }, { kind: 'my-like' }]) {
      const refused = await call(env.server, host.token, 'POST', `/api/campaigns/${campaignId}/unlockables`, {
        candidateId: 'alice',
        title: '花絮',
        text: '排练那天的故事',
        unlock,
      });
      expect(refused.status, JSON.stringify(refused.body)).toBe(422);
      expect(codeOf(refused), unlock.kind).toBe('REWARD_TRIGGER_FORBIDDEN');
    }
    expect(await unlockableModel(env.mongo).countDocuments({ campaignId })).toBe(0);
  });

  it('refused by the check saves nothing, and the refusal names the fields, not an id', async () => {
    const campaignId = await likeCampaign();
    const bad = `禁词${Math.random().toString(36).slice(2, 8)}`;
    env.fake.state.blockWord(bad, 20012, 'risky');
    const refused = await add(campaignId, `这里有${bad}`);
    expect(refused.status).toBe(422);
    expect(codeOf(refused)).toBe('CONTENT_RISKY');
    expect((refused.body as unknown as { error: { details: unknown } }).error.details).toEqual({
      fields: ['title', 'text'],
    });
    expect(await unlockableModel(env.mongo).countDocuments({ campaignId })).toBe(0);
  });

  it('is refused for a host with no WeChat bound: HOST_WECHAT_UNBOUND', async () => {
    const other = await createTestHost(env.server);
    const campaignId = randomId('c');
    await createLiveCampaign(env.mongo, campaignId, { createdBy: other.id, kind: 'like' });
    const unbound = await call(env.server, other.token, 'POST', `/api/campaigns/${campaignId}/unlockables`, {
      candidateId: 'alice',
      title: '花絮',
      text: '文字',
      unlock: { kind: 'my-like' },
    });
    expect(codeOf(unbound)).toBe('HOST_WECHAT_UNBOUND');
    expect(await unlockableModel(env.mongo).countDocuments({ campaignId })).toBe(0);
  });
});
