import { auditModel, campaignModel } from '@rallyboard/core/db';
import { beforeAll, describe, expect, it } from 'vitest';
import { FAKE_PATHS } from '../../../test/support/wechat.js';
import { useWeChatServer } from '../../../test/support/wechat-server.js';
import { updateMember } from '../../src/campaigns/members.js';
import type { CampaignStore } from '../../src/campaigns/store.js';
import { bindWeChat, call, campaignBody, createTestHost, type TestHost } from '../support/hosts.js';
import { actorOf, testCampaignStore } from '../support/move-failure.js';

/**
 * WeChat's check of candidate text runs before the campaign's lock; under it, the text is judged
 * only from the verdicts kept then. A change that lands in between makes the save start over, so
 * the text it writes (its own edit on top of the other) is the text WeChat judged.
 */
const env = useWeChatServer();
let host: TestHost;
let store: CampaignStore;

beforeAll(async () => {
  host = await createTestHost(env.server);
  await bindWeChat(env.server, host, env.fake);
  store = testCampaignStore(env.server);
});

const checks = () => env.fake.state.callCount(FAKE_PATHS.msgSecCheck);

describe('candidate text changed while a save waited for the lock', () => {
  it('starts the save over, and what it writes was judged', async () => {
    const created = await call<{ id: string }>(
      env.server,
      host.token,
      'POST',
      '/api/campaigns',
      campaignBody(),
    );
    const campaignId = created.body.id;
    let raced = false;
    const racing: CampaignStore = {
      ...store,
      async serialize(id, work) {
        if (!raced) {
          raced = true;
          // Another host's edit of the same candidate lands between the check and the lock.
          const other = await call(env.server, host.token, 'PATCH', `/api/campaigns/${id}/members/alice`, {
            description: '来自另一次编辑的介绍',
          });
          expect(other.status).toBe(200);
        }
        return store.serialize(id, work);
      },
    };
    const before = checks();
    const saved = await updateMember(racing, actorOf(host), campaignId, 'alice', { name: 'Alice 二号' });
    expect(saved.members.find((m) => m.candidateId === 'alice')).toMatchObject({
      name: 'Alice 二号',
      description: '来自另一次编辑的介绍',
    });
    // The first check (the old description), the other edit's, and the second try's (both edits).
    expect(checks() - before).toBe(3);
    const entry = await auditModel(env.mongo)
      .findOne({ campaignId, action: 'member.update', 'after.name': 'Alice 二号' })
      .lean();
    expect((entry?.after as { contentChecks?: unknown[] } | undefined)?.contentChecks).toHaveLength(1);
  });

  it('needs no check to remove text, even with WeChat unreachable for the host', async () => {
    const created = await call<{ id: string }>(env.server, host.token, 'POST', '/api/campaigns', {
      ...campaignBody(),
      members: [{ candidateId: 'alice', name: 'Alice', group: '一班', description: '要删掉的介绍' }],
    });
    expect(created.status).toBe(201);
    env.fake.state.failNext(FAKE_PATHS.msgSecCheck, -1, 5);
    const before = checks();
    const cleared = await call(
      env.server,
      host.token,
      'PATCH',
      `/api/campaigns/${created.body.id}/members/alice`,
      {
        description: '',
      },
    );
    expect(cleared.status).toBe(200);
    expect(checks()).toBe(before);
    const stored = await campaignModel(env.mongo).findById(created.body.id).lean();
    expect(stored?.members[0]).toMatchObject({ name: 'Alice', group: '一班', description: '' });
    env.fake.state.clearFaults();
  });
});
