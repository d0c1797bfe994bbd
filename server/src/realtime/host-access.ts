import type { Logger } from '@rallyboard/core/logger';
import { AppError } from '@rallyboard/core/protocol';
import type { TokenSigner } from '../auth/tokens.js';
import type { CampaignAccess } from '../campaigns/access.js';
import type { HostPrincipal, HostResolver } from '../hosts/principal.js';
import { alertsRoom, type HostSocket } from './types.js';

export interface HostAccessDeps {
  tokens: Pick<TokenSigner, 'verify'>;
  hosts: HostResolver;
  loadCampaign: CampaignAccess;
  logger: Logger;
}

/** What a `/host` socket's host may still do, checked against the token and the account as they are now. */
export interface HostAccess {
  /** The host behind a host token, as its account is now: UNAUTHENTICATED (TOKEN_EXPIRED) otherwise. */
  principal(token: string): Promise<HostPrincipal>;
  /**
   * Checks a connected socket's host again: true while it may act (its principal refreshed),
   * false once its token or account no longer lets it in, and the socket was dropped. Throws
   * when the check could not be made (SERVICE_UNAVAILABLE): the caller refuses, nothing is dropped.
   */
  recheck(socket: HostSocket): Promise<boolean>;
  /**
   * Whether the socket's host may still see the campaign's alerts. A host gone is dropped (as
   * recheck); a host that may no longer touch the campaign leaves its alerts' room, and false.
   */
  mayWatch(socket: HostSocket, campaignId: string): Promise<boolean>;
}

const refused = (error: unknown, ...codes: string[]) =>
  error instanceof AppError && codes.includes(error.code);

/**
 * A host token is verified when its socket connects, but the socket lives for hours: the host
 * may be disabled, its tokens revoked or its co-hosting taken away meanwhile. So each event the
 * socket sends, and each alert pushed to it, checks again (the token verification is cached by
 * the signer; the account and the campaign are one read each). Checks of one socket running at
 * once are shared: a burst of alerts costs one check, made after the first of them arrived.
 */
export function createHostAccess(deps: HostAccessDeps): HostAccess {
  const inFlight = new Map<string, Promise<boolean>>();
  const shared = (key: string, check: () => Promise<boolean>): Promise<boolean> => {
    let pending = inFlight.get(key);
    if (!pending) {
      pending = check().finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    return pending;
  };

  const principal = async (token: string) => deps.hosts(await deps.tokens.verify(token, 'host'));

  const recheck = (socket: HostSocket) =>
    shared(socket.id, async () => {
      try {
        socket.data.host = await principal(socket.data.token);
        return true;
      } catch (error) {
        if (!refused(error, 'UNAUTHENTICATED', 'TOKEN_EXPIRED')) throw error;
        deps.logger.info(
          { hostId: socket.data.host.hostId },
          'dropping the /host socket of a host no longer signed in',
        );
        socket.disconnect(true);
        return false;
      }
    });

  return {
    principal,
    recheck,
    mayWatch: (socket, campaignId) =>
      shared(`${socket.id}\n${campaignId}`, async () => {
        if (!(await recheck(socket))) return false;
        try {
          await deps.loadCampaign(socket.data.host, campaignId);
          return true;
        } catch (error) {
          if (!refused(error, 'CAMPAIGN_NOT_FOUND')) throw error;
          await socket.leave(alertsRoom(campaignId));
          return false;
        }
      }),
  };
}
