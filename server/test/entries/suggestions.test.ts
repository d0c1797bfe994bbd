import { auditModel, campaignModel } from '@rallyboard/core/db';
import type { ErrorBody, SuggestionView } from '@rallyboard/core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { randomId } from '../../../test/support/config.js';
import { startTestNotifier } from '../../../test/support/notifier.js';
import { eventually } from '../../../test/support/stack.js';
import { TEST_TEMPLATES } from '../../../test/support/wechat.js';
import { bindWeChat } from '../support/hosts.js';
import {
  asEntrant,
  asHost,
  type Entrant,
  entrant,
  env,
  fx,
  listSuggestions,
  readSuggestion as read,
  submit,
  suggestionBox,
  useEntriesEnv,
} from './entries-fixture.js';

// A suggestion box (政务建议): suggestions are entries of a like campaign; the host moves each
// through published statuses with a public reply, and everyone who asked to hear of it (the
// author, supporters) gets one message per move they subscribed to. The replies are the host's
// published text: WeChat judges them as the WeChat user bound to the host's account.
useEntriesEnv();
let notifier: Awaited<ReturnType<typeof startTestNotifier>>;
let hostOpenid: string;
beforeAll(async () => {
  notifier = await startTestNotifier(env.config, env.mongo);
  hostOpenid = await bindWeChat(env.server, fx.host, env.fake);
});
afterAll(() => notifier.close());

const PROGRESS = TEST_TEMPLATES['suggestion-progress'].templateId;
const window = () => ({
  opensAt: new Date(Date.now() - 60_000).toISOString(),
  closesAt: new Date(Date.now() + 86_400_000).toISOString(),
});

async function approvedSuggestion(campaignId: string, author: Entrant, title: string): Promise<string> {
  const entry = await submit(author, campaignId, { title, text: '建议在小区东门加装路灯', images: [] });
  await eventually(async () => (await read(campaignId, entry.body.id)).status === 200);
  return entry.body.id;
}

function hearNext(who: Entrant, campaignId: string, entryId: string) {
  env.fake.state.acceptSubscription(who.openid, PROGRESS);
  return asEntrant(who, 'POST', '/api/me/subscriptions', {
    campaignId,
    entryId,
    answers: { [PROGRESS]: 'accept' },
  });
}

const move = (campaignId: string, entryId: string, body: unknown) =>
  asHost<SuggestionView | ErrorBody>(
    'POST',
    `/api/campaigns/${campaignId}/suggestions/${entryId}/progress`,
    body,
  );

const sentTo = (who: Entrant) =>
  env.fake.state.sent.filter((m) => m.touser === who.openid && m.templateId === PROGRESS);

describe('a suggestion box', () => {
  it('opens only on a like campaign', async () => {
    const campaignId = randomId('c');
    await createLiveCampaign(env.mongo, campaignId, { createdBy: fx.host.id, kind: 'vote' });
    const answer = await asHost('PUT', `/api/campaigns/${campaignId}/entry-settings`, {
      ...window(),
      purpose: 'suggestions',
    });
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body)).toContain('body.purpose');
  });

  it('moves a suggestion forward with public replies, and tells those who asked, once per move they asked for', async () => {
    const campaignId = await suggestionBox();
    const author = await entrant();
    const supporter = await entrant();
    const entryId = await approvedSuggestion(campaignId, author, '东门加装路灯');
    const received = await read(campaignId, entryId);
    expect(received.body).toMatchObject({ status: 'received', candidateId: entryId, title: '东门加装路灯' });
    expect(received.body.timeline.map((t) => t.status)).toEqual(['received']);
    // The suggestion is a candidate of the like campaign: supporters like it there.
    const campaign = await campaignModel(env.mongo).findById(campaignId).lean();
    expect(campaign?.members.map((m) => m.candidateId)).toContain(entryId);

    expect((await hearNext(author, campaignId, entryId)).status).toBe(200);
    expect((await hearNext(supporter, campaignId, entryId)).status).toBe(200);
    const studied = await move(campaignId, entryId, { status: 'under-study' });
    expect(studied.status).toBe(200);
    await eventually(
      async () => sentTo(author).length === 1 && sentTo(supporter).length === 1,
      15_000,
      'two messages',
    );
    expect(sentTo(supporter)[0]).toMatchObject({
      page: `pages/suggestion/index?campaignId=${campaignId}&entryId=${entryId}`,
      data: { thing1: { value: '东门加装路灯' }, phrase2: { value: '研究中' } },
    });

    // Only the supporter asks to hear the next move.
    expect((await hearNext(supporter, campaignId, entryId)).status).toBe(200);
    const noReply = await move(campaignId, entryId, { status: 'adopted' });
    expect(noReply.status).toBe(400);
    const adopted = await move(campaignId, entryId, { status: 'adopted', reply: '已列入明年改造计划' });
    expect(adopted.body).toMatchObject({ status: 'adopted', reply: '已列入明年改造计划' });
    await eventually(async () => sentTo(supporter).length === 2, 15_000, 'the second message');
    expect(sentTo(supporter)[1]?.data).toMatchObject({
      phrase2: { value: '已采纳' },
      thing3: { value: '已列入明年改造计划' },
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(sentTo(author)).toHaveLength(1);

    const timeline = (await read(campaignId, entryId)).body.timeline;
    expect(timeline.map((t) => [t.status, t.reply])).toEqual([
      ['received', undefined],
      ['under-study', undefined],
      ['adopted', '已列入明年改造计划'],
    ]);
    expect((await listSuggestions(campaignId)).map((s) => s.status)).toEqual(['adopted']);
  });

  it('refuses a move backwards or from an end, and a grant for a suggestion that no longer moves', async () => {
    const campaignId = await suggestionBox();
    const author = await entrant();
    const entryId = await approvedSuggestion(campaignId, author, '增设快递柜');
    expect((await move(campaignId, entryId, { status: 'answered', reply: '已有快递柜在北门' })).status).toBe(
      200,
    );
    const back = await move(campaignId, entryId, { status: 'under-study' });
    expect(back.status).toBe(409);
    expect((back.body as ErrorBody).error.code).toBe('SUGGESTION_MOVE_NOT_ALLOWED');
    const late = await hearNext(author, campaignId, entryId);
    expect(late.status).toBe(400);
    expect(JSON.stringify(late.body)).toContain('still moving');
  });

  it('has no suggestions to show for a contest', async () => {
    const campaignId = randomId('c');
    await createLiveCampaign(env.mongo, campaignId, { createdBy: fx.host.id });
    const res = await fetch(`${env.server.url}/api/campaigns/${campaignId}/suggestions`);
    expect(res.status).toBe(404);
  });

  it('keeps following open after the campaign ends, and shows nothing of a draft or archived box', async () => {
    const campaignId = await suggestionBox();
    const author = await entrant();
    const entryId = await approvedSuggestion(campaignId, author, '修缮儿童乐园');
    await campaignModel(env.mongo).updateOne({ _id: campaignId }, { $set: { status: 'ended' } });
    expect((await hearNext(author, campaignId, entryId)).status).toBe(200);
    expect((await move(campaignId, entryId, { status: 'under-study' })).status).toBe(200);
    await eventually(async () => sentTo(author).length === 1, 15_000, 'the message after the end');
    await campaignModel(env.mongo).updateOne({ _id: campaignId }, { $set: { status: 'archived' } });
    expect((await read(campaignId, entryId)).status).toBe(404);
    const list = await fetch(`${env.server.url}/api/campaigns/${campaignId}/suggestions`);
    expect(list.status).toBe(404);
  });

  it("refuses a reply WeChat finds risky, or would have a person review, as the host's text, and nothing moves", async () => {
    const campaignId = await suggestionBox();
    const entryId = await approvedSuggestion(campaignId, await entrant(), '夜间施工扰民');
    env.fake.state.visit(hostOpenid);
    const risky = `禁词${randomId('w')}`;
    env.fake.state.blockWord(risky, 20012, 'risky');
    const refused = await move(campaignId, entryId, { status: 'answered', reply: `已转交${risky}处理` });
    expect(refused.status).toBe(422);
    expect((refused.body as ErrorBody).error).toMatchObject({
      code: 'CONTENT_RISKY',
      details: { fields: ['reply'] },
    });
    const doubtful = `待审${randomId('w')}`;
    env.fake.state.blockWord(doubtful, 20006, 'review');
    const held = await move(campaignId, entryId, { status: 'under-study', reply: `正在研究${doubtful}` });
    expect((held.body as ErrorBody).error.code).toBe('CONTENT_NEEDS_REVIEW');
    // Nothing moved: the public sees it received, with no reply, and no message was queued.
    expect((await read(campaignId, entryId)).body).toMatchObject({ status: 'received' });
    expect((await read(campaignId, entryId)).body.reply).toBeUndefined();

    const answered = await move(campaignId, entryId, { status: 'answered', reply: '已协调施工方夜间停工' });
    expect(answered.status).toBe(200);
    const audit = await auditModel(env.mongo).findOne({ campaignId, action: 'suggestion.progress' }).lean();
    expect(audit?.after).toMatchObject({
      status: 'answered',
      contentChecks: [expect.objectContaining({ candidateId: entryId, suggest: 'pass' })],
    });
  });
});
