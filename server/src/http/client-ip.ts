import { AppError, clientIpSchema } from '@rallyboard/core/protocol';
import type { Request } from 'express';

/**
 * The client's address as express reads it: the socket's peer or, behind trusted proxies
 * (TRUST_PROXY), the nearest untrusted hop of X-Forwarded-For. That hop is whatever the client
 * wrote there, so it is checked (INVALID_INPUT): a vote's context must never fail the worker's
 * validation, and a rate limit must not be keyed by arbitrary text.
 */
export function clientIp(req: Request): string {
  // A link-local zone (`fe80::1%eth0`) names our interface, not the client.
  const ip = clientIpSchema.safeParse((req.ip ?? req.socket.remoteAddress ?? '').replace(/%.*$/, ''));
  if (!ip.success) {
    throw new AppError('INVALID_INPUT', {
      details: [{ path: 'headers.x-forwarded-for', message: 'must be IP addresses' }],
    });
  }
  return ip.data;
}
