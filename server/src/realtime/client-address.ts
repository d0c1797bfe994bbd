import type { IncomingMessage } from 'node:http';
import { clientIpSchema } from '@rallyboard/core/protocol';
import type { Express, Request } from 'express';

/**
 * A socket's client address, read as express reads a request's (`req.ip`, TRUST_PROXY): behind
 * trusted proxies the nearest untrusted hop of X-Forwarded-For, else the peer. What is not an IP
 * address (a client can write anything there) falls back to the peer, so a limit is never keyed
 * by arbitrary text.
 */
export function socketClientAddress(app: Express): (request: IncomingMessage) => string {
  return (request) => {
    const view = Object.create(app.request, {
      app: { value: app },
      headers: { value: request.headers },
      socket: { value: request.socket },
      connection: { value: request.socket },
    }) as Request;
    const ip = clientIpSchema.safeParse((view.ip ?? '').replace(/%.*$/, ''));
    return ip.success ? ip.data : (request.socket.remoteAddress ?? 'unknown');
  };
}
