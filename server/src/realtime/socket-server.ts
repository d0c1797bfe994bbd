import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import { registerQuery } from './handlers/query.js';
import { registerScreenSubscribe, type ScreenSubscribeDeps } from './handlers/screen-subscribe.js';
import { registerSubscribe } from './handlers/subscribe.js';
import { registerUnsubscribe } from './handlers/unsubscribe.js';
import type { RealtimeServer } from './types.js';

/** Attaches typed socket.io to the HTTP server and registers one handler per event. */
/** What the default namespace's handlers need, together. */
export type RealtimeDeps = ScreenSubscribeDeps;

export function createRealtime(httpServer: HttpServer, ctx: RealtimeDeps): RealtimeServer {
  const io: RealtimeServer = new Server(httpServer, {
    serveClient: false,
    // Screens and mini-programs hold sockets for hours; ping often enough to see dead ones.
    pingInterval: 20_000,
    pingTimeout: 20_000,
    // Updates are small and frequent: skip per-message compression, which costs CPU and memory
    // per socket.
    perMessageDeflate: false,
  });
  io.on('connection', (socket) => {
    registerSubscribe(socket, ctx);
    registerUnsubscribe(socket, ctx);
    registerQuery(socket, ctx);
    registerScreenSubscribe(socket, ctx);
  });
  return io;
}
