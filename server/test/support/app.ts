import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/app.js';
import type { AppDeps } from '../../src/deps.js';
import type { RealtimeServer } from '../../src/realtime/types.js';

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
