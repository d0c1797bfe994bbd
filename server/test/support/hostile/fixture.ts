import type { Config } from '@rallyboard/core/config';
import { connectMongo, rewardModels } from '@rallyboard/core/db';
import { lotteryCommitment } from '@rallyboard/core/lottery';
import type { Connection } from 'mongoose';
import { inject } from 'vitest';
import type { WeChatFake } from '../../../../scripts/wechat-fake/server.js';
import { createLiveCampaign } from '../../../../test/support/campaigns.js';
import { testMongoUri } from '../../../../test/support/config.js';
import { seedBoard, startTestServer, type TestServer } from '../../../../test/support/stack.js';
import { configFor, startFake } from '../../../../test/support/wechat.js';
import { createTokenSigner } from '../../../src/auth/tokens.js';
import { createVoteIds } from '../../../src/ingest/vote-ids.js';
import { bindWeChat, campaignBody, createTestHost, type TestHost } from '../hosts.js';
import type { Callers } from './auth.js';
import { type HostileEntries, hostileEntries } from './entries.js';

/** What makes every route's example valid: a server, accounts, tokens, a live campaign, drafts. */
export interface HostileFixture {
  config: Config;
  server: TestServer;
  mongo: Connection;
  fake: WeChatFake;
  /** A live campaign's board (the campaign has the same id), with alice and bob. */
  boardId: string;
  /** A like board, with alice and bob, and a live like campaign of the host's. */
  likeBoardId: string;
  /** `Authorization` header values of the participant, the host and the admin. */
  asParticipant: string;
  asHost: string;
  asAdmin: string;
  callers: Callers;
  host: TestHost;
  /** A host account for the admin to change. */
  otherHost: TestHost;
  /** Hosts whose valid examples end their own sign-ins: one logs out, one changes its password. */
  leavingHost: TestHost;
  passwordHost: TestHost;
  /** passwordHost's token of the version its password change makes (the change revokes the one it carried). */
  passwordHostNextToken: string;
  /** A vote id issued to the participant on the board. */
  voteId: string;
  /** Refresh tokens of two real sign-ins through the WeChat fake: one to refresh, one to log out. */
  refreshToken: string;
  logoutToken: string;
  /** The participant's share token for bob. */
  shareToken: string;
  /** Drafts of the host's, made through the API: one to read and change, one to delete, one to schedule. */
  campaignId: string;
  doomedId: string;
  schedulableId: string;
  /** A review action (a void of no vote) on the live campaign, queued. */
  reviewActionId: string;
  /** An ended campaign of the host's, with its board: its ranking may be revealed. */
  endedId: string;
  /** Entries on the live campaign (support/hostile/entries.ts). */
  entries: HostileEntries;
  /** A code that binds a WeChat to the admin (the host's own is bound already). */
  bindingCode: string;
  /**
   * A coupon pool and a reward rule on the live campaign; on the ended one, a lottery to draw and
   * one drawn already (written directly: the API adds lotteries before a campaign starts only).
   */
  rewards: { poolId: string; ruleId: string; lotteryId: string; drawnLotteryId: string };
  close(): Promise<void>;
}

/** A real sign-in through the WeChat fake; answers the refresh token it gives. */
export async function signIn(server: TestServer, code: string): Promise<string> {
  const res = await fetch(`${server.url}/api/auth/wechat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code }),
  });
  if (res.status !== 200) throw new Error(`sign-in answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { refreshToken: string }).refreshToken;
}

async function postJson(server: TestServer, path: string, authorization: string, body: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`POST ${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Record<string, string>;
}

/**
 * A coupon pool and a points rule on the campaign, made through the API, and the participant's
 * grant of the pool's code HOSTILE-0009 (written directly: no vote worker runs here), to redeem.
 */
async function hostileRewards(
  server: TestServer,
  mongo: Connection,
  campaignId: string,
  asHost: string,
  participantId: string,
) {
  const pool = await postJson(server, `/api/campaigns/${campaignId}/coupon-pools`, asHost, {
    name: '券',
    expiresAt: '2099-01-01T00:00:00Z',
  });
  const rule = await postJson(server, `/api/campaigns/${campaignId}/reward-rules`, asHost, {
    name: '积分',
    trigger: { kind: 'first-of-day' },
    reward: { kind: 'points', points: 5 },
  });
  await rewardModels(mongo).grants.create({
    _id: 'g-hostile-coupon',
    campaignId,
    ruleId: rule.id as string,
    participantId,
    key: 'day:2026-01-01',
    voteId: 'r-hostile-vote',
    status: 'active',
    poolId: pool.id as string,
    code: 'HOSTILE-0009',
    grantedAt: new Date(),
  });
  return { poolId: pool.id as string, ruleId: rule.id as string };
}

/** A lottery to draw and one drawn, on an ended campaign. */
async function hostileLotteries(mongo: Connection, endedId: string, hostId: string) {
  const base = {
    campaignId: endedId,
    name: '抽奖',
    prizes: [{ name: '奖', count: 1 }],
    perParticipant: 1,
    seed: 'ab'.repeat(32),
    commitment: lotteryCommitment('ab'.repeat(32)),
    createdAt: new Date(),
    createdBy: hostId,
  };
  const { lotteries } = rewardModels(mongo);
  await lotteries.create({ ...base, _id: 'ltHOSTILE001', status: 'committed' });
  await lotteries.create({
    ...base,
    _id: 'ltHOSTILE002',
    status: 'drawn',
    drawnAt: new Date(),
    ticketCount: 0,
    winners: [],
  });
  return { lotteryId: 'ltHOSTILE001', drawnLotteryId: 'ltHOSTILE002' };
}

/** A new WeChat binding code of the host whose token this is. */
async function bindingCodeOf(server: TestServer, token: string): Promise<string> {
  const res = await fetch(`${server.url}/api/host/wechat`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  if (res.status !== 201) throw new Error(`binding code answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { code: string }).code;
}

/**
 * Starts the server on the run's services and makes the fixture. Redis is the run's server in a
 * logical database of the file's own (`redisDb`): the write check SCANs for the test's keys
 * around every property run, and database 0 holds every other run's keys (hundreds of
 * thousands), so each SCAN there walked them all. MongoDB is a database of the file's own too
 * (the file's, suffixed `-hostile`, dropped on close): the write check digests every collection
 * of the database, so it holds nothing but the fixture.
 */
export async function createHostileFixture(redisDb: number): Promise<HostileFixture> {
  const redisUrl = new URL(inject('redisUrl'));
  redisUrl.pathname = `/${redisDb}`;
  const fake = await startFake();
  const mongoUri = new URL(testMongoUri());
  mongoUri.pathname = `${mongoUri.pathname}-hostile`;
  const config = configFor(fake, { REDIS_URL: redisUrl.toString(), MONGODB_URI: mongoUri.toString() });
  const mongo = await connectMongo(config.mongo.uri, 'test');
  const server = await startTestServer(config, mongo);

  const participantId = 'p-hostile-1';
  const boardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']);
  const { token } = await createTokenSigner(config.auth).participant({ participantId });
  const asParticipant = `Bearer ${token}`;
  // Real accounts: host routes check the token's account on every request.
  const host = await createTestHost(server, 'host');
  const admin = await createTestHost(server, 'admin');
  const otherHost = await createTestHost(server, 'host');
  const leavingHost = await createTestHost(server, 'host');
  const passwordHost = await createTestHost(server, 'host');
  // WeChat checks the candidate text the host saves, as the bound WeChat user's.
  await bindWeChat(server, host, fake);
  const asHost = `Bearer ${host.token}`;
  // The board is also a live campaign of the host's (same id), so it can be shared and read.
  await createLiveCampaign(mongo, boardId, { createdBy: host.id });
  const endedId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']);
  // Ended by its schedule long ago: its lottery is drawn without waiting on the queue's votes.
  await createLiveCampaign(mongo, endedId, {
    createdBy: host.id,
    status: 'ended',
    schedule: {
      startAt: new Date(Date.now() - 2 * 86_400_000),
      endAt: new Date(Date.now() - 86_400_000),
      timezone: 'Asia/Shanghai',
    },
  });
  const likeBoardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob'], { kind: 'like' });
  // Also a live like campaign of the host's: content a like opens is added to it.
  await createLiveCampaign(mongo, likeBoardId, { createdBy: host.id, kind: 'like' });
  const draft = async () => (await postJson(server, '/api/campaigns', asHost, campaignBody())).id as string;
  return {
    config,
    server,
    mongo,
    fake,
    boardId,
    likeBoardId,
    asParticipant,
    asHost,
    asAdmin: `Bearer ${admin.token}`,
    callers: {
      participant: { participantId },
      host: { hostId: host.id, role: 'host' },
      admin: { hostId: admin.id, role: 'admin' },
    },
    host,
    otherHost,
    leavingHost,
    passwordHost,
    passwordHostNextToken: (
      await createTokenSigner(config.auth).host({ hostId: passwordHost.id, role: 'host', tokenVersion: 1 })
    ).token,
    voteId: createVoteIds(config.auth).issue(boardId, participantId),
    refreshToken: await signIn(server, 'ok-hostile-1'),
    logoutToken: await signIn(server, 'ok-hostile-2'),
    shareToken: (
      await postJson(server, `/api/campaigns/${boardId}/share-tokens`, asParticipant, { candidateId: 'bob' })
    ).shareToken as string,
    campaignId: await draft(),
    doomedId: await draft(),
    schedulableId: await draft(),
    endedId,
    entries: await hostileEntries(config, server, mongo, boardId, host.id),
    // Its own host's: the admin's would go when the admin's unbinding example drops its code.
    bindingCode: await bindingCodeOf(server, (await createTestHost(server, 'host')).token),
    rewards: {
      ...(await hostileRewards(server, mongo, boardId, asHost, participantId)),
      ...(await hostileLotteries(mongo, endedId, host.id)),
    },
    reviewActionId: (
      await postJson(server, `/api/campaigns/${boardId}/review`, asHost, {
        decision: 'void',
        select: { voteIds: ['r-no-such-vote'] },
      })
    ).id as string,
    async close() {
      await server.close();
      await mongo.dropDatabase();
      await mongo.close();
      await fake.close();
    },
  };
}
