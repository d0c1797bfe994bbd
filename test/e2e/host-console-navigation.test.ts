import { connectMongo } from '@rallyboard/core/db';
import type { Connection } from 'mongoose';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHost, type TestHost } from '../../server/test/support/hosts.js';
import { launchChromium, openPage } from '../support/browser.js';
import { createLiveCampaign } from '../support/campaigns.js';
import { testConfig } from '../support/config.js';
import { signInToConsole } from '../support/console.js';
import { eventually, seedBoard, startTestServer, type TestServer } from '../support/stack.js';

const config = testConfig();
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the host console's views", () => {
  it('leaves nothing of a view the host moved on from while it loaded: no second page, no polling, no socket', async () => {
    const campaignId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']);
    await createLiveCampaign(mongo, campaignId, { title: '切换测试', createdBy: host.id });
    const { page, context, errors } = await openPage(browser, `${server.url}/console`);
    await signInToConsole(page, host.username);
    await page.evaluate((id) => {
      location.hash = `#/campaigns/${id}/overview`;
    }, campaignId);
    await page.getByRole('heading', { name: '切换测试' }).waitFor();

    // A slow network: each read of the campaign takes a second and a half.
    await page.route(`**/api/campaigns/${campaignId}`, async (route) => {
      await sleep(1_500);
      await route.continue();
    });
    const monitorReads: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname.endsWith('/monitor')) monitorReads.push(request.url());
    });
    await page.getByRole('link', { name: '实时监控' }).click();
    // The monitor is still loading (its tabs gone with the old view) when the host moves on.
    await page.evaluate((id) => {
      location.hash = `#/campaigns/${id}/review`;
    }, campaignId);
    await page.locator('section.tab-body[aria-label="审核队列"]').waitFor();
    await sleep(500);

    expect(await page.locator('.page-head').count()).toBe(1);
    expect(await page.locator('.monitor-head').count()).toBe(0);
    const readsSoFar = monitorReads.length;
    // The monitor polls every 2 s: two rounds and more without a read.
    await sleep(4_500);
    expect(monitorReads.length).toBe(readsSoFar);
    // Its alert socket on /host was closed too.
    await eventually(async () => server.io.of('/host').sockets.size === 0, 5_000, 'no host socket');
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
});
