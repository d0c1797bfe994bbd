import type WebSocket from 'ws';
import { createWxAlbum, type WxPermissions } from './wx-node/album.js';
import { createWxApp } from './wx-node/app.js';
import { createWxMedia } from './wx-node/media.js';
import { createWxNetwork, type Refusal, type SentRequest } from './wx-node/network.js';
import { type AckRefusal, createWxSocket } from './wx-node/socket.js';
import { createWxSubscribe, type SubscribeAnswer } from './wx-node/subscribe.js';
import { createWxUi } from './wx-node/ui.js';

/**
 * The `wx` of a WeChat client, on Node: what the mini-program's services call, made real where
 * it can be (wx.request on fetch, wx.connectSocket on a WebSocket, storage in memory) and
 * WeChat's own part played by the fake WeChat server (wx.login gives a code it knows). UI calls
 * (toasts, modals, navigation) are recorded for tests to read. The only fake here is WeChat.
 */
export interface WxShim {
  wx: WechatMiniprogram.Wx;
  storage: Map<string, unknown>;
  /** Every toast and modal shown, in order: what the user read. */
  shown: string[];
  /** Pages navigated to, in order. */
  navigations: string[];
  /** Every request sent: method and URL, with the headers. */
  requests: SentRequest[];
  /** Sockets opened, still open or not. */
  sockets: WebSocket[];
  /**
   * Loses the answers of the next `n` requests whose URL matches: they reach the server, which
   * acts on them, but the mini-program sees a network failure, as when a connection drops.
   */
  loseAnswers(n: number, match?: RegExp): void;
  /**
   * The next `n` requests whose URL matches reach the server, which acts on them, but the
   * mini-program is answered 503 SERVICE_UNAVAILABLE, as when the server's wait for Redis timed
   * out after Redis had taken the command.
   */
  answerUnavailable(n: number, match?: RegExp): void;
  /**
   * The next `n` requests whose URL matches (and whose answer is not lost or replaced by a 503)
   * never reach the server: they are answered with this refusal, as when the server refuses a
   * request without acting on it (a rate limit, a campaign that has ended).
   */
  refuseRequests(n: number, match: RegExp, refusal: Refusal): void;
  /** The app goes to the background: app-hide listeners run and WeChat closes every socket. */
  hideApp(): void;
  /** The app comes back: app-show listeners run. */
  showApp(): void;
  /** The next `n` wx.connectSocket calls fail to connect, as while the network comes back. */
  failSockets(n: number): void;
  /** Every wx.connectSocket call, failed or not. */
  readonly connectAttempts: number;
  /** Loses the next `n` socket messages from the server whose text matches, as a dropped frame. */
  dropIncoming(n: number, match: RegExp): void;
  /** How many socket messages were lost so. */
  readonly droppedFrames: number;
  /**
   * The next `n` socket emits of `event` never reach the server: their ack answers `{ error }`, as
   * the server's socket rate limit answers an event it drops (or a store it could not reach).
   */
  refuseEvents(n: number, event: string, error: AckRefusal): void;
  /** Every text message the mini-program sent on a socket. */
  framesOut: string[];
  /**
   * WeChat's permission state: `authSetting` as wx.getSetting reports it; what the user answers
   * to wx.authorize's prompt and in wx.openSetting; the images saved to the album.
   */
  permissions: WxPermissions;
  album: string[];
  /** What the user answers each template in WeChat's subscribe prompt (accept when not set). */
  subscribeAnswers: Map<string, SubscribeAnswer>;
  /** Every subscribe prompt shown: its template ids. */
  subscribePrompts: string[][];
  /** Subscriptions turned off in WeChat's settings: every prompt fails. */
  subscriptionsOff(off: boolean): void;
  /** What the user picks in each wx.chooseMedia, in order: file paths (an empty list cancels). */
  mediaPicks: string[][];
}

export interface WxShimOptions {
  /** The next wx.login code, e.g. `ok-<user>.<n>` for the fake WeChat server. */
  loginCode: () => string;
  /** Told of each template the user accepts, as WeChat's servers would be (the fake's acceptSubscription). */
  onSubscribe?: (templateId: string) => void;
}

/** Puts the parts together (wx-node/: network, socket, app, ui, album, subscribe, media) as one `wx` and its controls. */
export function createWx(options: WxShimOptions): WxShim {
  const network = createWxNetwork();
  const socket = createWxSocket();
  const app = createWxApp(options.loginCode);
  const ui = createWxUi();
  const album = createWxAlbum();
  const subscribe = createWxSubscribe(options.onSubscribe);
  const media = createWxMedia(network.requests);
  const wx = { ...network.wx, ...socket.wx, ...app.wx, ...ui.wx, ...album.wx, ...subscribe.wx, ...media.wx };

  return {
    wx: wx as unknown as WechatMiniprogram.Wx,
    storage: app.storage,
    shown: ui.shown,
    navigations: ui.navigations,
    requests: network.requests,
    sockets: socket.sockets,
    loseAnswers: network.loseAnswers,
    answerUnavailable: network.answerUnavailable,
    refuseRequests: network.refuseRequests,
    hideApp() {
      app.hide();
      for (const ws of socket.sockets) ws.terminate();
    },
    showApp: app.show,
    failSockets: socket.failSockets,
    get connectAttempts() {
      return socket.connectAttempts;
    },
    dropIncoming: socket.dropIncoming,
    get droppedFrames() {
      return socket.droppedFrames;
    },
    refuseEvents: socket.refuseEvents,
    framesOut: socket.framesOut,
    permissions: album.permissions,
    album: album.album,
    subscribeAnswers: subscribe.answers,
    subscribePrompts: subscribe.prompts,
    subscriptionsOff(off) {
      subscribe.state.off = off;
    },
    mediaPicks: media.picks,
  };
}

/** Installs a shim as the global `wx`, as the mini-program's runtime provides it. */
export function installWx(options: WxShimOptions): WxShim {
  const shim = createWx(options);
  (globalThis as { wx?: WechatMiniprogram.Wx }).wx = shim.wx;
  return shim;
}
