import { campaignModel } from '@rallyboard/core/db';
import {
  AppError,
  boardIdSchema,
  HOST_EVENTS,
  HOST_NAMESPACE,
  riskAlertSchema,
} from '@rallyboard/core/protocol';
import type { Namespace } from 'socket.io';
import { z } from 'zod';
import { loadCampaign } from '../campaigns/access.js';
import type { AppContext } from '../deps.js';
import type { HostPrincipal } from '../hosts/principal.js';
import type { Relay } from '../relay/relay.js';
import type { RealtimeServer } from './types.js';

const alertsRoom = (campaignId: string) => `alerts:${campaignId}`;
const subscribeSchema = z.strictObject({ campaignId: boardIdSchema });

type Ack = (answer: { ok: true } | { ok: false; error: { code: string; message: string } }) => void;

/**
 * The host namespace (`/host`): only a host token connects (`auth: { token }`), and a host joins
 * the alerts of a campaign it may touch (`alerts:subscribe`, with an ack). Risk alerts the
 * workers publish (keys.riskAlerts) are pushed to that campaign's room as `risk:alert`.
 */
export function createAlertRelay(io: RealtimeServer, ctx: AppContext): Relay {
  const campaigns = campaignModel(ctx.mongo);
  const hostNamespace = io.of(HOST_NAMESPACE) as unknown as Namespace;
  hostNamespace.use((socket, next) => {
    const token: unknown = socket.handshake.auth?.token;
    if (typeof token !== 'string' || token === '') {
      next(new AppError('UNAUTHENTICATED'));
      return;
    }
    ctx.tokens
      .verify(token, 'host')
      .then((claims) => ctx.hosts(claims))
      .then((host) => {
        socket.data.host = host;
        next();
      })
      .catch((error: unknown) => next(error instanceof AppError ? error : new AppError('UNAUTHENTICATED')));
  });
  hostNamespace.on('connection', (socket) => {
    socket.on(HOST_EVENTS.subscribe, (payload: unknown, ack?: unknown) => {
      const reply: Ack = typeof ack === 'function' ? (ack as Ack) : () => {};
      const parsed = subscribeSchema.safeParse(payload);
      if (!parsed.success) {
        reply({ ok: false, error: { code: 'INVALID_INPUT', message: 'send { campaignId }' } });
        return;
      }
      loadCampaign(campaigns, socket.data.host as HostPrincipal, parsed.data.campaignId)
        .then(async () => {
          await socket.join(alertsRoom(parsed.data.campaignId));
          reply({ ok: true });
        })
        .catch((error: unknown) => {
          const e = error instanceof AppError ? error : new AppError('INTERNAL');
          reply({ ok: false, error: { code: e.code, message: e.message } });
        });
    });
  });

  const onMessage = (channel: string, message: string) => {
    if (channel !== ctx.keys.riskAlerts) return;
    let alert: z.infer<typeof riskAlertSchema>;
    try {
      alert = riskAlertSchema.parse(JSON.parse(message));
    } catch {
      ctx.logger.warn('ignoring a malformed risk alert');
      return;
    }
    hostNamespace.to(alertsRoom(alert.campaignId)).emit(HOST_EVENTS.alert, alert);
  };

  return {
    async start() {
      ctx.subscriber.on('message', onMessage);
      await ctx.subscriber.subscribe(ctx.keys.riskAlerts);
    },
    async stop() {
      ctx.subscriber.off('message', onMessage);
      if (ctx.subscriber.status === 'ready') await ctx.subscriber.unsubscribe(ctx.keys.riskAlerts);
    },
  };
}
