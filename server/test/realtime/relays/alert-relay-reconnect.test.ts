import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../../test/support/config.js';
import { startTestServer, type TestServer } from '../../../../test/support/stack.js';
import { listenProxiedRelay } from '../../support/app.js';
import {
  campaignOf,
  connectHost,
  publishAlert,
  received,
  type WatchingHost,
  watchAlerts,
} from '../../support/host-socket-fixture.js';
import { createTestHost } from '../../support/hosts.js';

// A host's alerts when the alert relay's Redis subscription drops: an alert raised meanwhile is
// not lost. (A TCP proxy in front of the one Redis: not in the Redis Cluster tier.)
const config = testConfig();
let server: TestServer;
const sockets: WatchingHost[] = [];

beforeAll(async () => {
  server = await startTestServer(config);
});
afterAll(async () => {
  for (const watcher of sockets) watcher.socket.disconnect();
  await server.close();
});

describe('the alert relay after its subscription dropped', () => {
  it("sends a host the alerts raised while its server's Redis subscription was down", async () => {
    const app = await listenProxiedRelay(server.deps, config.redis.url);
    try {
      const owner = await createTestHost(server);
      const campaignId = await campaignOf(server, owner);
      const watcher = await connectHost({ ...server, url: app.url }, owner);
      sockets.push(watcher);
      await watchAlerts(watcher, campaignId);

      await app.drop();
      // Raised while nobody on the proxied server listens; no alert comes after it.
      const missed = await publishAlert(server, campaignId, { recorded: true });
      await app.restore();

      await received(watcher, missed);
      expect(watcher.alerts.filter((a) => a.id === missed.id)).toHaveLength(1);
    } finally {
      await app.close();
    }
  });
});
