import type { Logger } from '@rallyboard/core/logger';
import { AppError, type HostSubscribe, hostSubscribeSchema, toFieldIssues } from '@rallyboard/core/protocol';
import type { CampaignAccess } from '../../campaigns/access.js';
import { answer } from '../ack.js';
import { alertsRoom, type HostSocket } from '../types.js';

export interface AlertsSubscribeDeps {
  logger: Logger;
  loadCampaign: CampaignAccess;
}

/**
 * `alerts:subscribe { campaignId }` on `/host`: the host joins the alerts of a campaign it may
 * touch (CAMPAIGN_NOT_FOUND otherwise, as for every host route), and the ack names it.
 */
export function registerAlertsSubscribe(socket: HostSocket, deps: AlertsSubscribeDeps): void {
  socket.on('alerts:subscribe', async (payload, ack) => {
    const reply = await answer<HostSubscribe>(deps.logger, async () => {
      const parsed = hostSubscribeSchema.safeParse(payload);
      if (!parsed.success) {
        throw new AppError('INVALID_INPUT', { details: toFieldIssues(parsed.error, 'payload') });
      }
      await deps.loadCampaign(socket.data.host, parsed.data.campaignId);
      await socket.join(alertsRoom(parsed.data.campaignId));
      return parsed.data;
    });
    if (typeof ack === 'function') ack(reply);
  });
}
