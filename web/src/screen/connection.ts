import type {
  ClientToServerEvents,
  RankUpdate,
  ScreenAck,
  ScreenSnapshot,
  ScreenView,
  ServerToClientEvents,
} from '@rallyboard/core/protocol';
import { io, type Socket } from 'socket.io-client';

export interface ScreenConnectionEvents {
  /** A fresh view and ranking: on the first connection, after every reconnect, after a gap. */
  snapshot(snapshot: ScreenSnapshot): void;
  update(update: RankUpdate): void;
  view(view: ScreenView): void;
  /** Connected and subscribed (true), or cut off (false): the screen must not pass old data as live. */
  online(online: boolean): void;
  /** The server refused the screen (an unknown campaign, a bad token): no point retrying. */
  refused(code: string, message: string): void;
}

/** How long an acknowledgement may take before the subscription is tried again. */
const ACK_TIMEOUT_MS = 8_000;

/**
 * The screen's socket: `screen:subscribe` on every (re)connection, which answers the view and a
 * snapshot of the ranking; `rank:updated` and `screen:updated` in between. socket.io reconnects
 * by itself with backoff; a resubscription after it brings the screen back to the present.
 */
export class ScreenConnection {
  readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;

  constructor(
    readonly campaignId: string,
    readonly token: string | undefined,
    readonly on: ScreenConnectionEvents,
  ) {
    this.socket = io({
      transports: ['websocket'],
      reconnectionDelay: 500,
      reconnectionDelayMax: 4_000,
      timeout: 8_000,
    });
    this.socket.on('connect', () => void this.resync());
    this.socket.on('disconnect', (reason) => {
      this.on.online(false);
      // The server closed it (e.g. the screen token was revoked): socket.io does not reconnect
      // by itself then. Connect again: the subscription's answer says whether the screen may stay.
      if (reason === 'io server disconnect') this.socket.connect();
    });
    this.socket.on('rank:updated', (update) => this.on.update(update));
    this.socket.on('screen:updated', (view) => this.on.view(view));
  }

  /** Subscribes (again) and hands over a fresh snapshot; on a timeout or a server error, retries. */
  async resync(): Promise<void> {
    if (!this.socket.connected) return;
    let answer: ScreenAck;
    try {
      answer = await this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('screen:subscribe', {
        campaignId: this.campaignId,
        ...(this.token ? { token: this.token } : {}),
      });
    } catch {
      setTimeout(() => void this.resync(), 1_000);
      return;
    }
    if ('error' in answer) {
      const { code, message } = answer.error;
      if (code === 'SERVICE_UNAVAILABLE' || code === 'INTERNAL') setTimeout(() => void this.resync(), 2_000);
      else this.on.refused(code, message);
      return;
    }
    this.on.snapshot(answer.data);
    this.on.online(true);
  }

  close(): void {
    this.socket.close();
  }
}
