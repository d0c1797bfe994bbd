import type { MessageTemplates } from '@rallyboard/core/config';
import {
  type EntryDoc,
  type EntryModels,
  findShareableCampaign,
  grantIdOf,
  type NotificationModels,
  progressOf,
  recordGrant,
  suggestionSubject,
} from '@rallyboard/core/db';
import {
  AppError,
  NOTIFICATION_EVENTS,
  type NotificationEvent,
  type NotificationTemplates,
  notificationTemplatesSchema,
  REVIEWED,
  SUBJECT_EVENTS,
  SUGGESTION_MOVES,
  type SubscriptionAnswer,
  type SubscriptionBody,
  subscriptionAnswerSchema,
  subscriptionBodySchema,
  WITHDRAWABLE,
} from '@rallyboard/core/protocol';
import type { NotificationJob } from '@rallyboard/core/queue';
import type { Queue } from 'bullmq';
import { Router } from 'express';
import type { Connection } from 'mongoose';
import type { Api } from '../http/api.js';
import { whenAvailable } from '../lib/when-available.js';
import { queueLateGrantEvents } from './late-grants.js';

const tag = 'Notifications';

/** Campaigns a participant may subscribe to hear from: published, and not over. */
const SUBSCRIBABLE = new Set(['scheduled', 'live', 'paused', 'frozen']);

/** Until when each event is still to come: a start reminder is for a campaign not started yet. */
const STILL_TO_COME: Record<NotificationEvent, ReadonlySet<string>> = {
  'campaign-started': new Set(['scheduled']),
  'results-final': SUBSCRIBABLE,
  'entry-reviewed': SUBSCRIBABLE,
  'suggestion-progress': new Set([...SUBSCRIBABLE, 'ended']),
};

const notFor = (message: string) =>
  new AppError('INVALID_INPUT', { details: [{ path: 'body.entryId', message }] });

/**
 * An entry whose review message its author may still subscribe to: one waiting for review, or one
 * decided since the author's grant for it was recorded (their retry, when the catch-up of that
 * grant did not get queued: late-grants.ts).
 */
async function awaitsItsMessage(deps: NotificationsRouteDeps, entry: EntryDoc): Promise<boolean> {
  if (WITHDRAWABLE.includes(entry.status)) return true;
  const template = deps.config.wechat.templates['entry-reviewed'];
  if (!template || !REVIEWED.includes(entry.status)) return false;
  const grantId = grantIdOf(template.templateId, entry.campaignId, entry.userId, entry._id);
  return (await whenAvailable(() => deps.notifications.grants.exists({ _id: grantId }))) !== null;
}

/**
 * The subject of each subject event the answers accept, from the entry the body names:
 * - entry-reviewed: the participant's own entry of this campaign, not decided yet, or decided
 *   since their grant for it (its id);
 * - suggestion-progress: an approved suggestion of this campaign still moving (its id and the
 *   status it is at: the grant is for its next move).
 * Anything else is INVALID_INPUT on `body.entryId`.
 */
async function subjectsOf(
  deps: NotificationsRouteDeps,
  body: SubscriptionBody,
  userId: string,
  events: NotificationEvent[],
): Promise<Map<NotificationEvent, string>> {
  const subjects = new Map<NotificationEvent, string>();
  if (!events.some((event) => SUBJECT_EVENTS.has(event))) return subjects;
  const entry =
    body.entryId === undefined
      ? null
      : await whenAvailable(() => deps.entries.entries.findById(body.entryId).lean<EntryDoc>());
  const ours = entry !== null && entry.campaignId === body.campaignId ? entry : undefined;
  if (events.includes('entry-reviewed')) {
    if (!ours || ours.userId !== userId || !(await awaitsItsMessage(deps, ours))) {
      throw notFor('name your own entry of this campaign that is still waiting for review');
    }
    subjects.set('entry-reviewed', ours._id);
  }
  if (events.includes('suggestion-progress')) {
    const settings = ours
      ? await whenAvailable(() => deps.entries.settings.findById(body.campaignId, { purpose: 1 }).lean())
      : null;
    const progress = ours?.status === 'approved' ? progressOf(ours) : undefined;
    if (
      !ours ||
      settings?.purpose !== 'suggestions' ||
      !progress ||
      SUGGESTION_MOVES[progress.status].length === 0
    ) {
      throw notFor('name a suggestion of this campaign that is still moving');
    }
    subjects.set('suggestion-progress', suggestionSubject(ours._id, progress.status));
  }
  return subjects;
}

export interface NotificationsRouteDeps {
  api: Api;
  mongo: Connection;
  notifications: NotificationModels;
  /** Where a subject event's entry (and a suggestion's campaign settings) is checked. */
  entries: EntryModels;
  config: { wechat: { templates: MessageTemplates } };
  /** Where a subject event that happened while its grant was recorded is queued again. */
  notificationQueue: Queue<NotificationJob>;
}

/**
 * Subscribe messages (订阅消息), the participant's side: which templates to ask for, and the
 * grants `wx.requestSubscribeMessage` gave. The workers send (workers/src/notifications/), one
 * grant spent per message.
 */
export function notificationsRouter(deps: NotificationsRouteDeps): Router {
  const router = Router();
  const { templates } = deps.config.wechat;
  const eventOf = new Map<string, NotificationEvent>(
    NOTIFICATION_EVENTS.flatMap((event) => {
      const template = templates[event];
      return template ? [[template.templateId, event] as const] : [];
    }),
  );
  templatesRoute(router, deps, eventOf);
  subscriptionsRoute(router, deps, eventOf);
  return router;
}

/** Which templates to ask for. */
function templatesRoute(
  router: Router,
  deps: NotificationsRouteDeps,
  eventOf: ReadonlyMap<string, NotificationEvent>,
): void {
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/notifications/templates',
      tag,
      summary: 'The subscribe-message templates this service sends, by event',
      description:
        'Pass the template ids to wx.requestSubscribeMessage: campaign-started after a participant ' +
        'looks at a scheduled campaign, results-final after a vote. Events without a template are not listed.',
      auth: 'public',
      responses: {
        200: { description: 'Event and template id pairs.', schema: notificationTemplatesSchema },
      },
    },
    async (_input, _req, res) => {
      const answer: NotificationTemplates = {
        templates: [...eventOf].map(([templateId, event]) => ({ event, templateId })),
      };
      res.json(answer);
    },
  );
}

/** The grants a participant gave. */
function subscriptionsRoute(
  router: Router,
  deps: NotificationsRouteDeps,
  eventOf: ReadonlyMap<string, NotificationEvent>,
): void {
  deps.api.route(
    router,
    {
      method: 'post',
      path: '/api/me/subscriptions',
      tag,
      summary: 'Record what wx.requestSubscribeMessage answered, for a campaign',
      description:
        'Each `accept` lets the service send me one message of that template about this campaign ' +
        '(its start, or its results), or about my entry (`entryId`: its review result, entry-reviewed; ' +
        'once it is decided, only if my grant for it was recorded already, which then catches up). ' +
        'Answers other than accept record nothing. A start reminder is taken ' +
        'only before the start (409 SUBSCRIPTION_CLOSED after). A template already ' +
        'held for the campaign is answered `held`; one already spent on it, `used`.',
      auth: 'participant',
      body: subscriptionBodySchema,
      responses: {
        200: { description: 'The grants, one per accepted template.', schema: subscriptionAnswerSchema },
      },
      errors: ['CAMPAIGN_NOT_FOUND', 'CAMPAIGN_NOT_LIVE', 'SUBSCRIPTION_CLOSED', 'UNKNOWN_TEMPLATE'],
    },
    async ({ auth, body }, _req, res) => {
      const unknown = Object.keys(body.answers).filter((id) => !eventOf.has(id));
      if (unknown.length > 0) {
        throw new AppError('UNKNOWN_TEMPLATE', {
          details: unknown.map((id) => ({
            path: `body.answers.${id}`,
            message: 'not a template this service sends',
          })),
        });
      }
      const campaign = await whenAvailable(() => findShareableCampaign(deps.mongo, body.campaignId));
      if (!campaign || campaign.status === 'draft') throw new AppError('CAMPAIGN_NOT_FOUND');
      // A suggestion's progress goes on after its campaign ends: following it stays open then.
      const onlyProgress = Object.keys(body.answers).every((id) => eventOf.get(id) === 'suggestion-progress');
      if (!SUBSCRIBABLE.has(campaign.status) && !(onlyProgress && campaign.status === 'ended')) {
        throw new AppError('CAMPAIGN_NOT_LIVE', { details: { status: campaign.status } });
      }
      const past = Object.entries(body.answers).filter(([id, answer]) => {
        const event = eventOf.get(id);
        if (answer !== 'accept') return false;
        return event !== undefined && !STILL_TO_COME[event].has(campaign.status);
      });
      if (past.length > 0) {
        throw new AppError('SUBSCRIPTION_CLOSED', {
          details: past.map(([id]) => ({
            path: `body.answers.${id}`,
            message: `the campaign is ${campaign.status}`,
          })),
        });
      }
      const accepted = Object.entries(body.answers).flatMap(([templateId, answer]) => {
        const event = eventOf.get(templateId);
        return answer === 'accept' && event ? [{ templateId, event }] : [];
      });
      const subjects = await subjectsOf(
        deps,
        body,
        auth.participantId,
        accepted.map((a) => a.event),
      );
      const grants: SubscriptionAnswer['grants'] = [];
      for (const { templateId, event } of accepted) {
        const recorded = await whenAvailable(() =>
          recordGrant(deps.notifications, {
            userId: auth.participantId,
            campaignId: body.campaignId,
            templateId,
            event,
            ...(subjects.has(event) ? { subject: subjects.get(event) } : {}),
          }),
        );
        grants.push({ templateId, event, recorded });
      }
      await queueLateGrantEvents(
        deps,
        { campaignId: body.campaignId, userId: auth.participantId },
        subjects,
        grants,
      );
      res.json({ grants } satisfies SubscriptionAnswer);
    },
  );
}
