import { campaignModel, rewardModels } from '@rallyboard/core/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { randomId, testConfig } from '../../../test/support/config.js';
import { startTestServer, type TestServer } from '../../../test/support/stack.js';
import { type Answer, campaignBody, codeOf, createTestHost, type TestHost } from '../support/hosts.js';

/**
 * A host's create sent again with the same Idempotency-Key (a form sent again after no answer, an
 * API client's retry) creates once and answers what the first answered.
 */
const config = testConfig();
let server: TestServer;
let host: TestHost;
let other: TestHost;

beforeAll(async () => {
  server = await startTestServer(config);
  host = await createTestHost(server);
  other = await createTestHost(server);
});
afterAll(async () => {
  await server.close();
});

/** POSTs `body` as `who`, with the key given (none when undefined). */
async function post<T>(who: TestHost, path: string, body: unknown, key?: string): Promise<Answer<T>> {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${who.token}`,
      'content-type': 'application/json',
      ...(key === undefined ? {} : { 'idempotency-key': key }),
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
}

const campaignsOf = (who: TestHost, title: string) =>
  campaignModel(server.deps.mongo).countDocuments({ createdBy: who.id, title });

const rule = (name: string) => ({
  name,
  trigger: { kind: 'first-of-day' },
  reward: { kind: 'points', points: 5 },
});

async function liveCampaign(): Promise<string> {
  const campaignId = randomId('c');
  await createLiveCampaign(server.deps.mongo, campaignId, { createdBy: host.id });
  return campaignId;
}

describe('a create sent with an Idempotency-Key', () => {
  it('creates once: sent again, it answers the first answer, marked as replayed', async () => {
    const title = randomId('title');
    const key = randomId('key-');
    const body = campaignBody({ title });
    const first = await post<{ id: string }>(host, '/api/campaigns', body, key);
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await post<{ id: string }>(host, '/api/campaigns', body, key);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await campaignsOf(host, title)).toBe(1);
  });

  it('creates once when the same request comes twice at the same time', async () => {
    const campaignId = await liveCampaign();
    const key = randomId('key-');
    const path = `/api/campaigns/${campaignId}/reward-rules`;
    const answers = await Promise.all([
      post(host, path, rule('每日积分'), key),
      post(host, path, rule('每日积分'), key),
    ]);
    const statuses = answers.map((a) => a.status).sort();
    // The second finds the first running (409, to send again) or done (its answer again).
    expect([
      [201, 201],
      [201, 409],
    ]).toContainEqual(statuses);
    for (const answer of answers.filter((a) => a.status === 409)) {
      expect(codeOf(answer)).toBe('IDEMPOTENCY_KEY_IN_USE');
    }
    expect(await rewardModels(server.deps.mongo).rules.countDocuments({ campaignId })).toBe(1);
  });

  it('refuses the same key with another body, and creates nothing more', async () => {
    const campaignId = await liveCampaign();
    const key = randomId('key-');
    const path = `/api/campaigns/${campaignId}/reward-rules`;
    expect((await post(host, path, rule('每日积分'), key)).status).toBe(201);
    const other = await post(host, path, rule('另一条规则'), key);
    expect([other.status, codeOf(other)]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
    expect(await rewardModels(server.deps.mongo).rules.countDocuments({ campaignId })).toBe(1);
  });

  it('keeps nothing of a refusal: the key is free for the request made right', async () => {
    const campaignId = await liveCampaign();
    const key = randomId('key-');
    const path = `/api/campaigns/${campaignId}/reward-rules`;
    const refused = await post(
      host,
      path,
      { ...rule('每日积分'), trigger: { kind: 'share', friends: 3 } },
      key,
    );
    expect([refused.status, codeOf(refused)]).toEqual([422, 'REWARD_TRIGGER_FORBIDDEN']);
    expect((await post(host, path, rule('每日积分'), key)).status).toBe(201);
  });

  it('is the caller’s own: another host’s same key creates its own', async () => {
    const title = randomId('title');
    const key = randomId('key-');
    expect((await post(host, '/api/campaigns', campaignBody({ title }), key)).status).toBe(201);
    const theirs = await post(other, '/api/campaigns', campaignBody({ title }), key);
    expect(theirs.status).toBe(201);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    expect([await campaignsOf(host, title), await campaignsOf(other, title)]).toEqual([1, 1]);
  });

  it('is one request however its path is spelt: case and a trailing slash', async () => {
    const title = randomId('title');
    const key = randomId('key-');
    const body = campaignBody({ title });
    expect((await post(host, '/api/campaigns', body, key)).status).toBe(201);
    const again = await post(host, '/api/Campaigns/', body, key);
    expect([again.status, again.headers.get('idempotent-replayed')]).toEqual([201, 'true']);
    expect(await campaignsOf(host, title)).toBe(1);
  });

  it('creates each time without a key, and refuses a malformed key', async () => {
    const title = randomId('title');
    expect((await post(host, '/api/campaigns', campaignBody({ title }))).status).toBe(201);
    expect((await post(host, '/api/campaigns', campaignBody({ title }))).status).toBe(201);
    expect(await campaignsOf(host, title)).toBe(2);
    const bad = await post(host, '/api/campaigns', campaignBody({ title }), 'short');
    expect([bad.status, codeOf(bad)]).toEqual([400, 'INVALID_INPUT']);
  });
});
