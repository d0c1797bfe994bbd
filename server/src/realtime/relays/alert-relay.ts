import type { Logger } from '@rallyboard/core/logger';
import { riskAlertSchema } from '@rallyboard/core/protocol';
import type { KeyBuilder } from '@rallyboard/core/redis';
import type { Redis } from 'ioredis';
import { alertsRoom, type HostNamespace } from '../types.js';
import { channelRelay, type Relay } from './channel.js';

export interface AlertRelayDeps {
  subscriber: Redis;
  keys: Pick<KeyBuilder, 'riskAlerts'>;
  logger: Logger;
}

/**
 * Pushes the risk alerts the workers publish (keys.riskAlerts) to their campaign's room on the
 * host namespace as `risk:alert`.
 */
export function createAlertRelay(hosts: HostNamespace, deps: AlertRelayDeps): Relay {
  return channelRelay({
    subscriber: deps.subscriber,
    channel: deps.keys.riskAlerts,
    schema: riskAlertSchema,
    logger: deps.logger,
    what: 'risk alert',
    deliver: (alert) => hosts.to(alertsRoom(alert.campaignId)).emit('risk:alert', alert),
  });
}
