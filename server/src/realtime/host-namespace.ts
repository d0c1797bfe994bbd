import { AppError, HOST_NAMESPACE } from '@rallyboard/core/protocol';
import { type AlertsSubscribeDeps, registerAlertsSubscribe } from './handlers/alerts-subscribe.js';
import type { HostAccess } from './host-access.js';
import type { HostNamespace, HostSocket, RealtimeServer } from './types.js';

export interface HostNamespaceDeps extends AlertsSubscribeDeps {
  /** The host checks, shared with the alert relay, so one socket's concurrent checks are one. */
  hostAccess: HostAccess;
}

/**
 * The host namespace (`/host`): only a host token connects (`auth: { token }`), checked against
 * the account as it is now, as on every host route; then one handler per event. The host is
 * checked again before each event (host-access.ts): a host disabled, or whose tokens were
 * revoked, since it connected is dropped at its next event, and handlers see its current role.
 */
export function createHostNamespace(io: RealtimeServer, deps: HostNamespaceDeps): HostNamespace {
  const access = deps.hostAccess;
  const hosts: HostNamespace = io.of(HOST_NAMESPACE);
  hosts.use((socket, next) => {
    const token: unknown = socket.handshake.auth?.token;
    if (typeof token !== 'string' || token === '') {
      next(new AppError('UNAUTHENTICATED'));
      return;
    }
    access
      .principal(token)
      .then((host) => {
        socket.data = { host, token };
        next();
      })
      .catch((error: unknown) => next(error instanceof AppError ? error : new AppError('UNAUTHENTICATED')));
  });
  hosts.on('connection', (socket) => {
    checkEachEvent(socket, access, deps);
    registerAlertsSubscribe(socket, deps);
  });
  return hosts;
}

/**
 * Runs before every event's handler: a host still in goes on; one gone is dropped without an
 * answer; when the check cannot be made (the store unreachable), the event is refused with the
 * catalogue error in its ack, never let through on the old check.
 */
function checkEachEvent(
  socket: HostSocket,
  access: HostAccess,
  deps: Pick<HostNamespaceDeps, 'logger'>,
): void {
  socket.use((packet, next) => {
    access.recheck(socket).then(
      (stillIn) => {
        if (stillIn) next();
      },
      (error: unknown) => {
        const ack: unknown = packet.at(-1);
        if (error instanceof AppError) {
          if (typeof ack === 'function') ack(error.toBody());
          return;
        }
        deps.logger.error({ err: error }, 'could not check a /host socket again');
        if (typeof ack === 'function') ack(new AppError('INTERNAL').toBody());
      },
    );
  });
}
