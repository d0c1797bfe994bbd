import type { Server as HttpServer, IncomingMessage } from 'node:http';
import { AppError } from '@rallyboard/core/protocol';
import { Server } from 'socket.io';
import type { ReadLimits } from '../ingest/rate-limits.js';
import { registerQuery } from './handlers/query.js';
import { registerScreenSubscribe, type ScreenSubscribeDeps } from './handlers/screen-subscribe.js';
import { registerSubscribe } from './handlers/subscribe.js';
import { registerUnsubscribe } from './handlers/unsubscribe.js';
import type { RealtimeServer } from './types.js';

/** What the default namespace's handlers need, together, and the limits on their events. */
export interface RealtimeDeps extends ScreenSubscribeDeps {
  readLimits: Pick<ReadLimits, 'socketEvent'>;
  /** The client's address of a socket's handshake request (TRUST_PROXY as for HTTP). */
  clientAddress(request: IncomingMessage): string;
}

/** The events that read a store, each charged to the socket and its address. */
const LIMITED_EVENTS = new Set(['board:subscribe', 'board:query', 'screen:subscribe']);

/**
 * The largest message a client may send. The largest real event is a screen:subscribe with its
 * screen token (a few hundred bytes, under 2 KB); a long-polling POST may carry a few queued
 * events at once. socket.io's default, 1 MB, let any client make the server buffer and parse a
 * megabyte per message; past this limit the connection is closed.
 */
const MAX_MESSAGE_BYTES = 16 * 1024;

/** Attaches typed socket.io to the HTTP server and registers one handler per event. */
export function createRealtime(httpServer: HttpServer, ctx: RealtimeDeps): RealtimeServer {
  const io: RealtimeServer = new Server(httpServer, {
    serveClient: false,
    // Screens and mini-programs hold sockets for hours; ping often enough to see dead ones.
    pingInterval: 20_000,
    pingTimeout: 20_000,
    // Updates are small and frequent: skip per-message compression, which costs CPU and memory
    // per socket.
    perMessageDeflate: false,
    maxHttpBufferSize: MAX_MESSAGE_BYTES,
  });
  io.on('connection', (socket) => {
    const ip = ctx.clientAddress(socket.request);
    socket.use((event, next) => {
      const [name] = event;
      if (!LIMITED_EVENTS.has(name)) {
        next();
        return;
      }
      limitEvent(ctx, ip, socket.id, event).then((allowed) => {
        if (allowed) next();
      });
    });
    registerSubscribe(socket, ctx);
    registerUnsubscribe(socket, ctx);
    registerQuery(socket, ctx);
    registerScreenSubscribe(socket, ctx);
  });
  return io;
}

/**
 * Charges an event; when its budget is spent, answers its ack RATE_LIMITED (with the wait) and
 * drops it. A Redis failure lets the event through: its handler reads Redis and answers for it.
 */
async function limitEvent(
  ctx: Pick<RealtimeDeps, 'readLimits' | 'logger'>,
  ip: string,
  socketId: string,
  event: unknown[],
): Promise<boolean> {
  try {
    await ctx.readLimits.socketEvent(ip, socketId);
    return true;
  } catch (error) {
    if (!(error instanceof AppError)) {
      ctx.logger.warn({ err: error }, 'socket rate limit unavailable');
      return true;
    }
    const ack = event.at(-1);
    if (typeof ack === 'function') ack(error.toBody());
    return false;
  }
}
