import { createRequire } from 'node:module';
import { connectMongo, ledgerModel, referralModel } from '@rallyboard/core/db';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WeChatFake } from '../../../scripts/wechat-fake/server.js';
import { configFor, startFake } from '../../../server/test/wechat/support.js';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { randomId } from '../../../test/support/config.js';
import {
  eventually,
  seedBoard,
  startTestServer,
  startTestWorker,
  type TestServer,
} from '../../../test/support/stack.js';
import { compileForTest } from '../support/compiled.js';
import { renderPage, type SimPage, settle, textsOf } from '../support/simulate.js';
import { installWx, type WxShim } from '../support/wx-node.js';

const require = createRequire(import.meta.url);

// The pages, compiled as the mini-program runs them, rendered by miniprogram-simulate, with
// the Node wx against the real server (WeChat is the fake WeChat server).
let fake: WeChatFake;
let config: ReturnType<typeof configFor>;
let mongo: Connection;
let server: TestServer;
let worker: Awaited<ReturnType<typeof startTestWorker>> | undefined;
let build: Awaited<ReturnType<typeof compileForTest>>;
let shim: WxShim;
let user = randomId('pg');
let logins = 0;
let campaignId: string;

interface PageMethods {
  onLoad(query: Record<string, string>): Promise<void>;
  onShow(): void;
  onUnload(): void;
  onShareAppMessage(): { title: string; path: string };
  data: Record<string, unknown>;
}

/** The compiled mini-program's own config module: where its services send requests. */
function pointAt(url: string): void {
  const { configure } = require(`${build.dir}/config.js`) as { configure(c: { apiBase: string }): void };
  configure({ apiBase: url });
}

beforeAll(async () => {
  fake = await startFake();
  config = configFor(fake);
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
  build = await compileForTest();
  shim = installWx({ loginCode: () => `ok-${user}.${++logins}` });
  pointAt(server.url);
  const candidateIds = ['alice', 'bob'];
  campaignId = await seedBoard(config, server.deps.redis, mongo, candidateIds, { quotas: { perDay: 3 } });
  await createLiveCampaign(mongo, campaignId, {
    title: `校园之星 ${campaignId}`,
    kind: 'vote',
    members: [
      { candidateId: 'alice', name: '爱丽丝' },
      { candidateId: 'bob', name: '鲍勃' },
    ],
    schedule: {
      startAt: new Date(Date.now() - 3_600_000),
      endAt: new Date(Date.now() + 2 * 86_400_000),
      timezone: 'Asia/Shanghai',
    },
    rules: { votesPerUserPerDay: 3 },
    // Risk control is off here: every test participant shares one address and taps within
    // milliseconds, which it rightly finds suspect. The held vote below has a campaign of its own.
    risk: { enabled: false },
  });
});
afterAll(async () => {
  await worker?.close();
  await server.close();
  await mongo.close();
  await fake.close();
  await build.remove();
});

/** Opens a page as WeChat does: render, onLoad with the query, onShow. */
async function open(page: string, query: Record<string, string> = {}): Promise<SimPage<PageMethods>> {
  const rendered = renderPage<PageMethods>(build.dir, page);
  await rendered.instance.onLoad(query);
  rendered.instance.onShow?.();
  await settle();
  return rendered;
}

describe('the campaign list', () => {
  it('lists the live campaign and opens it on a tap', async () => {
    const page = await open('pages/campaigns/index');
    const at = textsOf(page, '.title').indexOf(`校园之星 ${campaignId}`);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(textsOf(page, '.status')[at]).toBe('进行中');
    expect(textsOf(page, '.tag')[at]).toBe('投票');
    page.querySelectorAll('.card')[at]?.dispatchEvent('tap');
    await settle();
    expect(shim.navigations.at(-1)).toBe(`/pages/campaign/index?campaignId=${campaignId}`);
  });

  it("opens a campaign from a big screen's join code, whose scene is the campaign id", async () => {
    const page = await open('pages/campaign/index', { scene: encodeURIComponent(campaignId) });
    expect(page.instance.data.campaignId).toBe(campaignId);
    expect(page.instance.data.error).toBe('');
    expect(textsOf(page, '.name')).toEqual(expect.arrayContaining(['爱丽丝', '鲍勃']));
    page.instance.onUnload();
  });
});

describe('the campaign page, my votes and the ranking', () => {
  it('votes on a tap, shows the quota and the countdown, then each vote as it is decided', async () => {
    const page = await open('pages/campaign/index', { campaignId });
    expect(textsOf(page, '.name')).toEqual(['爱丽丝', '鲍勃']);
    expect(textsOf(page, '.vote-button')).toEqual(['投 TA 一票', '投 TA 一票']);
    expect(textsOf(page, '.quota')).toEqual(['今日剩余 3 票']);
    expect(textsOf(page, '.countdown')[0]).toMatch(/^距结束 1天 \d\d:\d\d:\d\d$/);

    // Four taps while no worker runs: all four are queued.
    const alice = () => page.querySelectorAll('.vote-button')[0];
    const accepted = () => shim.shown.filter((s) => s === '投票成功，正在计票').length;
    for (let i = 1; i <= 4; i++) {
      alice()?.dispatchEvent('tap');
      await eventually(
        async () => accepted() === i && page.instance.data.busy === '',
        10_000,
        `tap ${i} handled`,
      );
    }
    const sent = shim.requests.filter(
      (r) => r.method === 'POST' && r.url.endsWith(`/boards/${campaignId}/votes`),
    );
    expect(new Set(sent.map((r) => r.header['idempotency-key'])).size).toBe(4);
    expect(sent.every((r) => typeof (r.body as { dwellMs?: number }).dwellMs === 'number')).toBe(true);
    page.instance.onUnload();

    const queued = await open('pages/my-votes/index', { campaignId });
    expect(textsOf(queued, '.status')).toEqual(['排队中', '排队中', '排队中', '排队中']);

    // The worker decides them: three counted, the fourth over today's quota.
    worker = await startTestWorker(config, mongo);
    await eventually(
      async () => (await ledgerModel(mongo).countDocuments({ boardId: campaignId })) === 4,
      20_000,
      'four votes decided',
    );
    const decided = await open('pages/my-votes/index', { campaignId });
    expect(textsOf(decided, '.status').sort()).toEqual(['已计入', '已计入', '已计入', '未计入']);
    expect(textsOf(decided, '.reason')).toEqual(['原因：你的票已经用完了']);
    expect(textsOf(decided, '.what')).toContain('投票 · 爱丽丝');

    // The ranking, live: alice with her three votes, bob registered with none.
    const ranking = await open('pages/ranking/index', { campaignId });
    await eventually(
      async () => textsOf(ranking, '.row .name')[0] === '爱丽丝',
      10_000,
      'the live ranking shows alice',
    );
    expect(textsOf(ranking, '.row .name')).toEqual(['爱丽丝', '鲍勃']);
    expect(textsOf(ranking, '.row .score')).toEqual(['3 票', '0 票']);
    expect(textsOf(ranking, '.connection')).toEqual(['实时更新中']);

    // Another tap: refused, with the quota's Chinese message.
    const again = await open('pages/campaign/index', { campaignId });
    expect(textsOf(again, '.quota')).toEqual(['今日剩余 0 票']);
    again.querySelectorAll('.vote-button')[1]?.dispatchEvent('tap');
    await eventually(
      async () => shim.shown.at(-1)?.startsWith('没有投上') ?? false,
      10_000,
      'the refusal shown',
    );
    expect(shim.shown.at(-1)).toBe('没有投上：今天的票已经投完了，00:00 后恢复');
    ranking.instance.onUnload();
    again.instance.onUnload();
  });
});

describe('a vote risk control holds', () => {
  it('shows in my votes as under review', async () => {
    const heldId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']);
    await createLiveCampaign(mongo, heldId, {
      title: `审核 ${heldId}`,
      kind: 'vote',
      members: [
        { candidateId: 'alice', name: '爱丽丝' },
        { candidateId: 'bob', name: '鲍勃' },
      ],
      // A tap within a minute of the page showing goes to review: every tap in a test does.
      risk: { rules: { fastTap: { threshold: 60_000, action: 'review' } } },
    });
    worker ??= await startTestWorker(config, mongo);
    const page = await open('pages/campaign/index', { campaignId: heldId });
    page.querySelectorAll('.vote-button')[1]?.dispatchEvent('tap');
    await eventually(async () => shim.shown.at(-1) === '投票成功，正在计票', 10_000, 'the vote accepted');
    page.instance.onUnload();
    await eventually(
      async () => (await ledgerModel(mongo).countDocuments({ boardId: heldId })) === 1,
      20_000,
      'the vote decided',
    );
    const mine = await open('pages/my-votes/index', { campaignId: heldId });
    expect(textsOf(mine, '.status')).toEqual(['审核中']);
    expect(textsOf(mine, '.what')).toEqual(['投票 · 鲍勃']);
    expect(textsOf(mine, '.reason')).toEqual([]);
  });
});

describe('a like campaign', () => {
  it('likes and unlikes on taps, and shows what I like when I come back', async () => {
    const likeId = await seedBoard(config, server.deps.redis, mongo, ['p1', 'p2'], { kind: 'like' });
    await createLiveCampaign(mongo, likeId, {
      title: `最美照片 ${likeId}`,
      kind: 'like',
      members: [
        { candidateId: 'p1', name: '日出' },
        { candidateId: 'p2', name: '海边' },
      ],
      risk: { enabled: false },
    });
    worker ??= await startTestWorker(config, mongo);
    const page = await open('pages/campaign/index', { campaignId: likeId });
    expect(textsOf(page, '.vote-button')).toEqual(['点赞', '点赞']);
    expect(textsOf(page, '.quota')).toEqual([]);

    page.querySelectorAll('.vote-button')[1]?.dispatchEvent('tap');
    await eventually(async () => shim.shown.at(-1) === '已点赞', 10_000, 'the like shown');
    await settle();
    expect(textsOf(page, '.vote-button')).toEqual(['点赞', '取消点赞']);
    expect(shim.requests.at(-1)?.body).toMatchObject({ candidateId: 'p2', action: 'like' });
    page.instance.onUnload();

    await eventually(
      async () => (await ledgerModel(mongo).countDocuments({ boardId: likeId })) === 1,
      20_000,
      'the like decided',
    );
    const back = await open('pages/campaign/index', { campaignId: likeId });
    expect(textsOf(back, '.vote-button')).toEqual(['点赞', '取消点赞']);
    back.querySelectorAll('.vote-button')[1]?.dispatchEvent('tap');
    await eventually(async () => shim.shown.at(-1) === '已取消点赞', 10_000, 'the unlike shown');
    await settle();
    expect(textsOf(back, '.vote-button')).toEqual(['点赞', '点赞']);
    expect(shim.requests.at(-1)?.body).toMatchObject({ candidateId: 'p2', action: 'unlike' });
    back.instance.onUnload();
  });
});

describe('the candidate page', () => {
  it('shares with a path carrying my token, and a friend who opens it and votes is my invitee', async () => {
    const mine = await open('pages/candidate/index', { campaignId, candidateId: 'bob' });
    expect(textsOf(mine, '.name')).toEqual(['鲍勃']);
    const shared = mine.instance.onShareAppMessage();
    expect(shared.title).toBe('来为 鲍勃 助力吧');
    const token = /[?&]share=([A-Za-z0-9_-]+)/.exec(shared.path)?.[1];
    expect(shared.path).toBe(
      `/pages/candidate/index?campaignId=${campaignId}&candidateId=bob&share=${token}`,
    );
    const inviter = (shim.storage.get('rallyboard.session') as { participantId: string }).participantId;

    // A friend: another WeChat user on another phone, opening the shared path.
    shim.storage.clear();
    user = randomId('friend');
    const friend = await open('pages/candidate/index', {
      campaignId,
      candidateId: 'bob',
      share: token ?? '',
    });
    worker ??= await startTestWorker(config, mongo);
    const before = shim.requests.length;
    friend.querySelector('.vote-button')?.dispatchEvent('tap');
    await eventually(
      async () => shim.requests.length > before && friend.instance.data.busy === false,
      10_000,
      'the tap handled',
    );
    expect(shim.requests.at(-1)?.body).toMatchObject({ candidateId: 'bob', shareToken: token });
    await eventually(
      async () => (await referralModel(mongo).countDocuments({ campaignId, inviterId: inviter })) === 1,
      20_000,
      'the referral made',
    );
  });

  it('opens from a scanned code: the scene is the token, and the scanner who votes is my invitee', async () => {
    const mine = await open('pages/candidate/index', { campaignId, candidateId: 'alice' });
    const token = mine.instance.data.shareToken as string;
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    const inviter = (shim.storage.get('rallyboard.session') as { participantId: string }).participantId;

    // Someone else scans the poster's code: WeChat opens the page with the token as `scene`.
    shim.storage.clear();
    user = randomId('scanner');
    const scanned = await open('pages/candidate/index', { scene: encodeURIComponent(token) });
    expect(textsOf(scanned, '.name')).toEqual(['爱丽丝']);
    expect(scanned.instance.data.campaignId).toBe(campaignId);
    expect(shim.storage.get('rallyboard.shares')).toEqual({ [campaignId]: token });
    worker ??= await startTestWorker(config, mongo);
    const before = shim.requests.length;
    scanned.querySelector('.vote-button')?.dispatchEvent('tap');
    await eventually(
      async () => shim.requests.length > before && scanned.instance.data.busy === false,
      10_000,
      'the tap handled',
    );
    expect(shim.requests.at(-1)?.body).toMatchObject({ candidateId: 'alice', shareToken: token });
    await eventually(
      async () => (await referralModel(mongo).countDocuments({ campaignId, inviterId: inviter })) === 1,
      20_000,
      'the referral made',
    );
  });
});
