import { rewardModels, unlockableModel } from '@rallyboard/core/db';
import { lotteryHolder } from '@rallyboard/core/lottery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { randomId, testConfig } from '../../../test/support/config.js';
import { participantToken } from '../../../test/support/participants.js';
import { seedBoard, startTestServer, type TestServer } from '../../../test/support/stack.js';

/**
 * What one participant earned or opened is theirs alone: another participant asking the same
 * routes (the only ones that answer a participant's incentives) gets their own, and nothing of
 * the first's: no code, no holder hash, no unlocked text.
 */
const config = testConfig();
let server: TestServer;
let campaignId: string;
const ann = randomId('p-ann');
const ben = randomId('p-ben');
const CODE = 'ANN-CODE-0001';
const SECRET = '只给点过赞的人看的花絮';

/** Every participant route that reads incentives: each is asked by ben below. */
const ROUTES = ['/api/me/rewards', '/api/me/unlockables', '/api/me/recommendations'];

beforeAll(async () => {
  server = await startTestServer(config);
  campaignId = await seedBoard(config, server.deps.redis, server.deps.mongo, ['alice', 'bob'], {
    kind: 'like',
  });
  await createLiveCampaign(server.deps.mongo, campaignId, { kind: 'like' });
  const { grants } = rewardModels(server.deps.mongo);
  const base = {
    campaignId,
    ruleId: 'rrACCESSRULE',
    participantId: ann,
    voteId: 'v-ann',
    grantedAt: new Date(),
  };
  await grants.insertMany([
    {
      ...base,
      _id: 'g-ann-coupon',
      key: 'day:2026-12-01',
      status: 'active',
      poolId: 'cpACCESSPOOL',
      code: CODE,
    },
    { ...base, _id: 'g-ann-ticket', key: 'nth:1', status: 'active', lotteryId: 'ltACCESSLOTT' },
  ]);
  await unlockableModel(server.deps.mongo).create({
    _id: 'ulACCESSITEM',
    campaignId,
    candidateId: 'alice',
    title: '花絮',
    text: SECRET,
    unlock: { kind: 'my-like' },
    createdAt: new Date(),
    createdBy: 'h-test',
  });
  // ann's counted like of alice stands (the set the workers keep).
  await server.deps.redis.sadd(server.deps.keys.board(campaignId).likes('alice'), ann);
});
afterAll(async () => {
  await server.close();
});

async function ask(participantId: string | undefined, path: string) {
  const res = await fetch(`${server.url}${path}`, {
    headers: participantId
      ? { authorization: `Bearer ${await participantToken(config, participantId)}` }
      : {},
  });
  return { status: res.status, text: await res.text() };
}

describe("another participant's incentives", () => {
  it('are covered here: every participant route of rewards, unlocks and recommendations', () => {
    const incentives = server.api.routes
      .filter(
        (r) =>
          r.auth === 'participant' &&
          r.method === 'get' &&
          ['Rewards', 'Unlocks', 'Recommendations'].includes(r.tag),
      )
      .map((r) => r.path);
    expect(incentives.sort()).toEqual([...ROUTES].sort());
  });

  it("are not in what a participant reads: no code, ticket holder or unlocked text of another's", async () => {
    const holder = lotteryHolder('ltACCESSLOTT', ann);
    // ann herself sees them: the data is there to leak.
    const own = await ask(ann, `/api/me/rewards?campaignId=${campaignId}`);
    expect(own.text).toContain(CODE);
    expect(own.text).toContain(holder);
    expect((await ask(ann, `/api/me/unlockables?campaignId=${campaignId}`)).text).toContain(SECRET);

    for (const path of ROUTES) {
      const query = path === '/api/me/recommendations' ? '' : `?campaignId=${campaignId}`;
      const answer = await ask(ben, `${path}${query}`);
      expect(answer.status, path).toBe(200);
      for (const leak of [CODE, holder, SECRET, ann])
        expect(answer.text, `${path} leaks ${leak}`).not.toContain(leak);
      // Naming ann does not make it hers: refused, or answered as ben's own.
      const naming = await ask(ben, `${path}${query}${query ? '&' : '?'}participantId=${ann}`);
      expect([200, 400], path).toContain(naming.status);
      for (const leak of [CODE, holder, SECRET])
        expect(naming.text, `${path} leaks ${leak}`).not.toContain(leak);
      expect((await ask(undefined, `${path}${query}`)).status, path).toBe(401);
    }
    const mine = JSON.parse((await ask(ben, `/api/me/unlockables?campaignId=${campaignId}`)).text);
    expect(mine.items).toEqual([expect.objectContaining({ id: 'ulACCESSITEM', locked: true })]);
    expect(mine.items[0].content).toBeUndefined();
  });
});
