import type { MessageTemplates } from '@rallyboard/core/config';
import { type NotificationModels, notificationCounts } from '@rallyboard/core/db';
import {
  type CampaignNotifications,
  campaignNotificationsSchema,
  NOTIFICATION_EVENTS,
} from '@rallyboard/core/protocol';
import { Router } from 'express';
import type { CampaignAccess } from '../campaigns/access.js';
import { campaignParams } from '../campaigns/params.js';
import type { Api } from '../http/api.js';
import { whenAvailable } from '../lib/when-available.js';

export interface NotificationLogRouteDeps {
  api: Api;
  loadCampaign: CampaignAccess;
  notifications: NotificationModels;
  config: { wechat: { templates: MessageTemplates } };
}

/** The console's send log of a campaign's subscribe messages (docs/notifications.md). */
export function notificationLogRouter(deps: NotificationLogRouteDeps): Router {
  const router = Router();
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/campaigns/:campaignId/notifications',
      tag: 'Console',
      summary: "The campaign's subscribe messages: grants, sends by outcome, and why some were not sent",
      description:
        'Per event (campaign-started, results-final): the template this deployment sends it with (null: ' +
        'none, it is not sent), the grants participants gave, the sends sending, sent, dropped and failed, ' +
        'and the reasons of those dropped or failed (NO_GRANT, WECHAT_43101…), most frequent first. A ' +
        'campaign the host neither created nor co-hosts answers CAMPAIGN_NOT_FOUND.',
      auth: 'host',
      params: campaignParams,
      responses: { 200: { description: 'The send log, counted.', schema: campaignNotificationsSchema } },
      errors: ['CAMPAIGN_NOT_FOUND'],
    },
    async ({ auth, params }, _req, res) => {
      const campaign = await whenAvailable(() => deps.loadCampaign(auth, params.campaignId));
      const events = await whenAvailable(() =>
        Promise.all(
          NOTIFICATION_EVENTS.map((event) =>
            notificationCounts(
              deps.notifications,
              campaign._id,
              event,
              deps.config.wechat.templates[event]?.templateId ?? null,
            ),
          ),
        ),
      );
      res.json({ events } satisfies CampaignNotifications);
    },
  );
  return router;
}
