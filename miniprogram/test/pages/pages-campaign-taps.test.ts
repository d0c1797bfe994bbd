import { ledgerModel } from '@rallyboard/core/db';
import type { BoardKind } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { eventually, seedBoard, startTestWorker } from '../../../test/support/stack.js';
import { config, mongo, open, relaunchApp, server, shim, usePagesStack } from '../support/pages-fixture.js';
import { type SimElement, settle, textsOf } from '../support/simulate.js';

// The campaign page's buttons: a vote whose first send got no certain answer and whose retry was
// refused, one whose sends got none before the app was killed, a tap on one candidate while
// another's vote is sent, and a like campaign whose likes cannot be read.
let worker: Awaited<ReturnType<typeof startTestWorker>> | undefined;
usePagesStack({ worker: () => worker });

const MAYBE_DONE = '可能已投上：没有收到确认，这一票可能已提交。再点一次会确认，不会重复计票';

/** A live campaign of its own (risk off: one address, taps within milliseconds), its page open. */
async function campaignPage(title: string, kind: BoardKind = 'vote') {
  const boardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob'], { kind });
  await createLiveCampaign(mongo, boardId, {
    title: `${title} ${boardId}`,
    kind,
    members: [
      { candidateId: 'alice', name: '爱丽丝' },
      { candidateId: 'bob', name: '鲍勃' },
    ],
    risk: { enabled: false },
  });
  const page = await open('pages/campaign/index', { campaignId: boardId });
  const votes = new RegExp(`/boards/${boardId}/votes$`);
  const sends = () => shim.requests.filter((r) => r.method === 'POST' && votes.test(r.url));
  const tap = (i: number) => tapOn(page, i);
  return { boardId, page, votes, sends, tap };
}

const tapOn = (page: SimElement, i: number) => page.querySelectorAll('.vote-button')[i]?.dispatchEvent('tap');

/** A tap on the first candidate whose every send reaches the server, which queues it, but is answered 503. */
async function uncertainTap(c: Awaited<ReturnType<typeof campaignPage>>) {
  shim.answerUnavailable(3, c.votes);
  const shownBefore = shim.shown.length;
  c.tap(0);
  await eventually(async () => shim.shown.length > shownBefore, 10_000, 'the tap answered');
  expect(shim.shown.at(-1)).toBe(MAYBE_DONE);
  expect(c.sends()).toHaveLength(3);
  expect(new Set(c.sends().map((r) => r.header['idempotency-key'])).size).toBe(1);
}

describe('a like campaign whose likes cannot be read', () => {
  it('shows its candidates and their buttons, and says the likes could not be read, until a pull reads them', async () => {
    // No session yet, and the sign-in is refused (its rate limit): nothing of mine can be read.
    shim.storage.delete('rallyboard.session');
    shim.refuseRequests(1, /\/api\/auth\/wechat$/, { status: 429, code: 'RATE_LIMITED' });
    const { page } = await campaignPage('点赞', 'like');
    expect(page.instance.data.error).toBe('');
    expect(textsOf(page, '.name')).toEqual(['爱丽丝', '鲍勃']);
    expect(textsOf(page, '.vote-button')).toEqual(['点赞', '点赞']);
    expect(page.instance.data.canVote).toBe(true);
    expect(textsOf(page, '.likes-error')).toEqual([
      '暂时没能读取你点过的赞（操作太频繁了，请稍等一会儿再试），下拉刷新可重试',
    ]);

    await (page.instance as unknown as { onPullDownRefresh(): Promise<void> }).onPullDownRefresh();
    await settle();
    expect(textsOf(page, '.likes-error')).toEqual([]);
    expect(textsOf(page, '.name')).toEqual(['爱丽丝', '鲍勃']);
    page.instance.onUnload();
  });
});

describe('a tap on a candidate while another candidate’s vote is being sent', () => {
  it('votes for that candidate as well: each button waits only for its own vote', async () => {
    const { page, votes, sends, tap } = await campaignPage('两票');
    // Alice's first send is answered 503: her vote waits 300 ms to be sent again.
    shim.answerUnavailable(1, votes);
    const shownBefore = shim.shown.length;
    tap(0);
    await eventually(async () => sends().length === 1, 10_000, "alice's first send");
    tap(1);
    await eventually(
      async () => shim.shown.slice(shownBefore).filter((s) => s === '投票成功，正在计票').length === 2,
      10_000,
      'both votes accepted',
    );
    const candidates = sends().map((r) => (r.body as { candidateId: string }).candidateId);
    expect(candidates.sort()).toEqual(['alice', 'alice', 'bob']);
    expect(new Set(sends().map((r) => r.header['idempotency-key'])).size).toBe(2);
    page.instance.onUnload();
  });
});

describe('a vote whose first send got no certain answer, and whose retry was refused', () => {
  it('says it may have gone through and keeps its key: the next tap confirms the first send, and it counts once', async () => {
    worker ??= await startTestWorker(config, mongo);
    const { boardId, page, votes, sends, tap } = await campaignPage('弱网限流');
    // The first send reaches the server, which queues the vote, but is answered 503; the retry is
    // refused (RATE_LIMITED), as when the first send spent the last rate-limit point before the
    // server had marked its vote accepted.
    shim.answerUnavailable(1, votes);
    shim.refuseRequests(1, votes, { status: 429, code: 'RATE_LIMITED', details: { retryAfterSeconds: 1 } });
    const shownBefore = shim.shown.length;
    tap(0);
    await eventually(async () => shim.shown.length > shownBefore, 10_000, 'the first tap answered');
    expect(sends()).toHaveLength(2);
    const firstAnswer = shim.shown.at(-1);

    // The tap again is the same vote: the first send's key, answered with its vote id.
    tap(0);
    await eventually(async () => shim.shown.at(-1) === '投票成功，正在计票', 10_000, 'the tap again');
    expect(sends()).toHaveLength(3);
    expect(sends()[2]?.header['idempotency-key']).toBe(sends()[0]?.header['idempotency-key']);
    // What the first tap said: not a refusal, since the first send may have counted.
    expect(firstAnswer).toBe(MAYBE_DONE);

    await eventually(
      async () => (await ledgerModel(mongo).countDocuments({ boardId })) >= 1,
      20_000,
      'the vote decided',
    );
    await settle(500);
    expect(await ledgerModel(mongo).countDocuments({ boardId, verdict: 'counted' })).toBe(1);
    page.instance.onUnload();
  });
});

describe('a vote whose sends got no certain answer, and the app killed before a tap again', () => {
  it('sends the same key at the first tap after the app is opened again, and it counts once', async () => {
    worker ??= await startTestWorker(config, mongo);
    const first = await campaignPage('杀后台');
    await uncertainTap(first);
    const key = first.sends()[0]?.header['idempotency-key'];

    // WeChat kills the app in the background; the participant opens it again and taps again.
    first.page.instance.onUnload();
    relaunchApp();
    const page = await open('pages/campaign/index', { campaignId: first.boardId });
    tapOn(page, 0);
    await eventually(async () => shim.shown.at(-1) === '投票成功，正在计票', 10_000, 'the tap again');
    expect(first.sends()).toHaveLength(4);
    expect(first.sends()[3]?.header['idempotency-key']).toBe(key);

    await eventually(
      async () => (await ledgerModel(mongo).countDocuments({ boardId: first.boardId })) >= 1,
      20_000,
      'the vote decided',
    );
    await settle(500);
    expect(await ledgerModel(mongo).countDocuments({ boardId: first.boardId, verdict: 'counted' })).toBe(1);

    // Settled: a tap after that is a new vote, with a key of its own.
    tapOn(page, 0);
    await eventually(async () => first.sends().length === 5, 10_000, 'a new tap');
    expect(first.sends()[4]?.header['idempotency-key']).not.toBe(key);
    await eventually(async () => shim.shown.at(-1) === '投票成功，正在计票', 10_000, 'the new vote');
    page.instance.onUnload();
  });

  it('takes a tap more than ten minutes after the uncertain one for a new vote, with a key of its own', async () => {
    const first = await campaignPage('十分钟后');
    await uncertainTap(first);
    const key = first.sends()[0]?.header['idempotency-key'];
    first.page.instance.onUnload();

    // The app is opened again eleven minutes later: what it kept of that tap is too old to send.
    const kept = shim.storage.get('rallyboard.uncertainVotes') as {
      intent: { boardId: string };
      at: number;
    }[];
    const ofBoard = kept.filter((entry) => entry.intent.boardId === first.boardId);
    expect(ofBoard).toHaveLength(1);
    for (const entry of ofBoard) entry.at -= 11 * 60_000;
    relaunchApp();
    const page = await open('pages/campaign/index', { campaignId: first.boardId });
    tapOn(page, 0);
    await eventually(async () => shim.shown.at(-1) === '投票成功，正在计票', 10_000, 'the tap');
    expect(first.sends()).toHaveLength(4);
    expect(first.sends()[3]?.header['idempotency-key']).not.toBe(key);
    page.instance.onUnload();
  });
});
