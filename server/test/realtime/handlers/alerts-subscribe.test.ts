import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@rallyboard/core/logger';
import { ERROR_CATALOGUE, HOST_EVENTS, HOST_NAMESPACE } from '@rallyboard/core/protocol';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { Server } from 'socket.io';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogs } from '../../../../test/support/wechat.js';
import { registerAlertsSubscribe } from '../../../src/realtime/handlers/alerts-subscribe.js';
import type { HostNamespace, RealtimeServer } from '../../../src/realtime/types.js';
import type { HostTestSocket } from '../../support/host-socket-fixture.js';

// A socket handler whose store read fails answers as HTTP does (server/src/http/error-handler.ts):
// a store that could not answer is a retryable SERVICE_UNAVAILABLE; until 2026-12-08 it was INTERNAL.
const { logger, lines } = captureLogs();
/** What the next campaign read throws. */
let failure: unknown;
let hostsIo: RealtimeServer;
let url: string;
const sockets: HostTestSocket[] = [];
/** Real errors of our stores' clients, with nothing listening where they connect. */
const storeErrors: Record<string, unknown> = {};

beforeAll(async () => {
  const redis = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false });
  storeErrors.redis = await redis.get('k').catch((error: unknown) => error);
  redis.disconnect();
  storeErrors.mongo = await mongoose
    .createConnection('mongodb://127.0.0.1:1/x', { serverSelectionTimeoutMS: 100 })
    .asPromise()
    .catch((error: unknown) => error);
  storeErrors['an error caused by mongo'] = new Error('the read failed', { cause: storeErrors.mongo });

  const httpServer = createServer();
  hostsIo = new Server(httpServer);
  const hosts: HostNamespace = hostsIo.of(HOST_NAMESPACE);
  hosts.use((socket, next) => {
    socket.data = { host: { kind: 'host', hostId: 'h1', role: 'host', username: 'h1' }, token: 't' };
    next();
  });
  hosts.on('connection', (socket) =>
    registerAlertsSubscribe(socket, {
      logger: logger as unknown as Logger,
      loadCampaign: async () => {
        throw failure;
      },
    }),
  );
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}${HOST_NAMESPACE}`;
});
afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await new Promise<void>((resolve) => {
    hostsIo.close(() => resolve());
  });
});

async function subscribeAlerts(campaignId: string) {
  const socket: HostTestSocket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true });
  sockets.push(socket);
  return socket.timeout(5_000).emitWithAck(HOST_EVENTS.subscribe, { campaignId });
}

describe('alerts:subscribe', () => {
  it.each(['redis', 'mongo', 'an error caused by mongo'])(
    'answers a retryable SERVICE_UNAVAILABLE when its campaign read meets %s unreachable',
    async (store) => {
      failure = storeErrors[store];
      expect(failure).toBeInstanceOf(Error);
      lines.length = 0;

      expect(await subscribeAlerts('c1')).toEqual({
        error: { code: 'SERVICE_UNAVAILABLE', message: ERROR_CATALOGUE.SERVICE_UNAVAILABLE.message },
      });
      expect(lines.join('\n')).toContain('socket handler failed');
    },
  );

  it('answers any other unexpected error as a bare INTERNAL', async () => {
    failure = new Error('a bug (secret internals)');
    const answer = await subscribeAlerts('c1');
    expect(answer).toEqual({ error: { code: 'INTERNAL', message: ERROR_CATALOGUE.INTERNAL.message } });
  });
});
