import { type CampaignDoc, grantIdOf, notificationModels } from '@rallyboard/core/db';
import type { ErrorBody, NotificationTemplates, SubscriptionAnswer } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { randomId } from '../../../test/support/config.js';
import { asParticipant } from '../../../test/support/participants.js';
import { TEST_TEMPLATES } from '../../../test/support/wechat.js';
import { useWeChatServer } from '../../../test/support/wechat-server.js';

const env = useWeChatServer();

const RESULTS = TEST_TEMPLATES['results-final'].templateId;
const START = TEST_TEMPLATES['campaign-started'].templateId;

async function campaign(fields: Partial<CampaignDoc> = {}): Promise<string> {
  const campaignId = randomId('c');
  await createLiveCampaign(env.mongo, campaignId, fields);
  return campaignId;
}

async function subscribe(body: unknown, as: string | null = 'p-fan'): Promise<Response> {
  return fetch(`${env.server.url}/api/me/subscriptions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(as === null ? {} : await asParticipant(env.config, as)),
    },
    body: JSON.stringify(body),
  });
}

const errorOf = async (res: Response) => ((await res.json()) as ErrorBody).error;

describe('GET /api/notifications/templates', () => {
  it('lists the template of each event this deployment sends', async () => {
    const res = await fetch(`${env.server.url}/api/notifications/templates`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as NotificationTemplates;
    expect(body.templates).toEqual([
      { event: 'campaign-started', templateId: START },
      { event: 'results-final', templateId: RESULTS },
      { event: 'entry-reviewed', templateId: TEST_TEMPLATES['entry-reviewed'].templateId },
      { event: 'suggestion-progress', templateId: TEST_TEMPLATES['suggestion-progress'].templateId },
    ]);
  });
});

describe('POST /api/me/subscriptions', () => {
  it('records one grant per accepted template, none for a refusal, and answers a second accept as held', async () => {
    const campaignId = await campaign({ status: 'scheduled' });
    const res = await subscribe({ campaignId, answers: { [RESULTS]: 'accept', [START]: 'reject' } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as SubscriptionAnswer).grants).toEqual([
      { templateId: RESULTS, event: 'results-final', recorded: 'new' },
    ]);
    const again = await subscribe({ campaignId, answers: { [RESULTS]: 'accept' } });
    expect(((await again.json()) as SubscriptionAnswer).grants).toEqual([
      { templateId: RESULTS, event: 'results-final', recorded: 'held' },
    ]);
    const { grants } = notificationModels(env.mongo);
    const stored = await grants.find({ campaignId }).lean();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ templateId: RESULTS, event: 'results-final', campaignId });
    expect(stored[0]?._id).toBe(grantIdOf(RESULTS, campaignId, stored[0]?.userId ?? ''));
  });

  it('answers a grant already spent on the campaign as used', async () => {
    const campaignId = await campaign();
    await subscribe({ campaignId, answers: { [RESULTS]: 'accept' } }, 'p-used');
    const { grants, spends } = notificationModels(env.mongo);
    const grant = await grants.findOne({ campaignId }).lean();
    await spends.create({ _id: grant?._id ?? '', sendId: 'a-send', spentAt: new Date() });
    const res = await subscribe({ campaignId, answers: { [RESULTS]: 'accept' } }, 'p-used');
    expect(((await res.json()) as SubscriptionAnswer).grants[0]?.recorded).toBe('used');
  });

  it('takes a start reminder only before the start: 409 SUBSCRIPTION_CLOSED on a live campaign, a refusal passes', async () => {
    const campaignId = await campaign();
    const res = await subscribe({ campaignId, answers: { [START]: 'accept', [RESULTS]: 'accept' } });
    expect(res.status).toBe(409);
    expect(await errorOf(res)).toMatchObject({
      code: 'SUBSCRIPTION_CLOSED',
      details: [{ path: `body.answers.${START}` }],
    });
    expect(await notificationModels(env.mongo).grants.countDocuments({ campaignId })).toBe(0);
    const declined = await subscribe({ campaignId, answers: { [START]: 'reject', [RESULTS]: 'accept' } });
    expect(((await declined.json()) as SubscriptionAnswer).grants).toEqual([
      { templateId: RESULTS, event: 'results-final', recorded: 'new' },
    ]);
  });

  it('refuses a template this service does not send with 422 UNKNOWN_TEMPLATE, recording nothing', async () => {
    const campaignId = await campaign();
    const res = await subscribe({ campaignId, answers: { [RESULTS]: 'accept', 'someone-elses': 'accept' } });
    expect(res.status).toBe(422);
    expect(await errorOf(res)).toMatchObject({
      code: 'UNKNOWN_TEMPLATE',
      details: [{ path: 'body.answers.someone-elses' }],
    });
    expect(await notificationModels(env.mongo).grants.countDocuments({ campaignId })).toBe(0);
  });

  it('refuses a draft or missing campaign with 404, and one that is over with 409 CAMPAIGN_NOT_LIVE', async () => {
    const draft = await campaign({ status: 'draft' });
    const ended = await campaign({ status: 'ended' });
    for (const [campaignId, status, code] of [
      [draft, 404, 'CAMPAIGN_NOT_FOUND'],
      ['no-such-campaign', 404, 'CAMPAIGN_NOT_FOUND'],
      [ended, 409, 'CAMPAIGN_NOT_LIVE'],
    ] as const) {
      const res = await subscribe({ campaignId, answers: { [RESULTS]: 'accept' } });
      expect(res.status, campaignId).toBe(status);
      expect((await errorOf(res)).code).toBe(code);
    }
  });

  it('refuses bad bodies with 400 INVALID_INPUT naming the field, and an anonymous caller with 401', async () => {
    const campaignId = await campaign();
    const four = Object.fromEntries(['a1', 'a2', 'a3', 'a4'].map((id) => [id, 'accept']));
    for (const [body, path] of [
      [{ campaignId, answers: {} }, 'body.answers'],
      [{ campaignId, answers: four }, 'body.answers'],
      [{ campaignId, answers: { [RESULTS]: 'maybe' } }, `body.answers.${RESULTS}`],
      [{ campaignId, answers: { 'bad id!': 'accept' } }, 'body.answers.bad id!'],
      [{ campaignId, answers: { [RESULTS]: 'accept' }, extra: 1 }, 'body'],
    ] as const) {
      const res = await subscribe(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const error = await errorOf(res);
      expect(error.code).toBe('INVALID_INPUT');
      expect((error.details as { path: string }[]).map((d) => d.path)).toContain(path);
    }
    expect((await subscribe({ campaignId, answers: { [RESULTS]: 'accept' } }, null)).status).toBe(401);
  });
});
