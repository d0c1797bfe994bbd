import WebSocket from 'ws';
import { type Callback, succeed } from './callbacks.js';

/** A catalogue refusal, as a socket ack carries it. */
export interface AckRefusal {
  code: string;
  message: string;
  details?: unknown;
}

/**
 * wx.connectSocket on a WebSocket (the `ws` package), with connections made to fail, incoming
 * messages dropped and events refused on demand, and every text message sent recorded.
 */
export function createWxSocket() {
  const sockets: WebSocket[] = [];
  const drops: { left: number; match: RegExp }[] = [];
  const framesOut: string[] = [];
  const refusals: { left: number; event: string; error: AckRefusal }[] = [];
  let droppedFrames = 0;
  let socketFailures = 0;
  let connectAttempts = 0;

  /** The ack frame refusing an event frame (socket.io `42<id>["event",…]`), if one is due. */
  const refusalOf = (frame: string): string | undefined => {
    const [, id, event] = /^42(\d+)\["([^"]+)"/.exec(frame) ?? [];
    const refusal = refusals.find((r) => r.left > 0 && r.event === event);
    if (id === undefined || !refusal) return undefined;
    refusal.left--;
    return `43${id}${JSON.stringify([{ error: refusal.error }])}`;
  };

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
      const listeners: ((r: { data: string | ArrayBuffer }) => void)[] = [];
      return {
        onOpen: (cb: (r: unknown) => void) => ws.on('open', () => cb({ header: {} })),
        onMessage: (cb: (r: { data: string | ArrayBuffer }) => void) => {
          // Refusals are answered here too, as if they came from the server.
          listeners.push(cb);
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
          });
        },
        onClose: (cb: (r: { code: number; reason: string }) => void) =>
          ws.on('close', (code, reason) => cb({ code, reason: reason.toString() })),
        onError: (cb: (r: { errMsg: string }) => void) => ws.on('error', (e) => cb({ errMsg: String(e) })),
        send: (o: { data: string | ArrayBuffer; fail?: Callback<{ errMsg: string }> }) => {
          if (ws.readyState !== WebSocket.OPEN) return o.fail?.({ errMsg: 'sendSocketMessage:fail' });
          if (typeof o.data === 'string') framesOut.push(o.data);
          const refused = typeof o.data === 'string' ? refusalOf(o.data) : undefined;
          if (refused !== undefined) {
            setTimeout(() => {
              for (const listener of listeners) listener({ data: refused });
            }, 0);
            return;
          }
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
    refuseEvents(n: number, event: string, error: AckRefusal) {
      refusals.push({ left: n, event, error });
    },
  };
}
