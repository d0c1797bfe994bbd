import { io, type Socket } from 'socket.io-client';
import { settings } from '../config.js';
import type { ErrorBody, ErrorCode } from '../protocol/errors.js';
import type { ClientToServerEvents, ServerToClientEvents } from '../protocol/events.js';
import { BoardFeed } from '../protocol/feed.js';
import type {
  BoardTotals,
  BoardView,
  LeaderboardEntry,
  RankUpdate,
  RankWindow,
} from '../protocol/leaderboard.js';
import type { RankingChoice } from './api.js';
import { messageFor } from './messages.js';
import { WxSocketTransport } from './wx-transport.js';

type BoardSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Refusals that pass: the subscribe or query is tried again. Any other (no such board) stays. */
const TRANSIENT: ReadonlySet<ErrorCode> = new Set([
  'RATE_LIMITED',
  'SERVICE_UNAVAILABLE',
  'BOARD_REBUILDING',
  'INTERNAL',
]);
/** The wait before trying a failed subscribe or query again: 1 s doubling to 15 s, ±50%. */
const RETRY_MS = 1_000;
const RETRY_MAX_MS = 15_000;
/**
 * How many updates a stale feed holds for the snapshot it waits for. They only matter when newer
 * than it, and a feed that waits long (query after query failing) would otherwise hold every push.
 */
const HELD_MAX = 200;

/** What a live ranking page shows. */
export interface LiveState {
  connected: boolean;
  seq: number;
  totals: BoardTotals;
  entries: LeaderboardEntry[];
  /** A Chinese message while the last subscribe or resync failed (it is tried again); '' otherwise. */
  error: string;
  /**
   * How many times this board has taken the whole top N: a snapshot (each subscribe, a resync
   * after a gap) or a pushed reset (a freeze or its end, a new period, a rebuild). The campaign's
   * status may have changed with any of them, and only this tells a reset from a diff: the relay
   * folds a tick's votes into its reset, so a freeze's reset moves the seq like a diff (until
   * 2026-12-08 the ranking page took a moved seq for a diff, and saw such a freeze only at its
   * next snapshot).
   */
  resets: number;
}

export interface LiveBoardOptions {
  boardId: string;
  /** @default 'all' */
  window?: RankWindow;
  /** The server's top N (LEADERBOARD_TOP_N), which its pushes cover. @default settings.rankTopN */
  limit?: number;
  /** Which ranking of the window. @default the candidates */
  ranking?: RankingChoice;
  onChange: (state: LiveState) => void;
}

/**
 * One board window's live ranking over socket.io, through the wx.connectSocket transport.
 *
 * On every (re)connection it subscribes and takes the snapshot from the ack, with a fresh
 * BoardFeed, so updates that arrive meanwhile are buffered and replayed on top of it. When an
 * update shows a missed one (a seq gap), it reads the top again and carries on. A subscribe or
 * read that times out or is refused for now (rate limit, 503) shows an error and is tried again
 * (1 s doubling to 15 s, or the wait the refusal names); until 2026-12-07 it was not, and the
 * ranking stayed at the last entries, shown as connected, while every later push was held.
 *
 * WeChat closes sockets soon after the app goes to the background. The board disconnects on
 * its own when the app is hidden and connects again when it is shown; a failed connection is
 * retried by socket.io's Manager with exponential backoff (1 s doubling to 15 s, ±50%).
 */
export class LiveBoard {
  readonly boardId: string;
  readonly window: RankWindow;
  readonly limit: number;
  readonly ranking: RankingChoice;
  #onChange: (state: LiveState) => void;
  #socket: BoardSocket | null = null;
  #feed: BoardFeed;
  #error = '';
  #resyncing = false;
  /** A resync asked for while one was under way: it runs when that one is done. */
  #resyncAgain = false;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #failures = 0;
  /** Updates the stale feed holds, and the newest one it was not given (past HELD_MAX). */
  #held = 0;
  #dropped: { day: string | null; seq: number } | undefined;
  #resets = 0;
  #onAppShow = () => this.#socket?.connect();
  #onAppHide = () => this.#socket?.disconnect();

  constructor(options: LiveBoardOptions) {
    this.boardId = options.boardId;
    this.window = options.window ?? 'all';
    this.limit = options.limit ?? settings.rankTopN;
    this.ranking = options.ranking ?? {};
    this.#onChange = options.onChange;
    this.#feed = new BoardFeed(this.window, this.limit, this.ranking);
  }

  get connected(): boolean {
    return this.#socket?.connected ?? false;
  }

  /** The state as the page shows it. */
  get state(): LiveState {
    return {
      connected: this.connected,
      seq: this.#feed.seq,
      totals: this.#feed.totals,
      entries: this.#feed.entries,
      error: this.#error,
      resets: this.#resets,
    };
  }

  start(): void {
    if (this.#socket) return;
    const socket: BoardSocket = io(settings.apiBase, {
      transports: [WxSocketTransport],
      forceNew: true,
      reconnectionDelay: 1_000,
      reconnectionDelayMax: 15_000,
      randomizationFactor: 0.5,
      timeout: 10_000,
    });
    socket.on('connect', () => {
      // Missed pushes while disconnected: start over from a snapshot.
      this.#restart();
      void this.#subscribe(socket);
    });
    socket.on('disconnect', () => {
      this.#cancelRetry();
      this.#publish();
    });
    socket.on('rank:updated', (update) => this.#onUpdate(socket, update));
    this.#socket = socket;
    wx.onAppShow(this.#onAppShow);
    wx.onAppHide(this.#onAppHide);
  }

  stop(): void {
    wx.offAppShow(this.#onAppShow);
    wx.offAppHide(this.#onAppHide);
    this.#cancelRetry();
    this.#socket?.disconnect();
    this.#socket?.removeAllListeners();
    this.#socket = null;
  }

  #restart(): void {
    this.#feed = new BoardFeed(this.window, this.limit, this.ranking);
    this.#held = 0;
    this.#dropped = undefined;
  }

  async #subscribe(socket: BoardSocket): Promise<void> {
    this.#cancelRetry();
    const answer = await socket
      .timeout(10_000)
      .emitWithAck('board:subscribe', { boardId: this.boardId, window: this.window, ...this.ranking })
      .catch(() => null);
    if (socket !== this.#socket) return;
    if (answer === null || 'error' in answer) {
      this.#failed(socket, answer, () => void this.#subscribe(socket));
      return;
    }
    this.#take(socket, answer.data);
  }

  #take(socket: BoardSocket, view: BoardView): void {
    this.#error = '';
    this.#failures = 0;
    const dropped = this.#dropped;
    this.#held = 0;
    this.#dropped = undefined;
    const outcome = this.#feed.snapshot(view);
    // A stale snapshot changed nothing: the feed kept the newer reset it had (and counted).
    if (outcome !== 'stale') this.#resets++;
    this.#publish();
    // An update it was not given may be newer than the snapshot: read again to be sure.
    const behind = dropped !== undefined && (dropped.day !== view.day || dropped.seq > view.seq);
    if (outcome === 'gap' || behind) void this.#resync(socket);
  }

  #onUpdate(socket: BoardSocket, update: RankUpdate): void {
    if (update.boardId !== this.boardId) return;
    if (this.#feed.needsSnapshot && !update.reset && this.#held >= HELD_MAX) {
      this.#dropped = { day: update.day, seq: Math.max(update.seq, this.#dropped?.seq ?? 0) };
      return;
    }
    const outcome = this.#feed.update(update);
    if (outcome === 'buffered') this.#held++;
    else if (outcome === 'gap') void this.#resync(socket);
    else if (outcome === 'applied') {
      if (update.reset) {
        this.#resets++;
        this.#afterReset(socket);
      }
      this.#publish();
    }
  }

  /** A reset carries the whole top N: the read a failure left waiting is not needed any more. */
  #afterReset(socket: BoardSocket): void {
    this.#held = 0;
    // Unless an update not given to the feed (past HELD_MAX) may be newer than the reset.
    if (this.#dropped !== undefined) {
      void this.#resync(socket);
      return;
    }
    this.#error = '';
    this.#failures = 0;
  }

  /**
   * Reads the top again after a gap; updates meanwhile are buffered by the stale feed. Asked for
   * while a read is under way (its snapshot showed a gap, or a push did meanwhile), it reads once
   * more when that read is done; until 2026-12-08 the second ask was lost, and the board stayed
   * behind, shown as live, with every later push held.
   */
  async #resync(socket: BoardSocket): Promise<void> {
    if (this.#resyncing) {
      this.#resyncAgain = true;
      return;
    }
    this.#resyncing = true;
    this.#resyncAgain = false;
    this.#cancelRetry();
    try {
      const answer = await socket
        .timeout(10_000)
        .emitWithAck('board:query', {
          type: 'top',
          boardId: this.boardId,
          window: this.window,
          limit: this.limit,
          ...this.ranking,
        })
        .catch(() => null);
      if (socket !== this.#socket) return;
      if (answer === null || 'error' in answer) {
        // A read asked for meanwhile is the retry's to make, after its wait.
        const wanted = this.#resyncAgain;
        this.#resyncAgain = false;
        // A reset pushed meanwhile may have brought the feed back: then there is nothing to read,
        // and nothing to say (the reset cleared the error; saying 正在重试 now would be untrue).
        if (!this.#feed.needsSnapshot && !wanted) return;
        this.#failed(socket, answer, () => {
          if (wanted || this.#feed.needsSnapshot) void this.#resync(socket);
        });
        return;
      }
      this.#take(socket, answer.data as BoardView);
    } finally {
      this.#resyncing = false;
    }
    if (this.#resyncAgain && socket === this.#socket) void this.#resync(socket);
  }

  /** Shows why a subscribe or read failed and, when it may pass, tries `again` after a wait. */
  #failed(socket: BoardSocket, answer: ErrorBody | null, again: () => void): void {
    const refusal = answer?.error;
    if (refusal !== undefined && !TRANSIENT.has(refusal.code)) {
      this.#error = messageFor(refusal.code, refusal.details);
      this.#publish();
      return;
    }
    this.#error = refusal === undefined ? '连接超时，正在重试' : '排名暂时没能更新，正在重试';
    this.#publish();
    const named = (refusal?.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
    const backoff = Math.min(RETRY_MS * 2 ** this.#failures, RETRY_MAX_MS) * (0.5 + Math.random());
    const wait = typeof named === 'number' ? Math.max(named * 1_000, backoff) : backoff;
    this.#failures++;
    this.#cancelRetry();
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      if (socket === this.#socket && socket.connected) again();
    }, wait);
  }

  #cancelRetry(): void {
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    this.#retry = undefined;
  }

  #publish(): void {
    this.#onChange(this.state);
  }
}
