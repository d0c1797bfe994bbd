import { HOST_EVENTS } from '@rallyboard/core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { startTestServer, type TestServer } from '../../../test/support/stack.js';
import {
  campaignOf,
  connectHost,
  disableHost,
  setCoHosts,
  type WatchingHost,
  watchAlerts,
} from '../support/host-socket-fixture.js';
import { createTestHost, type TestHost } from '../support/hosts.js';

// A `/host` socket is checked at its connection and again at each event it sends: the account
// and its campaigns as they are now, not as they were when it connected.
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

async function connected(host: TestHost): Promise<WatchingHost> {
  const watcher = await connectHost(server, host);
  sockets.push(watcher);
  return watcher;
}

describe('the /host namespace', () => {
  it('drops the socket of a host disabled since it connected at its next event, answering nothing', async () => {
    const host = await createTestHost(server);
    const campaignId = await campaignOf(server, host);
    const watcher = await connected(host);
    await watchAlerts(watcher, campaignId);

    await disableHost(server, admin, host);
    const answer = watcher.socket.timeout(5_000).emitWithAck(HOST_EVENTS.subscribe, { campaignId });
    await expect(answer).rejects.toThrow();
    expect(watcher.dropped()).toBe(true);
  });

  it('refuses a connection with the token of a disabled host', async () => {
    const host = await createTestHost(server);
    await disableHost(server, admin, host);
    await expect(connectHost(server, host)).rejects.toThrow(/Sign in first/);
  });

  it('answers CAMPAIGN_NOT_FOUND to a co-host subscribing after its removal', async () => {
    const owner = await createTestHost(server);
    const coHost = await createTestHost(server);
    const campaignId = await campaignOf(server, owner);
    await setCoHosts(server, admin, campaignId, [coHost.id]);
    const watcher = await connected(coHost);
    await watchAlerts(watcher, campaignId);

    await setCoHosts(server, admin, campaignId, []);
    const answer = await watcher.socket.timeout(5_000).emitWithAck(HOST_EVENTS.subscribe, { campaignId });
    expect(answer).toMatchObject({ error: { code: 'CAMPAIGN_NOT_FOUND' } });
    expect(watcher.dropped()).toBe(false);
  });
});
