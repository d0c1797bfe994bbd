import { notificationModels } from '@rallyboard/core/db';
import { queueNotificationEvent } from '@rallyboard/core/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { randomId } from '../../../test/support/config.js';
import { startTestNotifier } from '../../../test/support/notifier.js';
import { eventually } from '../../../test/support/stack.js';
import { TEST_TEMPLATES } from '../../../test/support/wechat.js';
import { voteFromTap } from '../../services/actions.js';
import { DwellClock } from '../../services/dwell.js';
import { askToHear, forgetTemplates, loadTemplates } from '../../services/subscriptions.js';
import {
  config,
  fake,
  liveCampaign,
  mongo,
  server,
  shim,
  user,
  useServicesStack,
} from '../support/services-fixture.js';

// Subscribe messages from the participant's side: the prompt a vote and a reminder tap show, the
// grant the server records, and the message that reaches them when the results are final.
useServicesStack();

let notifier: Awaited<ReturnType<typeof startTestNotifier>>;
beforeAll(async () => {
  notifier = await startTestNotifier(config, mongo);
  await loadTemplates();
});
afterAll(() => notifier.close());

const RESULTS = TEST_TEMPLATES['results-final'].templateId;
const START = TEST_TEMPLATES['campaign-started'].templateId;
const grantsOf = (campaignId: string) => notificationModels(mongo).grants.find({ campaignId }).lean();

function dwell(): DwellClock {
  const clock = new DwellClock();
  clock.shown();
  return clock;
}

/** A title as a `thing` keyword takes it: 20 characters at most, a cut one ending in '…'. */
const fitted = (title: string) => ([...title].length <= 20 ? title : `${[...title].slice(0, 19).join('')}…`);

const tap = (campaignId: string, candidateId = 'alice') =>
  voteFromTap({ boardId: campaignId, candidateId, action: 'vote', dwell: dwell() });

describe('subscribe messages in the mini-program', () => {
  it('asks once, at the first vote, to tell the results; the vote counts either way, and the results arrive', async () => {
    const campaignId = await liveCampaign();
    const prompts = shim.subscribePrompts.length;
    expect(await tap(campaignId)).toMatchObject({ ok: true });
    expect(shim.subscribePrompts.slice(prompts)).toEqual([[RESULTS]]);
    expect(await grantsOf(campaignId)).toMatchObject([{ templateId: RESULTS, event: 'results-final' }]);
    // The second vote asks nothing.
    expect(await tap(campaignId, 'bob')).toMatchObject({ ok: true });
    expect(shim.subscribePrompts.slice(prompts)).toHaveLength(1);

    // The results are final (what the campaign's end or reveal queues): the message arrives.
    await queueNotificationEvent(server.deps.notificationQueue, { event: 'results-final', campaignId });
    await eventually(
      async () => fake.state.sent.some((m) => m.touser === `o-${user}`),
      15_000,
      'the message',
    );
    const sent = fake.state.sent.filter((m) => m.touser === `o-${user}`);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      templateId: RESULTS,
      page: `pages/ranking/index?campaignId=${campaignId}`,
      data: { thing1: { value: fitted(`小程序 ${campaignId}`) } },
    });
  });

  it('records nothing when the user declines, or has turned subscriptions off, and the vote still counts', async () => {
    const declined = await liveCampaign();
    shim.subscribeAnswers.set(RESULTS, 'reject');
    try {
      expect(await tap(declined)).toMatchObject({ ok: true });
      expect(await grantsOf(declined)).toEqual([]);
    } finally {
      shim.subscribeAnswers.delete(RESULTS);
    }
    const off = await liveCampaign();
    shim.subscriptionsOff(true);
    try {
      expect(await tap(off)).toMatchObject({ ok: true });
      expect(await grantsOf(off)).toEqual([]);
    } finally {
      shim.subscriptionsOff(false);
    }
    // Turned off, it was not asked: the next vote asks.
    const prompts = shim.subscribePrompts.length;
    await tap(off, 'bob');
    expect(shim.subscribePrompts.slice(prompts)).toEqual([[RESULTS]]);
    expect(await grantsOf(off)).toHaveLength(1);
  });

  it.each([
    ['its answer is lost', () => shim.loseAnswers(1, /\/api\/me\/subscriptions$/)],
    ['it is answered 503', () => shim.answerUnavailable(1, /\/api\/me\/subscriptions$/)],
  ])(
    'sends an accept again, with no new prompt, when %s, and the server holds one grant',
    async (_what, fail) => {
      const campaignId = await liveCampaign();
      const prompts = shim.subscribePrompts.length;
      const sent = () =>
        shim.requests.filter((r) => r.method === 'POST' && r.url.endsWith('/api/me/subscriptions'));
      const before = sent().length;
      fail();
      expect(await askToHear('results-final', campaignId)).toBe('recorded');
      expect(shim.subscribePrompts.slice(prompts)).toEqual([[RESULTS]]);
      const sends = sent().slice(before);
      expect(sends).toHaveLength(2);
      expect(sends[1]?.body).toEqual(sends[0]?.body);
      expect(await grantsOf(campaignId)).toMatchObject([{ templateId: RESULTS, event: 'results-final' }]);
      expect(await askToHear('results-final', campaignId)).toBe('asked');
    },
  );

  it("records a start reminder for a scheduled campaign, and shows no prompt for an event the service doesn't send", async () => {
    const campaignId = randomId('c');
    await createLiveCampaign(mongo, campaignId, {
      status: 'scheduled',
      schedule: {
        startAt: new Date(Date.now() + 3_600_000),
        endAt: new Date(Date.now() + 7_200_000),
        timezone: 'Asia/Shanghai',
      },
    });
    expect(await askToHear('campaign-started', campaignId)).toBe('recorded');
    expect(await askToHear('campaign-started', campaignId)).toBe('asked');
    expect(await grantsOf(campaignId)).toMatchObject([{ templateId: START, event: 'campaign-started' }]);

    forgetTemplates();
    const prompts = shim.subscribePrompts.length;
    expect(await askToHear('results-final', campaignId)).toBe('unavailable');
    expect(shim.subscribePrompts.length).toBe(prompts);
    await loadTemplates();
  });
});
