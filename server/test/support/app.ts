import type { AddressInfo } from 'node:net';
import { createRedis, waitForReady } from '@rallyboard/core/redis';
import { eventually } from '../../../test/support/stack.js';
import { createApp } from '../../src/app.js';
import type { AppDeps } from '../../src/deps.js';
import type { RealtimeServer } from '../../src/realtime/types.js';
import { startTcpProxy } from './proxy.js';

export interface RunningApp {
  url: string;
  io: RealtimeServer;
  /** Closes the HTTP server and socket.io; the deps stay open (they belong to the caller). */
  close(): Promise<void>;
}

/**
 * The real server (createApp) on port 0 over the given deps, for tests that need other
 * connections than startTestServer opens (e.g. one that can lose Redis). The relay runs only if asked.
 */
export async function listenApp(deps: AppDeps, options: { relay?: boolean } = {}): Promise<RunningApp> {
  const { httpServer, io, relay } = createApp(deps);
  if (options.relay) await relay.start();
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const { port } = httpServer.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    io,
    async close() {
      if (options.relay) await relay.stop();
      await new Promise<void>((resolve) => {
        io.close(() => resolve());
      });
    },
  };
}

/** A second app whose relays listen through a proxy (see proxy.ts) that can drop their Redis subscription. */
export interface ProxiedRelayApp extends RunningApp {
  /** Cuts the relays' subscriber connection, and waits until the subscriber has noticed. */
  drop(): Promise<void>;
  /** Lets the subscriber reconnect, and waits until it has. */
  restore(): Promise<void>;
}

/**
 * The real server over `deps`, its relays running on a subscriber of their own that reaches
 * Redis through a TCP proxy: what a test of a dropped subscription needs.
 */
export async function listenProxiedRelay(deps: AppDeps, redisUrl: string): Promise<ProxiedRelayApp> {
  const proxy = await startTcpProxy(redisUrl);
  const subscriber = createRedis(proxy.url, 'subscriber', 'test-proxied');
  subscriber.on('error', () => {});
  await waitForReady(subscriber);
  const app = await listenApp({ ...deps, subscriber }, { relay: true });
  return {
    ...app,
    async drop() {
      await proxy.cut();
      await eventually(async () => subscriber.status !== 'ready', 5_000, 'the subscriber to notice');
    },
    async restore() {
      await proxy.restore();
      await eventually(async () => subscriber.status === 'ready', 10_000, 'the subscriber to reconnect');
    },
    async close() {
      await app.close();
      subscriber.disconnect();
    },
  };
}
