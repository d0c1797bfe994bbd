import { entryModels, notificationModels, recordGrant, sendIdOf } from '@rallyboard/core/db';
import type { ErrorBody, ModerationEntry } from '@rallyboard/core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNotifier } from '../../../test/support/notifier.js';
import { eventually } from '../../../test/support/stack.js';
import { FAKE_PATHS, TEST_TEMPLATES } from '../../../test/support/wechat.js';
import { queueLateGrantEvents } from '../../src/notifications/late-grants.js';
import {
  asEntrant,
  asHost,
  type Entrant,
  entrant,
  entryCampaign,
  env,
  mine,
  submit,
  useEntriesEnv,
} from './entries-fixture.js';

// 审核结果: after sending an entry the author may subscribe to hear its review; the decision, a
// host's or WeChat's check, sends one message against that grant, to the author only.
useEntriesEnv();
let notifier: Awaited<ReturnType<typeof startTestNotifier>>;
beforeAll(async () => {
  notifier = await startTestNotifier(env.config, env.mongo);
});
afterAll(() => notifier.close());

const REVIEW = TEST_TEMPLATES['entry-reviewed'].templateId;

async function subscribe(who: Entrant, campaignId: string, entryId?: string) {
  env.fake.state.acceptSubscription(who.openid, REVIEW);
  return asEntrant(who, 'POST', '/api/me/subscriptions', {
    campaignId,
    ...(entryId === undefined ? {} : { entryId }),
    answers: { [REVIEW]: 'accept' },
  });
}

const sentTo = (who: Entrant) => env.fake.state.sent.filter((m) => m.touser === who.openid);

describe('the review message of an entry', () => {
  it('tells the author their entry was rejected, and why, once', async () => {
    const campaignId = await entryCampaign();
    const author = await entrant();
    const entry = await submit(author, campaignId, { title: '西湖晨雾' });
    expect((await subscribe(author, campaignId, entry.body.id)).status).toBe(200);
    await eventually(async () => {
      const queue = await asHost<{ entries: ModerationEntry[] }>(
        'GET',
        `/api/campaigns/${campaignId}/entries`,
      );
      return queue.body.entries.length === 1;
    });
    await asHost('POST', `/api/campaigns/${campaignId}/entries/decisions`, {
      entryIds: [entry.body.id],
      decision: 'reject',
      note: '作品与主题无关',
    });
    await eventually(async () => sentTo(author).length === 1, 15_000, 'the review message');
    expect(sentTo(author)[0]).toMatchObject({
      templateId: REVIEW,
      page: `pages/my-entries/index?campaignId=${campaignId}`,
      data: {
        thing1: { value: '西湖晨雾' },
        phrase2: { value: '未通过' },
        thing3: { value: '作品与主题无关' },
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sentTo(author)).toHaveLength(1);
  });

  it('tells the author when WeChat’s check approves it automatically, and sends nothing to one who did not subscribe', async () => {
    const campaignId = await entryCampaign({ approval: 'auto', perParticipant: 2 });
    const author = await entrant();
    // WeChat answers after the author's subscribe prompt, as it does: a check takes a round trip.
    env.fake.state.delayNext(FAKE_PATHS.msgSecCheck, 500);
    const first = await submit(author, campaignId, { title: '雷峰夕照' });
    expect((await subscribe(author, campaignId, first.body.id)).status).toBe(200);
    await eventually(async () => sentTo(author).length === 1, 15_000, 'the review message');
    expect(sentTo(author)[0]?.data).toMatchObject({ phrase2: { value: '已通过' }, thing3: { value: '—' } });
    // A second entry without a grant of its own: no message.
    await submit(author, campaignId, { title: '三潭印月' });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(sentTo(author)).toHaveLength(1);
  });

  it('takes a review grant only for the participant’s own entry that waits for review', async () => {
    const campaignId = await entryCampaign();
    const author = await entrant();
    const other = await entrant();
    const entry = await submit(author, campaignId);
    for (const answer of [
      await subscribe(other, campaignId, entry.body.id),
      await subscribe(author, campaignId),
    ]) {
      expect(answer.status).toBe(400);
      expect((answer.body as ErrorBody).error.details).toEqual([
        { path: 'body.entryId', message: expect.stringContaining('your own entry') },
      ]);
    }
  });

  it('sends the review message of a grant that lands while the entry is decided, once', async () => {
    const campaignId = await entryCampaign({ approval: 'auto' });
    const author = await entrant();
    const entry = await submit(author, campaignId, { title: '断桥残雪' });
    const models = notificationModels(env.mongo);
    const deps = { ...env.server.deps, entries: entryModels(env.mongo) };
    const sendId = sendIdOf('entry-reviewed', campaignId, author.userId, entry.body.id);
    // Approved, and its message dropped: the author's grant was not there yet.
    await eventually(
      async () => (await models.sends.findById(sendId).lean())?.reason === 'NO_GRANT',
      15_000,
      'the message dropped for want of a grant',
    );
    // The grant the subscription route checked before the decision, inserted after it.
    env.fake.state.acceptSubscription(author.openid, REVIEW);
    const grant = { userId: author.userId, campaignId, templateId: REVIEW, event: 'entry-reviewed' as const };
    const recorded = await recordGrant(models, { ...grant, subject: entry.body.id });
    expect(recorded).toBe('new');
    await queueLateGrantEvents(
      deps,
      { campaignId, userId: author.userId },
      new Map([['entry-reviewed', entry.body.id]]),
      [{ templateId: REVIEW, event: 'entry-reviewed', recorded }],
    );
    await eventually(async () => sentTo(author).length === 1, 15_000, 'the review message');
    expect(sentTo(author)[0]?.data).toMatchObject({
      thing1: { value: '断桥残雪' },
      phrase2: { value: '已通过' },
    });
    // Queued again, it stays sent once.
    await queueLateGrantEvents(
      deps,
      { campaignId, userId: author.userId },
      new Map([['entry-reviewed', entry.body.id]]),
      [{ templateId: REVIEW, event: 'entry-reviewed', recorded }],
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(sentTo(author)).toHaveLength(1);
  });

  it('catches up when the author asks again after a catch-up that never got queued, and only for their own grant', async () => {
    const campaignId = await entryCampaign({ approval: 'auto', perParticipant: 2 });
    const author = await entrant();
    const entry = await submit(author, campaignId, { title: '南屏晚钟' });
    const models = notificationModels(env.mongo);
    const sendId = sendIdOf('entry-reviewed', campaignId, author.userId, entry.body.id);
    await eventually(
      async () => (await models.sends.findById(sendId).lean())?.reason === 'NO_GRANT',
      15_000,
      'the message dropped for want of a grant',
    );
    // The grant recorded, then the request died before its catch-up (no answer, or a 503).
    const grant = { userId: author.userId, campaignId, templateId: REVIEW, event: 'entry-reviewed' as const };
    await recordGrant(models, { ...grant, subject: entry.body.id });
    // The app asks again: the entry is decided now, but the grant for it is the author's.
    const again = await subscribe(author, campaignId, entry.body.id);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({
      grants: [{ templateId: REVIEW, event: 'entry-reviewed', recorded: 'held' }],
    });
    await eventually(async () => sentTo(author).length === 1, 15_000, 'the review message');
    expect(sentTo(author)[0]?.data).toMatchObject({ thing1: { value: '南屏晚钟' } });
    // Someone else naming it is refused, whatever grant its author holds.
    const stranger = await entrant();
    expect((await subscribe(stranger, campaignId, entry.body.id)).status).toBe(400);

    // A decided entry its author never subscribed to stays closed.
    const other = await submit(author, campaignId, { title: '曲院风荷' });
    await eventually(
      async () => (await mine(author, other.body.id))?.status === 'approved',
      15_000,
      'approved',
    );
    expect((await subscribe(author, campaignId, other.body.id)).status).toBe(400);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(sentTo(author)).toHaveLength(1);
  });
});
