import { io, type Socket } from 'socket.io-client';
import { settings } from '../config.js';
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

/** What a live ranking page shows. */
export interface LiveState {
  connected: boolean;
  seq: number;
  totals: BoardTotals;
  entries: LeaderboardEntry[];
  /** A Chinese message when the last subscribe or resync failed; '' otherwise. */
  error: string;
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
 * update shows a missed one (a seq gap), it reads the top again and carries on.
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
    socket.on('connect', () => void this.#subscribe(socket));
    socket.on('disconnect', () => this.#publish());
    socket.on('rank:updated', (update) => this.#onUpdate(socket, update));
    this.#socket = socket;
    wx.onAppShow(this.#onAppShow);
    wx.onAppHide(this.#onAppHide);
  }

  stop(): void {
    wx.offAppShow(this.#onAppShow);
    wx.offAppHide(this.#onAppHide);
    this.#socket?.disconnect();
    this.#socket?.removeAllListeners();
    this.#socket = null;
  }

  async #subscribe(socket: BoardSocket): Promise<void> {
    // Missed pushes while disconnected: start over from a snapshot.
    this.#feed = new BoardFeed(this.window, this.limit, this.ranking);
    const answer = await socket
      .timeout(10_000)
      .emitWithAck('board:subscribe', { boardId: this.boardId, window: this.window, ...this.ranking })
      .catch(() => null);
    if (socket !== this.#socket) return;
    if (answer === null || 'error' in answer) {
      this.#error =
        answer === null ? '连接超时，正在重试' : messageFor(answer.error.code, answer.error.details);
      this.#publish();
      return;
    }
    this.#take(socket, answer.data);
  }

  #take(socket: BoardSocket, view: BoardView): void {
    this.#error = '';
    const outcome = this.#feed.snapshot(view);
    this.#publish();
    if (outcome === 'gap') void this.#resync(socket);
  }

  #onUpdate(socket: BoardSocket, update: RankUpdate): void {
    if (update.boardId !== this.boardId) return;
    const outcome = this.#feed.update(update);
    if (outcome === 'applied') this.#publish();
    else if (outcome === 'gap') void this.#resync(socket);
  }

  /** Reads the top again after a gap; updates meanwhile are buffered by the stale feed. */
  async #resync(socket: BoardSocket): Promise<void> {
    if (this.#resyncing) return;
    this.#resyncing = true;
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
      if (socket !== this.#socket || answer === null || 'error' in answer) return;
      this.#take(socket, answer.data as BoardView);
    } finally {
      this.#resyncing = false;
    }
  }

  #publish(): void {
    this.#onChange(this.state);
  }
}
