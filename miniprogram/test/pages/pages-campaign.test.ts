import { ledgerModel, notificationModels } from '@rallyboard/core/db';
import { setBoardStatus } from '@rallyboard/core/redis';
import { describe, expect, it } from 'vitest';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { randomId } from '../../../test/support/config.js';
import { eventually, seedBoard, startTestWorker } from '../../../test/support/stack.js';
import { TEST_TEMPLATES } from '../../../test/support/wechat.js';
import { campaignId, config, mongo, open, server, shim, usePagesStack } from '../support/pages-fixture.js';
import { settle, textsOf } from '../support/simulate.js';

// The campaign list and the campaign page: opening a campaign, voting on it, my votes as they
// are decided, and the live ranking.
let worker: Awaited<ReturnType<typeof startTestWorker>> | undefined;
usePagesStack({ worker: () => worker });

/** No vote of the campaign page is being sent: every candidate's button is free. */
const idle = (page: { instance: { data: Record<string, unknown> } }) =>
  (page.instance.data.candidates as { busy: boolean }[]).every((c) => !c.busy);

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
      await eventually(async () => accepted() === i && idle(page), 10_000, `tap ${i} handled`);
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

/**
 * A live campaign of alice and bob (one address, taps within milliseconds: risk off), its page
 * open with the worker running, and the page's vote sends so far.
 */
async function weakNetworkCampaign(title: string, quotas?: { perDay: number }) {
  const boardId = await seedBoard(
    config,
    server.deps.redis,
    mongo,
    ['alice', 'bob'],
    quotas ? { quotas } : {},
  );
  await createLiveCampaign(mongo, boardId, {
    title: `${title} ${boardId}`,
    kind: 'vote',
    members: [
      { candidateId: 'alice', name: '爱丽丝' },
      { candidateId: 'bob', name: '鲍勃' },
    ],
    ...(quotas ? { rules: { votesPerUserPerDay: quotas.perDay } } : {}),
    risk: { enabled: false },
  });
  worker ??= await startTestWorker(config, mongo);
  const page = await open('pages/campaign/index', { campaignId: boardId });
  const sends = () =>
    shim.requests.filter((r) => r.method === 'POST' && r.url.endsWith(`/boards/${boardId}/votes`));
  return { boardId, page, sends };
}

describe('a vote whose answers the network lost', () => {
  it('says it may have gone through, and a tap again confirms the same vote: it counts once', async () => {
    const { boardId, page, sends } = await weakNetworkCampaign('弱网', { perDay: 3 });

    // The send and both retries reach the server, which queues the vote; no answer comes back.
    shim.loseAnswers(3, new RegExp(`/boards/${boardId}/votes$`));
    page.querySelectorAll('.vote-button')[0]?.dispatchEvent('tap');
    await eventually(async () => sends().length === 3 && idle(page), 10_000, 'three sends');
    expect(shim.shown.at(-1)).toBe(
      '可能已投上：没有收到确认，这一票可能已提交。再点一次会确认，不会重复计票',
    );

    // The tap again is the same vote: the same key, answered with the same vote id.
    page.querySelectorAll('.vote-button')[0]?.dispatchEvent('tap');
    await eventually(
      async () => shim.shown.at(-1) === '投票成功，正在计票',
      10_000,
      'the tap again accepted',
    );
    expect(new Set(sends().map((r) => r.header['idempotency-key'])).size).toBe(1);

    // Once confirmed, the intent is done: the next tap is a vote of its own.
    page.querySelectorAll('.vote-button')[0]?.dispatchEvent('tap');
    await eventually(async () => sends().length === 5 && idle(page), 10_000, 'a new vote');
    expect(new Set(sends().map((r) => r.header['idempotency-key'])).size).toBe(2);

    // The worker takes the board's votes in order: once the last is decided, so are those before.
    const accepted = (shim.storage.get('rallyboard.recentVotes') as { boardId: string; voteId: string }[])
      .filter((v) => v.boardId === boardId)
      .map((v) => v.voteId);
    expect(accepted).toHaveLength(2);
    await eventually(
      async () => (await ledgerModel(mongo).findById(accepted[0]).lean()) !== null,
      20_000,
      'the last vote decided',
    );
    // Two votes counted: the one sent four times, once, and the new one.
    const ledger = await ledgerModel(mongo).find({ boardId }).lean();
    expect(ledger.map((v) => [v._id, v.verdict]).sort()).toEqual(
      accepted.map((id) => [id, 'counted']).sort(),
    );
    page.instance.onUnload();
  });
});

describe('a vote whose sends got no certain answer, refused when sent again', () => {
  it('keeps its key: the server may still hold the first send undecided, so the next tap confirms it, once', async () => {
    const { boardId, page, sends } = await weakNetworkCampaign('弱网再拒');
    shim.loseAnswers(3, new RegExp(`/boards/${boardId}/votes$`));
    page.querySelectorAll('.vote-button')[0]?.dispatchEvent('tap');
    await eventually(async () => sends().length === 3 && idle(page), 10_000, 'three sends');
    await eventually(
      async () => (await ledgerModel(mongo).countDocuments({ boardId })) === 1,
      20_000,
      'the first send decided',
    );
    const first = (await ledgerModel(mongo).findOne({ boardId }).lean()) as { _id: string };
    // As the server answers a send again while the first is undecided and its accepted mark has
    // expired (its workers minutes behind), with the campaign ended meanwhile: a refusal.
    const k = server.deps.keys.board(boardId);
    const marker = (await server.deps.redis.get(k.vote(first._id))) ?? '';
    await server.deps.redis.del(k.vote(first._id), k.accepted(first._id));
    await setBoardStatus(server.deps.redis, server.deps.keys, boardId, 'ended');
    page.querySelectorAll('.vote-button')[0]?.dispatchEvent('tap');
    await eventually(async () => sends().length === 4 && idle(page), 10_000, 'the refusal');
    // The first send is decided again (its marker back), and the campaign goes on.
    await server.deps.redis.set(k.vote(first._id), marker);
    await setBoardStatus(server.deps.redis, server.deps.keys, boardId, 'live');
    await new Promise((resolve) => setTimeout(resolve, 100));
    page.querySelectorAll('.vote-button')[0]?.dispatchEvent('tap');
    await eventually(async () => sends().length === 5 && idle(page), 10_000, 'the tap again');
    expect(new Set(sends().map((r) => r.header['idempotency-key'])).size).toBe(1);
    expect(await ledgerModel(mongo).countDocuments({ boardId, verdict: 'counted' })).toBe(1);
    page.instance.onUnload();
  });
});

describe('the start reminder (开始提醒)', () => {
  it('offers a scheduled campaign a reminder: a tap asks WeChat, and the server records the grant', async () => {
    const scheduled = randomId('sched');
    await createLiveCampaign(mongo, scheduled, {
      title: `预告 ${scheduled}`,
      status: 'scheduled',
      schedule: {
        startAt: new Date(Date.now() + 3_600_000),
        endAt: new Date(Date.now() + 7_200_000),
        timezone: 'Asia/Shanghai',
      },
    });
    const page = await open('pages/campaign/index', { campaignId: scheduled });
    expect(textsOf(page, '.remind')).toEqual(['开始时提醒我']);
    page.querySelectorAll('.remind')[0]?.dispatchEvent('tap');
    await eventually(async () => shim.shown.includes('开始时会通知你'), 5_000, 'the toast');
    expect(shim.subscribePrompts.at(-1)).toEqual([TEST_TEMPLATES['campaign-started'].templateId]);
    const grants = await notificationModels(mongo).grants.find({ campaignId: scheduled }).lean();
    expect(grants).toMatchObject([{ event: 'campaign-started' }]);
    page.instance.onUnload();

    // A live campaign has nothing to remind of.
    const live = await open('pages/campaign/index', { campaignId });
    expect(textsOf(live, '.remind')).toEqual([]);
    live.instance.onUnload();
  });
});
