import { campaignModel, matchModel, rewardModels } from '@rallyboard/core/db';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { randomId } from '../../../test/support/config.js';
import { useWeChatServer } from '../../../test/support/wechat-server.js';
import { bindWeChat, call, campaignBody, codeOf, createTestHost, type TestHost } from '../support/hosts.js';

/**
 * The incentives' text a host publishes (a lottery's name and prizes, a pledge's sponsor and
 * cause, a campaign's tags) passes WeChat's content check as the host's, as candidate text does.
 */
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

/** A blocklisted word of the fake's, unique to the test. */
const word = () => {
  const w = `禁词${Math.random().toString(36).slice(2, 8)}`;
  env.fake.state.blockWord(w, 20012, 'risky');
  return w;
};
const as = (method: string, path: string, body?: unknown) => call(env.server, host.token, method, path, body);

async function campaignIn(status: 'scheduled' | 'live'): Promise<string> {
  const campaignId = randomId('c');
  await createLiveCampaign(env.mongo, campaignId, { createdBy: host.id, status });
  return campaignId;
}

describe('incentive text a host publishes', () => {
  it("is refused in a lottery's prizes, and nothing is saved", async () => {
    const campaignId = await campaignIn('scheduled');
    const refused = await as('POST', `/api/campaigns/${campaignId}/lotteries`, {
      name: '幸运抽奖',
      prizes: [{ name: `${word()}大奖`, count: 1 }],
    });
    expect(codeOf(refused)).toBe('CONTENT_RISKY');
    // A lottery that asks for shares is refused as a share trigger is, before WeChat is asked.
    const sharing = await as('POST', `/api/campaigns/${campaignId}/lotteries`, {
      name: '转发抽奖',
      prizes: [{ name: '耳机', count: 1 }],
    });
    expect(codeOf(sharing)).toBe('REWARD_TRIGGER_FORBIDDEN');
    expect(await rewardModels(env.mongo).lotteries.countDocuments({ campaignId })).toBe(0);
    expect(
      (
        await as('POST', `/api/campaigns/${campaignId}/lotteries`, {
          name: '幸运抽奖',
          prizes: [{ name: '耳机', count: 1 }],
        })
      ).status,
    ).toBe(201);
  });

  it("is refused in a pledge's cause, and nothing is saved", async () => {
    const campaignId = await campaignIn('live');
    const refused = await as('POST', `/api/campaigns/${campaignId}/matches`, {
      sponsor: '爱心企业',
      cause: `用于${word()}`,
      perVoteFen: 10,
      capFen: 100,
    });
    expect(codeOf(refused)).toBe('CONTENT_RISKY');
    expect(await matchModel(env.mongo).countDocuments({ campaignId })).toBe(0);
  });

  it("is refused in a campaign's tags, on creation and on a change", async () => {
    const bad = word();
    expect(codeOf(await as('POST', '/api/campaigns', campaignBody({ tags: ['校园', bad] })))).toBe(
      'CONTENT_RISKY',
    );
    const created = await as('POST', '/api/campaigns', campaignBody({ tags: ['校园'] }));
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    expect(codeOf(await as('PATCH', `/api/campaigns/${id}`, { tags: ['校园', bad] }))).toBe('CONTENT_RISKY');
    expect((await campaignModel(env.mongo).findById(id).lean())?.tags).toEqual(['校园']);
  });
});
