import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../../test/support/config.js';
import { startTestServer, type TestServer } from '../../../../test/support/stack.js';
import {
  campaignOf,
  connectHost,
  disableHost,
  publishAlert,
  received,
  setCoHosts,
  type WatchingHost,
  watchAlerts,
} from '../../support/host-socket-fixture.js';
import { createTestHost, type TestHost } from '../../support/hosts.js';

// A host's access is checked again before each alert is pushed: who may no longer see a
// campaign stops getting its alerts at once, not at its next connection.
const config = testConfig();
let server: TestServer;
let admin: TestHost;
const sockets: WatchingHost[] = [];

beforeAll(async () => {
  server = await startTestServer(config);
  admin = await createTestHost(server, 'admin');
});
afterAll(async () => {
  for (const watcher of sockets) watcher.socket.disconnect();
  await server.close();
});

async function watching(host: TestHost, campaignId: string): Promise<WatchingHost> {
  const watcher = await connectHost(server, host);
  sockets.push(watcher);
  await watchAlerts(watcher, campaignId);
  return watcher;
}

describe('the alert relay', () => {
  it('stops pushing risk:alert to a host an admin disabled, and drops its socket', async () => {
    const owner = await createTestHost(server);
    const campaignId = await campaignOf(server, owner);
    const ownerWatch = await watching(owner, campaignId);
    const adminWatch = await watching(admin, campaignId);
    const before = await publishAlert(server, campaignId);
    await received(ownerWatch, before);

    await disableHost(server, admin, owner);
    const after = await publishAlert(server, campaignId);
    // The admin, in the same room, gets it: by then the relay has decided about the owner too.
    await received(adminWatch, after);
    expect(ownerWatch.alerts.map((a) => a.id)).toEqual([before.id]);
    await expect.poll(() => ownerWatch.dropped(), { timeout: 5_000 }).toBe(true);
  });

  it("stops pushing a campaign's alerts to a co-host the admin removed from it, who keeps its own", async () => {
    const owner = await createTestHost(server);
    const coHost = await createTestHost(server);
    const campaignId = await campaignOf(server, owner);
    const own = await campaignOf(server, coHost);
    await setCoHosts(server, admin, campaignId, [coHost.id]);
    const ownerWatch = await watching(owner, campaignId);
    const coHostWatch = await watching(coHost, campaignId);
    await watchAlerts(coHostWatch, own);
    const before = await publishAlert(server, campaignId);
    await received(coHostWatch, before);

    await setCoHosts(server, admin, campaignId, []);
    const after = await publishAlert(server, campaignId);
    await received(ownerWatch, after);
    expect(coHostWatch.alerts.map((a) => a.id)).toEqual([before.id]);
    // Still connected, and still alerted of the campaign it created.
    const mine = await publishAlert(server, own);
    await received(coHostWatch, mine);
    expect(coHostWatch.dropped()).toBe(false);
  });
});
