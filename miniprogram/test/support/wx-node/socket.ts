import WebSocket from 'ws';
import { type Callback, succeed } from './callbacks.js';

/**
 * wx.connectSocket on a WebSocket (the `ws` package), with connections made to fail and
 * incoming messages dropped on demand, and every text message sent recorded.
 */
export function createWxSocket() {
  const sockets: WebSocket[] = [];
  const drops: { left: number; match: RegExp }[] = [];
  const framesOut: string[] = [];
  let droppedFrames = 0;
  let socketFailures = 0;
  let connectAttempts = 0;

  const wx = {
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
  };

  return {
    wx,
    sockets,
    framesOut,
    failSockets(n: number) {
      socketFailures += n;
    },
    get connectAttempts() {
      return connectAttempts;
    },
    dropIncoming(n: number, match: RegExp) {
      drops.push({ left: n, match });
    },
    get droppedFrames() {
      return droppedFrames;
    },
  };
}
