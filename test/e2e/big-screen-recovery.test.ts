import { connectMongo } from '@rallyboard/core/db';
import type { Connection } from 'mongoose';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTestHost, type TestHost } from '../../server/test/support/hosts.js';
import { launchChromium, openPage } from '../support/browser.js';
import { createLiveCampaign } from '../support/campaigns.js';
import { testConfig } from '../support/config.js';
import { seedBoard, startTestServer, type TestServer } from '../support/stack.js';

// A screen refused for a while, not for good: one socket event per socket per 10 s, so the
// screen's first subscription spends its socket's budget and the next one is rate limited, as
// when a venue's screens and phones all reconnect at once after a server restart.
const config = testConfig({ RATE_LIMIT_EVENTS_PER_SOCKET: '1' });
let mongo: Connection;
let server: TestServer;
let browser: Browser;
let host: TestHost;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  [server, browser] = await Promise.all([startTestServer(config, mongo), launchChromium()]);
  host = await createTestHost(server);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await mongo?.close();
});

describe('the big screen, refused for a while', () => {
  it('waits out a rate-limited subscription and comes back live by itself', async () => {
    const campaignId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']);
    await createLiveCampaign(mongo, campaignId, { candidateIds: ['alice', 'bob'], createdBy: host.id });
    const { page, context, errors } = await openPage(browser, `${server.url}/screen/${campaignId}`);
    await page.waitForSelector('#screen[data-state="live"][data-connection="online"]', { timeout: 15_000 });

    // The host's switch to today's ranking makes the screen subscribe again: RATE_LIMITED.
    const switched = await call(server, host.token, 'PUT', `/api/campaigns/${campaignId}/screen`, {
      window: 'day',
    });
    expect(switched.status).toBe(200);
    await page.waitForSelector('#screen[data-connection="reconnecting"]', { timeout: 10_000 });

    // It tries again once the wait the server named is over, and the ranking is live again.
    await page.waitForSelector('#screen[data-state="live"][data-connection="online"]', { timeout: 25_000 });
    expect(await page.textContent('#window-badge')).toBe('今日榜');
    expect(await page.isVisible('#error')).toBe(false);
    expect(await page.isVisible('#reconnecting')).toBe(false);
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
});
