import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';

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
  requests: { method: string; url: string; header: Record<string, string>; body: unknown }[];
  /** Sockets opened, still open or not. */
  sockets: WebSocket[];
  /**
   * Loses the answers of the next `n` requests whose URL matches: they reach the server, which
   * acts on them, but the mini-program sees a network failure, as when a connection drops.
   */
  loseAnswers(n: number, match?: RegExp): void;
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
  /** Every text message the mini-program sent on a socket. */
  framesOut: string[];
  /**
   * WeChat's permission state: `authSetting` as wx.getSetting reports it; what the user answers
   * to wx.authorize's prompt and in wx.openSetting; the images saved to the album.
   */
  permissions: {
    authSetting: Record<string, boolean>;
    promptAnswer: 'allow' | 'deny';
    grantInSettings: boolean;
    prompts: number;
  };
  album: string[];
}

export interface WxShimOptions {
  /** The next wx.login code, e.g. `ok-<user>.<n>` for the fake WeChat server. */
  loginCode: () => string;
}

type Callback<T> = ((result: T) => void) | undefined;

function succeed<T>(options: { success?: Callback<T>; complete?: Callback<T> }, result: T): void {
  options.success?.(result);
  options.complete?.(result);
}

function failWith(
  options: { fail?: Callback<{ errMsg: string }>; complete?: Callback<never> },
  errMsg: string,
) {
  options.fail?.({ errMsg });
  (options.complete as Callback<{ errMsg: string }>)?.({ errMsg });
}

export function createWx(options: WxShimOptions): WxShim {
  const storage = new Map<string, unknown>();
  const shown: string[] = [];
  const navigations: string[] = [];
  const requests: WxShim['requests'] = [];
  const sockets: WebSocket[] = [];
  const appShow = new Set<(...args: unknown[]) => void>();
  const appHide = new Set<(...args: unknown[]) => void>();
  const losses: { left: number; match: RegExp }[] = [];
  const drops: { left: number; match: RegExp }[] = [];
  const framesOut: string[] = [];
  let droppedFrames = 0;
  let socketFailures = 0;
  let connectAttempts = 0;
  const permissions: WxShim['permissions'] = {
    authSetting: {},
    promptAnswer: 'allow',
    grantInSettings: true,
    prompts: 0,
  };
  const album: string[] = [];
  const downloads = mkdtempSync(join(tmpdir(), 'wx-downloads-'));
  let downloaded = 0;

  const wx = {
    request(opts: WechatMiniprogram.RequestOption) {
      const method = opts.method ?? 'GET';
      const header = (opts.header ?? {}) as Record<string, string>;
      const body =
        typeof opts.data === 'string'
          ? opts.data
          : opts.data === undefined
            ? undefined
            : JSON.stringify(opts.data);
      requests.push({
        method,
        url: opts.url,
        header,
        body: body === undefined ? undefined : JSON.parse(body),
      });
      const loss = losses.find((l) => l.left > 0 && l.match.test(opts.url));
      if (loss) loss.left--;
      void fetch(opts.url, { method, headers: header, ...(body === undefined ? {} : { body }) })
        .then(async (res) => {
          const text = await res.text();
          if (loss) return failWith(opts as never, 'request:fail interrupted');
          let data: unknown = text;
          if ((opts.dataType ?? 'json') === 'json') {
            try {
              data = JSON.parse(text);
            } catch {
              // wx.request hands over the text when it is not JSON.
            }
          }
          succeed(opts as never, {
            statusCode: res.status,
            data,
            header: Object.fromEntries(res.headers),
            cookies: [],
            errMsg: 'request:ok',
          });
        })
        .catch((error: unknown) => failWith(opts as never, `request:fail ${String(error)}`));
      return { abort() {} };
    },

    downloadFile(opts: WechatMiniprogram.DownloadFileOption) {
      void fetch(opts.url)
        .then(async (res) => {
          const tempFilePath = join(downloads, `tmp-${++downloaded}`);
          writeFileSync(tempFilePath, Buffer.from(await res.arrayBuffer()));
          succeed(opts as never, { statusCode: res.status, tempFilePath, errMsg: 'downloadFile:ok' });
        })
        .catch((error: unknown) => failWith(opts as never, `downloadFile:fail ${String(error)}`));
      return { abort() {} };
    },

    connectSocket(opts: WechatMiniprogram.ConnectSocketOption) {
      connectAttempts++;
      if (socketFailures > 0) {
        socketFailures--;
        const handlers: { error?: (r: { errMsg: string }) => void; close?: (r: unknown) => void } = {};
        setTimeout(() => {
          handlers.error?.({ errMsg: 'connectSocket:fail network unavailable' });
          handlers.close?.({ code: 1006, reason: '' });
        }, 0);
        return {
          onOpen: () => undefined,
          onMessage: () => undefined,
          onError: (cb: (r: { errMsg: string }) => void) => {
            handlers.error = cb;
          },
          onClose: (cb: (r: unknown) => void) => {
            handlers.close = cb;
          },
          send: (o: { fail?: Callback<{ errMsg: string }> }) =>
            o.fail?.({ errMsg: 'sendSocketMessage:fail' }),
          close: () => undefined,
        };
      }
      const ws = new WebSocket(opts.url, { headers: (opts.header ?? {}) as Record<string, string> });
      ws.binaryType = 'arraybuffer';
      sockets.push(ws);
      succeed(opts as never, { errMsg: 'connectSocket:ok' });
      return {
        onOpen: (cb: (r: unknown) => void) => ws.on('open', () => cb({ header: {} })),
        onMessage: (cb: (r: { data: string | ArrayBuffer }) => void) =>
          ws.on('message', (data: Buffer | ArrayBuffer, isBinary: boolean) => {
            const message = isBinary ? (data as ArrayBuffer) : data.toString();
            const drop = drops.find(
              (d) => d.left > 0 && typeof message === 'string' && d.match.test(message),
            );
            if (drop) {
              drop.left--;
              droppedFrames++;
              return;
            }
            cb({ data: message });
          }),
        onClose: (cb: (r: { code: number; reason: string }) => void) =>
          ws.on('close', (code, reason) => cb({ code, reason: reason.toString() })),
        onError: (cb: (r: { errMsg: string }) => void) => ws.on('error', (e) => cb({ errMsg: String(e) })),
        send: (o: { data: string | ArrayBuffer; fail?: Callback<{ errMsg: string }> }) => {
          if (ws.readyState !== WebSocket.OPEN) return o.fail?.({ errMsg: 'sendSocketMessage:fail' });
          if (typeof o.data === 'string') framesOut.push(o.data);
          ws.send(o.data);
        },
        close: (o: { code?: number } = {}) => ws.close(o.code ?? 1000),
      };
    },

    login(opts: WechatMiniprogram.LoginOption) {
      setTimeout(() => succeed(opts as never, { code: options.loginCode(), errMsg: 'login:ok' }), 0);
    },

    getStorageSync: (key: string) => (storage.has(key) ? structuredClone(storage.get(key)) : ''),
    setStorageSync: (key: string, value: unknown) => void storage.set(key, structuredClone(value)),
    removeStorageSync: (key: string) => void storage.delete(key),

    getDeviceInfo: () => ({
      brand: 'devtools',
      model: 'iPhone 15',
      system: 'iOS 17.0',
      platform: 'devtools',
      benchmarkLevel: 1,
      abi: '',
      deviceAbi: '',
      cpuType: '',
      memorySize: '',
    }),
    getWindowInfo: () => ({
      pixelRatio: 3,
      screenWidth: 393,
      screenHeight: 852,
      windowWidth: 393,
      windowHeight: 852,
      statusBarHeight: 47,
      safeArea: { left: 0, right: 393, top: 47, bottom: 818, width: 393, height: 771 },
      screenTop: 0,
    }),
    getAppBaseInfo: () => ({ SDKVersion: '3.7.0', version: '8.0.50', language: 'zh_CN', enableDebug: false }),

    onAppShow: (cb: (...args: unknown[]) => void) => void appShow.add(cb),
    offAppShow: (cb: (...args: unknown[]) => void) => void appShow.delete(cb),
    onAppHide: (cb: (...args: unknown[]) => void) => void appHide.add(cb),
    offAppHide: (cb: (...args: unknown[]) => void) => void appHide.delete(cb),

    showToast: (o: { title: string }) => void shown.push(o.title),
    showModal: (o: {
      title?: string;
      content?: string;
      success?: Callback<{ confirm: boolean; cancel: boolean }>;
    }) => {
      shown.push([o.title, o.content].filter(Boolean).join('：'));
      setTimeout(() => o.success?.({ confirm: true, cancel: false }), 0);
    },
    showLoading: () => undefined,
    hideLoading: () => undefined,
    stopPullDownRefresh: () => undefined,
    setNavigationBarTitle: () => undefined,
    showShareMenu: () => undefined,
    navigateTo: (o: { url: string }) => void navigations.push(o.url),
    getSetting: (o: { success?: Callback<{ authSetting: Record<string, boolean> }> }) =>
      setTimeout(() => o.success?.({ authSetting: { ...permissions.authSetting } }), 0),
    authorize: (o: { scope: string; success?: Callback<unknown>; fail?: Callback<{ errMsg: string }> }) =>
      setTimeout(() => {
        // WeChat prompts only while the user has not answered; after that it answers alone.
        if (!(o.scope in permissions.authSetting)) {
          permissions.prompts++;
          permissions.authSetting[o.scope] = permissions.promptAnswer === 'allow';
        }
        if (permissions.authSetting[o.scope]) o.success?.({ errMsg: 'authorize:ok' });
        else o.fail?.({ errMsg: 'authorize:fail auth deny' });
      }, 0),
    openSetting: (o: { success?: Callback<{ authSetting: Record<string, boolean> }> }) =>
      setTimeout(() => {
        if (permissions.grantInSettings) permissions.authSetting['scope.writePhotosAlbum'] = true;
        o.success?.({ authSetting: { ...permissions.authSetting } });
      }, 0),
    saveImageToPhotosAlbum: (o: {
      filePath: string;
      success?: Callback<unknown>;
      fail?: Callback<{ errMsg: string }>;
    }) =>
      setTimeout(() => {
        if (permissions.authSetting['scope.writePhotosAlbum'] !== true) {
          return o.fail?.({ errMsg: 'saveImageToPhotosAlbum:fail auth deny' });
        }
        album.push(o.filePath);
        o.success?.({ errMsg: 'saveImageToPhotosAlbum:ok' });
      }, 0),
    redirectTo: (o: { url: string }) => void navigations.push(o.url),
  };

  return {
    wx: wx as unknown as WechatMiniprogram.Wx,
    storage,
    shown,
    navigations,
    requests,
    sockets,
    loseAnswers(n, match = /./) {
      losses.push({ left: n, match });
    },
    hideApp() {
      for (const cb of appHide) cb();
      for (const ws of sockets) ws.terminate();
    },
    showApp() {
      for (const cb of appShow) cb({ path: '', query: {}, scene: 1001 });
    },
    failSockets(n) {
      socketFailures += n;
    },
    get connectAttempts() {
      return connectAttempts;
    },
    dropIncoming(n, match) {
      drops.push({ left: n, match });
    },
    get droppedFrames() {
      return droppedFrames;
    },
    framesOut,
    permissions,
    album,
  };
}

/** Installs a shim as the global `wx`, as the mini-program's runtime provides it. */
export function installWx(options: WxShimOptions): WxShim {
  const shim = createWx(options);
  (globalThis as { wx?: WechatMiniprogram.Wx }).wx = shim.wx;
  return shim;
}
