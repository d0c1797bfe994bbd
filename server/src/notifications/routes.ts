import type { MessageTemplates } from '@rallyboard/core/config';
import { findShareableCampaign, type NotificationModels, recordGrant } from '@rallyboard/core/db';
import {
  AppError,
  NOTIFICATION_EVENTS,
  type NotificationEvent,
  type NotificationTemplates,
  notificationTemplatesSchema,
  type SubscriptionAnswer,
  subscriptionAnswerSchema,
  subscriptionBodySchema,
} from '@rallyboard/core/protocol';
import { Router } from 'express';
import type { Connection } from 'mongoose';
import type { Api } from '../http/api.js';
import { whenAvailable } from '../lib/when-available.js';

const tag = 'Notifications';

/** Campaigns a participant may subscribe to hear from: published, and not over. */
const SUBSCRIBABLE = new Set(['scheduled', 'live', 'paused', 'frozen']);

/** Until when each event is still to come: a start reminder is for a campaign not started yet. */
const STILL_TO_COME: Record<NotificationEvent, ReadonlySet<string>> = {
  'campaign-started': new Set(['scheduled']),
  'results-final': SUBSCRIBABLE,
};

export interface NotificationsRouteDeps {
  api: Api;
  mongo: Connection;
  notifications: NotificationModels;
  config: { wechat: { templates: MessageTemplates } };
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
        '(its start, or its results). Answers other than accept record nothing. A start reminder is taken ' +
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
      if (!SUBSCRIBABLE.has(campaign.status)) {
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
      const grants: SubscriptionAnswer['grants'] = [];
      for (const [templateId, answer] of Object.entries(body.answers)) {
        const event = eventOf.get(templateId);
        if (answer !== 'accept' || !event) continue;
        const recorded = await whenAvailable(() =>
          recordGrant(deps.notifications, {
            userId: auth.participantId,
            campaignId: body.campaignId,
            templateId,
            event,
          }),
        );
        grants.push({ templateId, event, recorded });
      }
      res.json({ grants } satisfies SubscriptionAnswer);
    },
  );
}
