import { latestAlerts } from '@rallyboard/core/db';
import type { Logger } from '@rallyboard/core/logger';
import { type RiskAlert, riskAlertSchema } from '@rallyboard/core/protocol';
import type { KeyBuilder, RedisClient } from '@rallyboard/core/redis';
import type { Connection } from 'mongoose';
import type { HostAccess } from '../host-access.js';
import { alertsRoom, campaignOfAlertsRoom, type HostNamespace } from '../types.js';
import { channelRelay, type Relay } from './channel.js';

export interface AlertRelayDeps {
  /** The same checks the /host namespace runs before each event, shared with it. */
  hostAccess: Pick<HostAccess, 'mayWatch'>;
  subscriber: RedisClient;
  keys: Pick<KeyBuilder, 'riskAlerts'>;
  /** Where alerts are on record: what a reconnect sends again is read there. */
  mongo: Connection;
  logger: Logger;
}

/** The alerts a watched campaign's room is sent again after the subscription dropped: the console's first read. */
const RESENT = 20;

/**
 * Pushes the risk alerts the workers publish (keys.riskAlerts) to their campaign's room on the
 * host namespace as `risk:alert`, socket by socket, each after checking its host again
 * (host-access.ts): a host disabled since it joined is dropped, a co-host an admin removed
 * leaves the room, and neither gets the alert. Alerts are rare (once per subject per window), so
 * an exact check each time costs little; a check that cannot be made withholds the alert (it
 * stays listed by GET /api/campaigns/:id/alerts). Alerts published while the subscription was
 * down were never heard: once subscribed again, each watched campaign's latest alerts are sent
 * again from the record (the console keeps each alert once, by id).
 */
export function createAlertRelay(hosts: HostNamespace, deps: AlertRelayDeps): Relay {
  /** Sends a campaign's alerts to each socket of its room that may still watch it: one check each. */
  async function push(campaignId: string, alerts: readonly RiskAlert[]): Promise<void> {
    // A copy: sockets leave the room while their checks run.
    const room = [...(hosts.adapter.rooms.get(alertsRoom(campaignId)) ?? [])];
    await Promise.all(
      room.map(async (socketId) => {
        const socket = hosts.sockets.get(socketId);
        if (!socket) return;
        try {
          if (!(await deps.hostAccess.mayWatch(socket, campaignId))) return;
          for (const alert of alerts) socket.emit('risk:alert', alert);
        } catch (error) {
          deps.logger.warn(
            { err: error, campaignId, hostId: socket.data.host.hostId },
            "risk alert withheld: could not check the host's access",
          );
        }
      }),
    );
  }

  async function resend(campaignId: string): Promise<void> {
    try {
      const alerts = await latestAlerts(deps.mongo, campaignId, RESENT);
      await push(campaignId, alerts.reverse());
    } catch (error) {
      deps.logger.warn({ err: error, campaignId }, 'alerts missed during a Redis drop not sent again');
    }
  }

  return channelRelay({
    subscriber: deps.subscriber,
    channel: deps.keys.riskAlerts,
    schema: riskAlertSchema,
    logger: deps.logger,
    what: 'risk alert',
    deliver: (alert) => void push(alert.campaignId, [alert]),
    resync: () => {
      for (const room of hosts.adapter.rooms.keys()) {
        const campaignId = campaignOfAlertsRoom(room);
        if (campaignId !== undefined) void resend(campaignId);
      }
    },
  });
}
