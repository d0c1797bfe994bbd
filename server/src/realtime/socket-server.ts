import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { AppDeps } from '../deps.js';
import { registerSubscribe } from './handlers/subscribe.js';
import { registerUnsubscribe } from './handlers/unsubscribe.js';
import type { RealtimeServer } from './types.js';

/** Attaches typed socket.io to the HTTP server and registers one handler per event. */
export function createRealtime(httpServer: HttpServer, deps: AppDeps): RealtimeServer {
  const io: RealtimeServer = new Server(httpServer, {
    serveClient: false,
    // Screens and mini-programs hold sockets for hours; ping often enough to see dead ones.
    pingInterval: 20_000,
    pingTimeout: 20_000,
  });
  io.on('connection', (socket) => {
    registerSubscribe(socket, deps);
    registerUnsubscribe(socket, deps);
  });
  return io;
}
