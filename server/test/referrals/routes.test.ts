import { type CampaignDoc, connectMongo, ledgerModel, shareTokenModel } from '@rallyboard/core/db';
import type { ErrorBody, MyReferrals, ShareLink } from '@rallyboard/core/protocol';
import { qrSceneSchema } from '@rallyboard/core/wechat';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { WeChatFake } from '../../../scripts/wechat-fake/server.js';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { randomId } from '../../../test/support/config.js';
import { asParticipant } from '../../../test/support/participants.js';
import {
  eventually,
  seedBoard,
  startTestServer,
  startTestWorker,
  type TestServer,
} from '../../../test/support/stack.js';
import { configFor, FAKE_PATHS, startFake } from '../../../test/support/wechat.js';

let fake: WeChatFake;
let config: ReturnType<typeof configFor>;
let mongo: Connection;
let server: TestServer;

beforeAll(async () => {
  fake = await startFake();
  config = configFor(fake);
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
});
afterAll(async () => {
  await server.close();
  await mongo.close();
  await fake.close();
});

/** A campaign in MongoDB (and its board in Redis, so it takes votes), with alice and bob. */
async function campaign(fields: Partial<CampaignDoc> = {}): Promise<string> {
  const candidateIds = ['alice', 'bob'];
  const campaignId = await seedBoard(config, server.deps.redis, mongo, candidateIds);
  await createLiveCampaign(mongo, campaignId, { candidateIds, ...fields });
  return campaignId;
}

async function share(campaignId: string, candidateId: string, as: string | null): Promise<Response> {
  return fetch(`${server.url}/api/campaigns/${campaignId}/share-tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(as === null ? {} : await asParticipant(config, as)) },
    body: JSON.stringify({ candidateId }),
  });
}

async function shared(campaignId: string, candidateId: string, as: string): Promise<ShareLink> {
  const res = await share(campaignId, candidateId, as);
  expect(res.status).toBe(200);
  return (await res.json()) as ShareLink;
}

async function mine(campaignId: string, as: string): Promise<Response> {
  return fetch(`${server.url}/api/campaigns/${campaignId}/referrals/mine`, {
    headers: await asParticipant(config, as),
  });
}

const errorOf = async (res: Response) => ((await res.json()) as ErrorBody).error;

describe('POST /api/campaigns/:campaignId/share-tokens', () => {
  it('answers a share token, the path to share and the scene of its code', async () => {
    const campaignId = await campaign();
    const link = await shared(campaignId, 'bob', 'p-sharer');
    expect(link.shareToken).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(link.path).toBe(
      `pages/candidate/index?campaignId=${campaignId}&candidateId=bob&share=${link.shareToken}`,
    );
    expect(link.scene).toBe(link.shareToken);
    expect(qrSceneSchema.safeParse(link.scene).success).toBe(true);
  });

  it('answers the same participant sharing the same candidate with the same token, and stores it once', async () => {
    const campaignId = await campaign();
    const first = await shared(campaignId, 'alice', 'p-sharer');
    const again = await Promise.all([1, 2, 3].map(() => shared(campaignId, 'alice', 'p-sharer')));
    for (const link of again) expect(link).toEqual(first);
    expect(await shareTokenModel(mongo).countDocuments({ campaignId })).toBe(1);

    const others = [
      await shared(campaignId, 'bob', 'p-sharer'),
      await shared(campaignId, 'alice', 'p-other-sharer'),
    ].map((l) => l.shareToken);
    expect(new Set([first.shareToken, ...others]).size).toBe(3);
  });

  it('refuses without a participant token', async () => {
    const res = await share(await campaign(), 'alice', null);
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe('UNAUTHENTICATED');
  });

  it('refuses an unknown campaign, a draft, a campaign that is over, and an unknown candidate', async () => {
    const cases: [Promise<Response>, number, string][] = [
      [share(randomId('c'), 'alice', 'p-sharer'), 404, 'CAMPAIGN_NOT_FOUND'],
      [share(await campaign({ status: 'draft' }), 'alice', 'p-sharer'), 404, 'CAMPAIGN_NOT_FOUND'],
      [share(await campaign({ status: 'ended' }), 'alice', 'p-sharer'), 409, 'CAMPAIGN_NOT_LIVE'],
      [share(await campaign({ status: 'archived' }), 'alice', 'p-sharer'), 409, 'CAMPAIGN_NOT_LIVE'],
      [share(await campaign(), 'mallory', 'p-sharer'), 422, 'UNKNOWN_MEMBER'],
    ];
    for (const [pending, status, code] of cases) {
      const res = await pending;
      expect(res.status, code).toBe(status);
      expect((await errorOf(res)).code).toBe(code);
    }
  });

  it('lets a scheduled campaign be shared before it starts', async () => {
    const link = await shared(await campaign({ status: 'scheduled' }), 'alice', 'p-sharer');
    expect(link.shareToken).toHaveLength(22);
  });
});

describe('GET /api/share-tokens/:shareToken', () => {
  it('resolves a token to its campaign and candidate, without the sharer', async () => {
    const campaignId = await campaign();
    const { shareToken } = await shared(campaignId, 'bob', 'p-sharer');
    const res = await fetch(`${server.url}/api/share-tokens/${shareToken}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ campaignId, candidateId: 'bob' });
  });

  it('answers 404 for a token never issued, and 400 for one of the wrong form', async () => {
    const unknown = await fetch(`${server.url}/api/share-tokens/${'x'.repeat(22)}`);
    expect(unknown.status).toBe(404);
    expect((await errorOf(unknown)).code).toBe('SHARE_TOKEN_NOT_FOUND');
    const malformed = await fetch(`${server.url}/api/share-tokens/${'x'.repeat(33)}`);
    expect(malformed.status).toBe(400);
    expect((await errorOf(malformed)).code).toBe('INVALID_INPUT');
  });
});

describe('GET /api/share-tokens/:shareToken/code.png', () => {
  it("answers the token's mini-program code, asking WeChat once", async () => {
    const { shareToken } = await shared(await campaign(), 'alice', 'p-sharer');
    const before = fake.state.callCount(FAKE_PATHS.qrCode);
    const images = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${server.url}/api/share-tokens/${shareToken}/code.png`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      images.push(Buffer.from(await res.arrayBuffer()));
    }
    expect(images[0]?.subarray(1, 4).toString()).toBe('PNG');
    expect(images[1]).toEqual(images[0]);
    expect(images[2]).toEqual(images[0]);
    expect(fake.state.callCount(FAKE_PATHS.qrCode) - before).toBe(1);
  });

  it('answers 404 for a token never issued, without asking WeChat', async () => {
    const before = fake.state.callCount(FAKE_PATHS.qrCode);
    const res = await fetch(`${server.url}/api/share-tokens/${randomId('never_')}/code.png`);
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe('SHARE_TOKEN_NOT_FOUND');
    expect(fake.state.callCount(FAKE_PATHS.qrCode)).toBe(before);
  });

  it("answers WeChat's refusal with its catalogue code, never WeChat's message", async () => {
    const { shareToken } = await shared(await campaign(), 'bob', 'p-sharer-2');
    fake.state.failNext(FAKE_PATHS.qrCode, 45009);
    const res = await fetch(`${server.url}/api/share-tokens/${shareToken}/code.png`);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('60');
    const error = await errorOf(res);
    expect(error.code).toBe('WECHAT_RATE_LIMITED');
    expect(JSON.stringify(error)).not.toContain('45009');
  });
});

/** The answer's schema as mini-program builds before 2026-12-07 check it. */
const legacyMyReferrals = z.object({
  campaignId: z.string(),
  invitees: z.number().int().nonnegative(),
  inviter: z
    .object({
      participantId: z
        .string()
        .min(1)
        .max(128)
        .regex(/^[A-Za-z0-9_.:-]+$/),
      candidateId: z.string(),
      at: z.iso.datetime(),
    })
    .nullable(),
});

describe('GET /api/campaigns/:campaignId/referrals/mine', () => {
  it('answers no invitees and no inviter before anyone votes through a link', async () => {
    const campaignId = await campaign();
    const res = await mine(campaignId, 'p-nobody');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ campaignId, invitees: 0, inviter: null });
  });

  it('answers 404 for an unknown campaign, and for a draft: a participant cannot tell one exists', async () => {
    for (const campaignId of [randomId('c'), await campaign({ status: 'draft' })]) {
      const res = await mine(campaignId, 'p-nobody');
      expect(res.status).toBe(404);
      expect((await errorOf(res)).code).toBe('CAMPAIGN_NOT_FOUND');
    }
  });

  it('counts the invitees whose votes through my link were counted, and shows each the candidate that brought them', async () => {
    const campaignId = await campaign();
    const inviter = randomId('p-inviter-');
    const { shareToken } = await shared(campaignId, 'bob', inviter);
    const invitees = [randomId('p-a-'), randomId('p-b-')];
    const worker = await startTestWorker(config, mongo);
    try {
      const voteAs = async (participantId: string, candidateId: string) => {
        const res = await fetch(`${server.url}/api/boards/${campaignId}/votes`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(await asParticipant(config, participantId)) },
          body: JSON.stringify({ candidateId, shareToken }),
        });
        expect(res.status).toBe(202);
      };
      // Either candidate: the link brought them. The inviter's own vote through it brings no one.
      await voteAs(invitees[0] as string, 'bob');
      await voteAs(invitees[1] as string, 'alice');
      await voteAs(inviter, 'bob');
      // Every vote counted and every job done (a job completes after its votes' attribution).
      await eventually(
        async () => {
          const counted = await ledgerModel(mongo).countDocuments({
            boardId: campaignId,
            verdict: 'counted',
          });
          const open = await server.deps.voteQueue.getJobCounts(
            'waiting',
            'active',
            'delayed',
            'prioritized',
          );
          return counted === 3 && Object.values(open).every((n) => n === 0);
        },
        20_000,
        'three votes counted',
      );
    } finally {
      await worker.close();
    }
    const mineNow = (await (await mine(campaignId, inviter)).json()) as MyReferrals;
    expect(mineNow).toEqual({ campaignId, invitees: 2, inviter: null });
    const theirs = (await (await mine(campaignId, invitees[0] as string)).json()) as MyReferrals;
    // The candidate the link shared and when, never whose link it was: a participant id is the
    // sharer's one pseudonym across every campaign.
    expect(theirs).toEqual({
      campaignId,
      invitees: 0,
      inviter: { participantId: 'hidden', candidateId: 'bob', at: expect.any(String) },
    });
    expect(JSON.stringify(theirs)).not.toContain(inviter);
    // A build before 2026-12-07 reads the answer with a schema that requires a participant id.
    expect(legacyMyReferrals.safeParse(theirs).success).toBe(true);
    expect(Date.parse(theirs.inviter?.at ?? '')).not.toBeNaN();
  });
});
