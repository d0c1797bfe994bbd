import { nextTick, Transport } from 'engine.io-client';
import { encodePacket, type Packet, type RawData } from 'engine.io-parser';

/**
 * engine.io's WebSocket transport over `wx.connectSocket`, for socket.io-client in the
 * mini-program, which has no `WebSocket`. Pass it as `transports: [WxSocketTransport]`; it is
 * named `websocket`, so the server treats it as the WebSocket transport it is. There is no
 * polling fallback: mini-program sockets are available wherever requests are.
 */
export class WxSocketTransport extends Transport {
  #task: WechatMiniprogram.SocketTask | null = null;

  override get name(): string {
    return 'websocket';
  }

  protected override doOpen(): void {
    const headers = (this.opts as { extraHeaders?: Record<string, string> }).extraHeaders;
    const task = wx.connectSocket({
      url: this.#uri(),
      ...(headers ? { header: headers } : {}),
      fail: (error) => this.onError('websocket error', error),
    });
    // A closed task may still report; only the current one speaks for this transport.
    const current = () => this.#task === task;
    task.onOpen(() => {
      if (current()) this.onOpen();
    });
    task.onMessage((message) => {
      if (current()) this.onData(message.data as RawData);
    });
    task.onClose((event) => {
      if (!current()) return;
      this.#task = null;
      this.onClose({ description: 'websocket connection closed', context: event });
    });
    task.onError((error) => {
      if (current()) this.onError('websocket error', error);
    });
    this.#task = task;
  }

  protected override write(packets: Packet[]): void {
    this.writable = false;
    packets.forEach((packet, i) => {
      encodePacket(packet, this.supportsBinary, (data) => {
        // A socket closed under us fails the send; engine.io notices the close on its own.
        this.#task?.send({ data: toSendable(data), fail: () => undefined });
        if (i === packets.length - 1) {
          // Like engine.io's own WebSocket transport: drained once handed to the socket.
          nextTick(() => {
            this.writable = true;
            this.emitReserved('drain');
          }, this.setTimeoutFn);
        }
      });
    });
  }

  protected override doClose(): void {
    const task = this.#task;
    this.#task = null;
    task?.close({ code: 1000 });
  }

  /** The socket's URL, as engine.io's WebSocket transport makes it. */
  #uri(): string {
    const query: Record<string, unknown> = { ...this.query };
    if (!this.supportsBinary) query.b64 = 1;
    return this.createUri(this.opts.secure ? 'wss' : 'ws', query);
  }
}

/** wx.connectSocket sends strings and ArrayBuffers; engine.io may hand over a typed-array view. */
function toSendable(data: unknown): string | ArrayBuffer {
  if (typeof data === 'string' || data instanceof ArrayBuffer) return data;
  if (ArrayBuffer.isView(data)) {
    return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
  }
  return String(data);
}
