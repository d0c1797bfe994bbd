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
/** The first wait before another try, doubled on each failure up to the last. */
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 30_000;

/**
 * The answers another try cannot change: no such published campaign, a token that does not open
 * it, a malformed campaign id. Anything else passes (a rate limit when a venue's screens and phones
 * all reconnect after a restart, a board being rebuilt, an outage), so the screen tries again
 * rather than ask someone to reload it (until 2026-12-07 only SERVICE_UNAVAILABLE and INTERNAL
 * were tried again).
 */
const FINAL_CODES: ReadonlySet<string> = new Set([
  'CAMPAIGN_NOT_FOUND',
  'SCREEN_TOKEN_INVALID',
  'INVALID_INPUT',
]);

/** The wait a refusal asks for (`details.retryAfterSeconds`, as RATE_LIMITED gives), in ms. */
function askedWaitMs(details: unknown): number | undefined {
  const seconds: unknown = Reflect.get(Object(details), 'retryAfterSeconds');
  return typeof seconds === 'number' && seconds > 0 ? seconds * 1_000 : undefined;
}

/**
 * The screen's socket: `screen:subscribe` on every (re)connection, which answers the view and a
 * snapshot of the ranking; `rank:updated` and `screen:updated` in between. socket.io reconnects
 * by itself with backoff; a resubscription after it brings the screen back to the present.
 */
export class ScreenConnection {
  readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  /** Failed subscriptions in a row: the backoff's exponent. */
  #failures = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;

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

  /** Subscribes (again) and hands over a fresh snapshot; on a timeout or a passing error, retries. */
  async resync(): Promise<void> {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    if (!this.socket.connected) return;
    let answer: ScreenAck;
    try {
      answer = await this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('screen:subscribe', {
        campaignId: this.campaignId,
        ...(this.token ? { token: this.token } : {}),
      });
    } catch {
      this.#retry(undefined);
      return;
    }
    if ('error' in answer) {
      const { code, message, details } = answer.error;
      if (FINAL_CODES.has(code)) this.on.refused(code, message);
      else this.#retry(askedWaitMs(details));
      return;
    }
    this.#failures = 0;
    this.on.snapshot(answer.data);
    this.on.online(true);
  }

  /**
   * Not subscribed, so not live: the screen says so while it waits. The wait is the one the server
   * asked for, else a doubling one; either is spread by up to half again, so a venue's screens
   * refused together do not all come back in the same instant and be refused together again.
   */
  #retry(askedMs: number | undefined): void {
    this.on.online(false);
    const backoff = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** this.#failures);
    this.#failures++;
    const wait = (askedMs ?? backoff) * (1 + Math.random() / 2);
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => void this.resync(), wait);
  }

  close(): void {
    clearTimeout(this.#retryTimer);
    this.socket.close();
  }
}
