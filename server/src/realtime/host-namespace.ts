import { AppError, HOST_NAMESPACE } from '@rallyboard/core/protocol';
import type { TokenSigner } from '../auth/tokens.js';
import type { HostResolver } from '../hosts/principal.js';
import { type AlertsSubscribeDeps, registerAlertsSubscribe } from './handlers/alerts-subscribe.js';
import type { HostNamespace, RealtimeServer } from './types.js';

export interface HostNamespaceDeps extends AlertsSubscribeDeps {
  tokens: Pick<TokenSigner, 'verify'>;
  hosts: HostResolver;
}

/**
 * The host namespace (`/host`): only a host token connects (`auth: { token }`), checked against
 * the account as it is now, as on every host route; then one handler per event.
 */
export function createHostNamespace(io: RealtimeServer, deps: HostNamespaceDeps): HostNamespace {
  const hosts: HostNamespace = io.of(HOST_NAMESPACE);
  hosts.use((socket, next) => {
    const token: unknown = socket.handshake.auth?.token;
    if (typeof token !== 'string' || token === '') {
      next(new AppError('UNAUTHENTICATED'));
      return;
    }
    deps.tokens
      .verify(token, 'host')
      .then((claims) => deps.hosts(claims))
      .then((host) => {
        socket.data.host = host;
        next();
      })
      .catch((error: unknown) => next(error instanceof AppError ? error : new AppError('UNAUTHENTICATED')));
  });
  hosts.on('connection', (socket) => {
    registerAlertsSubscribe(socket, deps);
  });
  return hosts;
}
